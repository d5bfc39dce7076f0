// Drive real headless Firefox (ESR) with an unpacked extension loaded, for end-to-end tests.
//
// Dependency-free: talks to geckodriver's classic WebDriver HTTP API with Node's built-in fetch.
// geckodriver runs with --allow-system-access so tests can use the privileged 'chrome' context
// (needed to open moz-extension:// tabs and to click the extension's toolbar button).
//
// Usage:
//   const ff = await launchFirefox({ extensionDir, geckoId: 'x@example.org', uuid: '…' });
//   try { const h = await ff.openTab(url); await ff.clickAction(); … } finally { await ff.quit(); }
//
// Environment overrides: FIREFOX_BIN (default /usr/bin/firefox-esr),
// GECKODRIVER_BIN (default ~/.cargo/bin/geckodriver, then `geckodriver` on PATH).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const FIREFOX_BIN = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';
const GECKODRIVER_BIN =
  process.env.GECKODRIVER_BIN ||
  [path.join(os.homedir(), '.cargo/bin/geckodriver')].find((p) => fs.existsSync(p)) ||
  'geckodriver';

/** Pids started by any session of this process; killed on process exit as a last resort. */
const livePids = new Set();
process.on('exit', () => {
  for (const pid of livePids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

/**
 * @typedef {object} LaunchOptions
 * @property {string} extensionDir  Unpacked extension directory (contains manifest.json).
 * @property {string} geckoId       browser_specific_settings.gecko.id of the extension.
 * @property {string} uuid          Fixed moz-extension:// host (a UUID, without braces).
 * @property {Record<string, string|number|boolean>} [prefs]  Extra Firefox prefs.
 * @property {boolean} [acceptInsecureCerts=true]
 * @property {Record<string,string>} [hostMap]  Send real-looking host names to local servers,
 *   e.g. { 'acme.my.salesforce.com': '127.0.0.1:8443', '*.acme-shop.test': '127.0.0.1:8443' }
 *   (keys may use * wildcards). URLs keep their real host (Host header, TLS SNI, cookies,
 *   origin), any port; no root needed. Implemented by an in-process HTTP proxy (CONNECT
 *   tunnels for https) plus a PAC script (network.proxy.type=2, autoconfig_url=data:…) that
 *   routes only the mapped hosts through it. Use a certificate valid for the names, or keep
 *   acceptInsecureCerts (default true).
 * @property {number} [launchTimeoutMs=60000]
 */

/**
 * PAC script (as a data: URL) sending hosts matching the glob patterns to an HTTP proxy.
 * @param {string[]} patterns  host globs, e.g. ['acme.my.salesforce.com', '*.acme-shop.test']
 * @param {string} proxy  'ip:port'
 */
export function pacUrl(patterns, proxy) {
  const body = `function FindProxyForURL(url, host) {
  var p = ${JSON.stringify(patterns)};
  for (var i = 0; i < p.length; i++) if (shExpMatch(host, p[i])) return "PROXY ${proxy}";
  return "DIRECT";
}`;
  return 'data:text/javascript,' + encodeURIComponent(body);
}

/**
 * Start an in-process HTTP proxy on 127.0.0.1 that forwards requests for mapped hosts to their
 * 'ip:port' (CONNECT tunnels for https; absolute-form requests for http) and refuses the rest.
 * @param {Record<string,string>} hostMap
 * @returns {Promise<{port:number, close:() => Promise<void>}>}
 */
export async function startHostMapProxy(hostMap) {
  const rules = Object.entries(hostMap).map(([glob, to]) => {
    const [ip, port] = to.split(':');
    const re = new RegExp('^' + glob.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
    return { re, ip, port: port ? Number(port) : undefined };
  });
  const target = (host, port) => {
    const r = rules.find((x) => x.re.test(host));
    return r && { host: r.ip, port: r.port ?? port };
  };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    // Plain-http request in absolute form: GET http://host/path
    let url;
    try { url = new URL(req.url); } catch { res.writeHead(400).end(); return; }
    const t = target(url.hostname, Number(url.port || 80));
    if (!t) { res.writeHead(403).end(`host ${url.hostname} is not mapped`); return; }
    const up = http.request({ host: t.host, port: t.port, method: req.method, path: url.pathname + url.search,
      headers: req.headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, sock, head) => {
    const [host, port] = req.url.split(':');
    const t = target(host, Number(port || 443));
    if (!t) { sock.end('HTTP/1.1 403 Forbidden\r\n\r\n'); return; }
    const up = net.connect(t.port, t.host, () => {
      sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    for (const s of [up, sock]) { sockets.add(s); s.on('close', () => sockets.delete(s)); }
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: /** @type {net.AddressInfo} */ (server.address()).port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * Launch headless Firefox through geckodriver and install the extension temporarily.
 * @param {LaunchOptions} opts
 * @returns {Promise<FirefoxSession>}
 */
export async function launchFirefox(opts) {
  const session = new FirefoxSession(opts);
  try {
    await session._start();
  } catch (e) {
    await session.quit().catch(() => {});
    e.message += `\n(Firefox/geckodriver log: ${session.logPath})`;
    throw e;
  }
  return session;
}

export class FirefoxSession {
  /** @param {LaunchOptions} opts */
  constructor(opts) {
    if (!opts?.extensionDir || !opts.geckoId || !opts.uuid) {
      throw new Error('launchFirefox: extensionDir, geckoId and uuid are required');
    }
    this.opts = { prefs: {}, acceptInsecureCerts: true, launchTimeoutMs: 60_000, headless: true, ...opts };
    /** Temporary directory holding the Firefox profile; removed by quit(). */
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-session-'));
    /** geckodriver + Firefox stdout/stderr. Kept after quit() for debugging. */
    this.logPath = path.join(os.tmpdir(), `${path.basename(this.tmpDir)}.log`);
    /** moz-extension://<uuid>/ */
    this.extensionOrigin = `moz-extension://${opts.uuid}`;
    /** @type {number|undefined} */ this.geckodriverPid = undefined;
    /** @type {number|undefined} */ this.firefoxPid = undefined;
    /** @type {string|undefined} */ this.sessionId = undefined;
    /** Window handles of tabs opened with select=false: switching to them keeps the selected tab. */
    this._backgroundHandles = new Set();
    /** The WebDriver target as last set by switchTo/closeTab (switching to it again is a no-op). */
    this._currentHandle = undefined;
    this._context = 'content';
    /** Milliseconds spent in launchFirefox (process start to extension ready). */
    this.launchMs = 0;
  }

  // ---------------------------------------------------------------- lifecycle

  async _start() {
    const t0 = Date.now();
    const { extensionDir, geckoId, uuid, prefs, acceptInsecureCerts, hostMap } = this.opts;
    let hostMapPrefs;
    if (hostMap && Object.keys(hostMap).length) {
      this._proxy = await startHostMapProxy(hostMap);
      hostMapPrefs = {
        'network.proxy.type': 2,
        'network.proxy.autoconfig_url': pacUrl(Object.keys(hostMap), `127.0.0.1:${this._proxy.port}`),
      };
    }
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    const logFd = fs.openSync(this.logPath, 'a');
    const profileDir = path.join(this.tmpDir, 'profile');
    fs.mkdirSync(profileDir);
    const child = spawn(
      GECKODRIVER_BIN,
      ['--host', '127.0.0.1', '--port', String(port), '--allow-system-access', '--log', 'info'],
      { stdio: ['ignore', logFd, logFd] },
    );
    fs.closeSync(logFd);
    child.once('error', (e) => fs.appendFileSync(this.logPath, `spawn error: ${e}\n`));
    if (!child.pid) throw new Error(`could not start geckodriver (${GECKODRIVER_BIN})`);
    this.geckodriverPid = child.pid;
    livePids.add(child.pid);

    await waitUntil(
      async () => (await fetch(`${this.baseUrl}/status`).then((r) => r.json()).catch(() => null))?.value?.ready,
      10_000,
      () => `geckodriver did not answer on ${this.baseUrl}/status within 10 s`,
      () => child.exitCode !== null && `geckodriver exited with code ${child.exitCode}`,
    );

    const allPrefs = {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
      // quieter, faster, deterministic startup
      'browser.shell.checkDefaultBrowser': false,
      'browser.startup.homepage_override.mstone': 'ignore',
      'datareporting.policy.dataSubmissionEnabled': false,
      'extensions.getAddons.cache.enabled': false,
      // copy console.* output of web pages and of chrome/extension code into the log
      'devtools.console.stdout.content': true,
      'devtools.console.stdout.chrome': true,
      ...(hostMapPrefs || {}),
      ...prefs,
    };
    const caps = await this._cmd('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'firefox',
          acceptInsecureCerts,
          'moz:firefoxOptions': {
            binary: FIREFOX_BIN,
            args: [...(this.opts.headless ? ['-headless'] : []), '-profile', profileDir],
            prefs: allPrefs,
            log: { level: 'info' },
          },
        },
      },
    }, this.opts.launchTimeoutMs, false);
    this.sessionId = caps.sessionId;
    this.firefoxPid = caps.capabilities['moz:processID'];
    if (this.firefoxPid) livePids.add(this.firefoxPid);

    const addonId = await this._cmd('POST', '/moz/addon/install', {
      path: path.resolve(extensionDir),
      temporary: true,
    });
    if (addonId !== geckoId) {
      throw new Error(`installed add-on id ${addonId} differs from geckoId ${geckoId}`);
    }
    // Wait until the extension is running and its toolbar widget exists.
    await this.waitForChrome(
      `const p = WebExtensionPolicy.getByID(${JSON.stringify(geckoId)});
       return !!(p && p.extension && p.mozExtensionHostname === ${JSON.stringify(uuid)} &&
         (!p.extension.manifest.action || ${WIDGET_JS}));`,
      { timeoutMs: 15_000, message: `extension ${geckoId} did not start with host ${uuid}` },
    );
    this.launchMs = Date.now() - t0;
  }

  /** End the WebDriver session, kill geckodriver and Firefox by pid, delete the profile. */
  async quit() {
    if (this._quitting) return this._quitting;
    this._quitting = (async () => {
      if (this.sessionId) {
        await this._cmd('DELETE', '', undefined, 10_000).catch(() => {});
        this.sessionId = undefined;
      }
      for (const pid of [this.firefoxPid, this.geckodriverPid]) {
        if (pid) await killPid(pid, 5_000);
        livePids.delete(pid);
      }
      await this._proxy?.close();
      fs.rmSync(this.tmpDir, { recursive: true, force: true });
    })();
    return this._quitting;
  }

  // ---------------------------------------------------------------- tabs

  /**
   * Open url in a new tab, select it and wait for the load to finish.
   * @param {string} url
   * @returns {Promise<string>} WebDriver window handle
   */
  async openTab(url) {
    const { handle } = await this._content('POST', '/window/new', { type: 'tab' });
    await this.switchTo(handle);
    await this._content('POST', '/url', { url }, 60_000);
    return handle;
  }

  /**
   * Open moz-extension://<uuid>/<path> in a new tab. By default the tab is NOT selected, so the
   * page's tabs.query({active:true,currentWindow:true}) still returns the tab that was selected.
   * The tab is created as about:blank, made the WebDriver target, and only then navigated to the
   * extension page, so the page never runs while it is the selected tab (unless select is true).
   * @param {string} pagePath  e.g. 'popup.html' or 'popup.html?x=1'
   * @param {{select?: boolean, timeoutMs?: number}} [o]
   * @returns {Promise<string>} WebDriver window handle (the session is switched to it)
   */
  async openExtensionPage(pagePath, { select = false, timeoutMs = 15_000 } = {}) {
    const url = `${this.extensionOrigin}/${pagePath.replace(/^\//, '')}`;
    const before = new Set(await this._content('GET', '/window/handles'));
    await this.chromeEval(`
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      win.gBrowser.addTab('about:blank', {
        triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
        inBackground: true,
      });`);
    const handle = await waitUntil(
      async () => (await this._content('GET', '/window/handles')).find((h) => !before.has(h)),
      timeoutMs,
      () => `no new window handle appeared for ${url}`,
    );
    if (!select) this._backgroundHandles.add(handle);
    await this.switchTo(handle);
    // Navigate the (now WebDriver-targeted) tab from chrome: WebDriver itself refuses
    // navigation to moz-extension:// URLs.
    await this.chromeEval(`
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      const [handle, url, select] = arguments;
      const browser = ${NAV}.getBrowserById(handle);
      if (!browser) throw new Error('tab for handle ' + handle + ' not found');
      browser.fixupAndLoadURIString(url, {
        triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
      });
      if (select) win.gBrowser.selectedTab = win.gBrowser.getTabForBrowser(browser);`, handle, url, select);
    await this.waitFor(
      `return location.href === ${JSON.stringify(url)} && document.readyState === 'complete'`,
      { timeoutMs, message: `extension page ${url} did not load` },
    );
    return handle;
  }

  /**
   * Make handle the WebDriver target. WebDriver always selects the tab it switches to; for tabs
   * opened with openExtensionPage({select:false}) the previously selected tab is re-selected.
   * @param {string} handle
   */
  async switchTo(handle) {
    const keep = this._backgroundHandles.has(handle);
    // A background tab that is already the target stays in the background: switching again
    // would select it for a moment, and the popup page running there (tabs.query for the
    // active tab) could then take itself for the tab to check.
    if (keep && handle === this._currentHandle) return;
    const prev = keep ? await this.selectedHandle() : undefined;
    await this._content('POST', '/window', { handle });
    this._currentHandle = handle;
    if (keep && prev !== undefined && prev !== handle) {
      await this.chromeEval(`
        const win = Services.wm.getMostRecentWindow('navigator:browser');
        const browser = ${NAV}.getBrowserById(arguments[0]);
        if (browser) win.gBrowser.selectedTab = win.gBrowser.getTabForBrowser(browser);`, prev);
    }
  }

  /**
   * Close the tab of handle (and forget it). WebDriver's target moves to the selected tab, so
   * the next command has a live browsing context.
   * @param {string} handle
   */
  async closeTab(handle) {
    await this.chromeEval(`
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      const browser = ${NAV}.getBrowserById(arguments[0]);
      if (browser) win.gBrowser.removeTab(win.gBrowser.getTabForBrowser(browser));`, handle);
    this._backgroundHandles.delete(handle);
    const selected = await this.selectedHandle();
    this._currentHandle = undefined;
    if (selected !== undefined && selected !== null) {
      await this._content('POST', '/window', { handle: selected });
      this._currentHandle = selected;
    }
  }

  /** @returns {Promise<string>} WebDriver window handle of the selected tab */
  async selectedHandle() {
    return this.chromeEval(`return ${NAV}.getIdForBrowser(
      Services.wm.getMostRecentWindow('navigator:browser').gBrowser.selectedBrowser);`);
  }

  /** @returns {Promise<string>} handle of the current WebDriver target */
  async currentHandle() {
    return this._content('GET', '/window');
  }

  // ---------------------------------------------------------------- the toolbar button

  /**
   * Click the extension's toolbar button (browser action) for the selected tab, the way a user
   * does: open the Extensions (puzzle) panel if the button lives there, then click the action
   * button node. CustomizableUI then runs the widget's onViewShowing, i.e.
   * ExtensionAction.triggerClickOrPopup(), which grants activeTab for the selected tab and opens
   * the popup (or fires action.onClicked when there is no popup).
   * Resolves once Firefox has recorded the activeTab grant for that tab.
   * @param {{closePopup?: boolean, timeoutMs?: number}} [o]  closePopup (default true) closes
   *   the popup panel again once it has opened, so it does not linger during the test. Note that
   *   the popup document has loaded (and run its scripts) by then, as with a real click.
   * @returns {Promise<{tabId:number, popupOpened:boolean}>}
   */
  async clickAction({ closePopup = true, timeoutMs = 10_000 } = {}) {
    const id = JSON.stringify(this.opts.geckoId);
    // Runs in the browser window's chrome context (function source is sent, args as JSON).
    await this.chromeEvalAsync(async (geckoId) => {
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      const { CustomizableUI } = win;
      const widgetId = geckoId.toLowerCase().replace(/[^a-z0-9_-]/g, '_') + '-browser-action';
      const group = CustomizableUI.getWidget(widgetId);
      const node = group && group.forWindow(win).node;
      if (!node) throw new Error('no toolbar widget ' + widgetId);
      const sleep = (ms) => new Promise((r) => win.setTimeout(r, ms));
      if (group.areaType === CustomizableUI.TYPE_PANEL) {
        // Not pinned: like the user, first open the Extensions (puzzle piece) panel.
        const isOpen = () => win.document.getElementById('unified-extensions-panel')?.state === 'open';
        if (!isOpen()) await win.gUnifiedExtensions.togglePanel();
        for (let i = 0; i < 100 && !isOpen(); i++) await sleep(50);
        if (!isOpen()) throw new Error('the Extensions panel did not open');
      }
      // The widget's view is shown by CustomizableUI when the button is clicked; its
      // onViewShowing handler is what grants activeTab (ExtensionAction.triggerClickOrPopup).
      let shown = false;
      const onShowing = (e) => { if (e.target.id.startsWith('PanelUI-webext-' + widgetId.replace(/-browser-action$/, ''))) shown = true; };
      win.document.addEventListener('ViewShowing', onShowing, true);
      try {
        const button = node.querySelector('.unified-extensions-item-action-button') || node.firstElementChild;
        button.click();
        for (let i = 0; i < 100 && !shown; i++) await sleep(50);
      } finally {
        win.document.removeEventListener('ViewShowing', onShowing, true);
      }
      if (!shown) throw new Error('clicking the action button did not show its view within 5 s');
    }, this.opts.geckoId);
    const tabId = await this.waitForChrome(
      `const ext = WebExtensionPolicy.getByID(${id}).extension;
       const tab = Services.wm.getMostRecentWindow('navigator:browser').gBrowser.selectedTab;
       return ext.tabManager.hasActiveTabPermission(tab) && ext.tabManager.getWrapper(tab).id;`,
      { timeoutMs, message: 'clicking the toolbar button did not grant activeTab for the selected tab' },
    );
    const popupOpened = await this.waitForChrome(
      `const ext = WebExtensionPolicy.getByID(${id}).extension;
       const { ViewPopup } = ChromeUtils.importESModule('resource:///modules/ExtensionPopups.sys.mjs');
       const popup = ViewPopup.for(ext, Services.wm.getMostRecentWindow('navigator:browser'));
       if (!ext.manifest.action?.default_popup) return 'none';
       return popup && popup.browserLoaded ? 'open' : false;`,
      { timeoutMs, message: 'the action popup did not open after the click' },
    ).then((v) => v === 'open', () => false);
    if (closePopup) await this.closePopup();
    return { tabId, popupOpened };
  }

  /** Close the action popup / Extensions panel if open, and wait until they are closed. */
  async closePopup({ timeoutMs = 5_000 } = {}) {
    const openPanels = `
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      const ext = WebExtensionPolicy.getByID(${JSON.stringify(this.opts.geckoId)}).extension;
      const { ViewPopup } = ChromeUtils.importESModule('resource:///modules/ExtensionPopups.sys.mjs');
      const popup = ViewPopup.for(ext, win);
      const panels = [...win.document.querySelectorAll('panel')].filter((p) =>
        ['unified-extensions-panel', 'customizationui-widget-panel'].includes(p.id) && p.state !== 'closed');`;
    await this.chromeEval(`${openPanels}
      popup?.closePopup();
      for (const p of panels) p.hidePopup();`);
    await this.waitForChrome(`${openPanels} return !popup && panels.length === 0;`,
      { timeoutMs, message: 'the action popup / Extensions panel did not close' });
  }

  // ---------------------------------------------------------------- scripting

  /**
   * Run a synchronous script in the current tab (content context). fnSource is either a
   * function (its source is sent; called with args) or a script body using `return` / `arguments`.
   * @param {string|Function} fnSource
   * @param {...any} args  JSON-serialisable arguments
   */
  async execute(fnSource, ...args) {
    return this._inContext('content', () =>
      this._cmd('POST', '/execute/sync', { script: toScript(fnSource), args }));
  }

  /**
   * Run an async script in the current tab: the body gets a callback as its last argument; a
   * function source may instead return a promise (it is awaited).
   * @param {string|Function} fnSource
   * @param {...any} args
   */
  async executeAsync(fnSource, ...args) {
    return this._inContext('content', () =>
      this._cmd('POST', '/execute/async', { script: toAsyncScript(fnSource), args }, 60_000)).then(unwrapAsync);
  }

  /**
   * Poll a script in the current tab until it returns a truthy value, and return that value.
   * @param {string|Function} predicateSource  as for execute()
   * @param {{timeoutMs?: number, intervalMs?: number, message?: string, args?: any[]}} [o]
   */
  async waitFor(predicateSource, { timeoutMs = 10_000, intervalMs = 100, message, args = [] } = {}) {
    let last;
    return waitUntil(
      async () => (last = await this.execute(predicateSource, ...args)),
      timeoutMs,
      () => `${message || 'waitFor timed out'} after ${timeoutMs} ms (last value: ${JSON.stringify(last)};` +
        ` script: ${String(predicateSource).slice(0, 200)})`,
      undefined,
      intervalMs,
    );
  }

  /**
   * Run privileged JS in the chrome (browser UI) context: `Services`, `ChromeUtils`, windows…
   * @param {string|Function} source  as for execute()
   * @param {...any} args
   */
  async chromeEval(source, ...args) {
    return this._inContext('chrome', () =>
      this._cmd('POST', '/execute/sync', { script: toScript(source), args }));
  }

  /** Like chromeEval, async flavour (callback is the last argument / function may return a promise). */
  async chromeEvalAsync(source, ...args) {
    return this._inContext('chrome', () =>
      this._cmd('POST', '/execute/async', { script: toAsyncScript(source), args }, 60_000)).then(unwrapAsync);
  }

  /** Poll chromeEval until truthy. */
  async waitForChrome(source, { timeoutMs = 10_000, intervalMs = 100, message } = {}) {
    let last;
    return waitUntil(
      async () => (last = await this.chromeEval(source)),
      timeoutMs,
      () => `${message || 'waitForChrome timed out'} after ${timeoutMs} ms (last value: ${JSON.stringify(last)})`,
      undefined,
      intervalMs,
    );
  }

  /** Save a PNG screenshot of the current tab's viewport. @param {string} file */
  async screenshot(file) {
    const b64 = await this._content('GET', '/screenshot');
    fs.writeFileSync(file, Buffer.from(b64, 'base64'));
    return file;
  }

  /** Save a PNG of the whole document of the current tab (geckodriver's full-page screenshot). */
  async screenshotFull(file) {
    const b64 = await this._content('GET', '/moz/screenshot/full');
    fs.writeFileSync(file, Buffer.from(b64, 'base64'));
    return file;
  }

  /** Resizes the window so the tab's viewport is `width` × `height` CSS pixels. */
  async setViewport(width, height) {
    const [ow, oh, iw, ih] = await this.execute(() => [window.outerWidth, window.outerHeight, window.innerWidth, window.innerHeight]);
    await this._content('POST', '/window/rect', { width: width + (ow - iw), height: height + (oh - ih) });
  }

  /** Focuses the first element matching `selector` and presses `key` there (WebDriver key actions: trusted input). */
  async pressKey(selector, key) {
    await this.execute((sel) => document.querySelector(sel).focus(), selector);
    await this._content('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value: key }, { type: 'keyUp', value: key }] }],
    });
    await this._content('DELETE', '/actions');
  }

  /** Clicks the first element matching `selector` in the current tab with WebDriver's Element Click (trusted input). */
  async click(selector) {
    const el = await this._content('POST', '/element', { using: 'css selector', value: selector });
    const id = el['element-6066-11e4-a52e-4f735466cecf'];
    await this._content('POST', `/element/${id}/click`, {});
  }

  // ---------------------------------------------------------------- WebDriver plumbing

  /** A WebDriver command that must run in the content context (window handles are per context). */
  async _content(method, urlPath, body, timeoutMs) {
    return this._inContext('content', () => this._cmd(method, urlPath, body, timeoutMs));
  }

  async _inContext(context, fn) {
    if (this._context !== context) {
      await this._cmd('POST', '/moz/context', { context });
      this._context = context;
    }
    return fn();
  }

  /**
   * One WebDriver command. path is relative to /session/{id} unless inSession is false.
   * @returns {Promise<any>} the response's `value` (or the whole body for new-session)
   */
  async _cmd(method, urlPath, body, timeoutMs = 30_000, inSession = true) {
    if (inSession && !this.sessionId) throw new Error(`no WebDriver session (${method} ${urlPath})`);
    const url = this.baseUrl + (inSession ? `/session/${this.sessionId}` : '') + urlPath;
    let res;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const why = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String(e.cause || e);
      throw new Error(`WebDriver ${method} ${urlPath || '/'}: ${why} (log: ${this.logPath})`);
    }
    const json = await res.json().catch(() => ({}));
    const value = json.value;
    if (!res.ok) {
      const err = new Error(`WebDriver ${method} ${urlPath || '/'}: ${value?.error || res.status}: ${value?.message}`);
      err.webdriverError = value?.error;
      throw err;
    }
    return value;
  }
}

// -------------------------------------------------------------------- helpers

/** JS expression (chrome context): Marionette's handle <-> <browser> mapping. */
const NAV = `ChromeUtils.importESModule('chrome://remote/content/shared/NavigableManager.sys.mjs').NavigableManager`;

/** JS expression (chrome context): the extension's toolbar widget exists in the window. */
const WIDGET_JS = `(() => {
  const win = Services.wm.getMostRecentWindow('navigator:browser');
  const w = win.CustomizableUI.getWidget(p.id.toLowerCase().replace(/[^a-z0-9_-]/g, '_') + '-browser-action');
  return !!(w && w.forWindow(win).node);
})()`;

function toScript(src) {
  return typeof src === 'function' ? `return (${src}).apply(null, arguments);` : src;
}

/** Async script wrapper: the function may return a promise; its rejection becomes an exception. */
function toAsyncScript(src) {
  if (typeof src !== 'function') return src;
  return `const done = arguments[arguments.length - 1];
    const args = Array.prototype.slice.call(arguments, 0, -1);
    Promise.resolve().then(() => (${src}).apply(null, args))
      .then((value) => done({ [${JSON.stringify(ASYNC_KEY)}]: 'ok', value }),
            (e) => done({ [${JSON.stringify(ASYNC_KEY)}]: 'error', value: String(e) + (e && e.stack ? '\\n' + e.stack : '') }));`;
}

const ASYNC_KEY = '__ffxAsyncResult';

function unwrapAsync(v) {
  if (!v || typeof v !== 'object' || !(ASYNC_KEY in v)) return v;
  if (v[ASYNC_KEY] === 'error') throw new Error(`script rejected: ${v.value}`);
  return v.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll fn until it returns a truthy value (returned), or throw after timeoutMs.
 * Exceptions from fn count as "not yet" but the last one is reported.
 */
async function waitUntil(fn, timeoutMs, describe, abortIf, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { lastErr = e; }
    const abort = abortIf && abortIf();
    if (abort) throw new Error(`${describe()}: ${abort}`);
    if (Date.now() >= deadline) {
      throw new Error(describe() + (lastErr ? ` (last error: ${lastErr.message})` : ''));
    }
    await sleep(intervalMs);
  }
}

/** A TCP port that was free a moment ago (listen on port 0, read it, close). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then SIGKILL if still alive after graceMs. */
async function killPid(pid, graceMs) {
  const alive = () => {
    try { process.kill(pid, 0); } catch { return false; }
    try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
  };
  if (!alive()) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(50);
  if (alive()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}
