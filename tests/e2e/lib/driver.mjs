// One small interface over both browsers for the E2E tests:
//   openDriver(name) → { openPopupOn(url) → PopupHandle, close() }
//   PopupHandle      → { waitForResult(), rescan(), evaluate(fn, ...args), close() }
//   driver.cookies(host) → the browser's cookies for that host (test-only look at the sid)
//   driver.clearCookies() → logs the profile out of everything
// Chromium opens the real popup through the toolbar action; Firefox clicks the toolbar action
// (granting activeTab as a user's click does) and then opens the popup document as an
// extension tab, the same page the popup's "Open in a tab" button opens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from './chromium.mjs';
import { chromiumHostArgs } from './simulator.mjs';

export const EXTENSION_DIR = path.resolve(import.meta.dirname, '../../../build/extension');
export const BROWSERS = (process.env.MD_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);

// Runs in the popup document: what it shows, as data.
export const READ_POPUP = () => {
  const headline = document.getElementById('headline');
  const error = document.querySelector('[data-testid=error]');
  if (document.body.dataset.state !== 'done') return null;
  if ((!headline || headline.hidden) && !error) return null;
  return {
    headline: headline && !headline.hidden ? headline.textContent : '',
    widgetState: document.querySelector('[data-testid=widget-state]')?.textContent ?? '',
    orgState: document.querySelector('[data-testid=org-state]')?.textContent ?? '',
    codes: [...document.querySelectorAll('[data-testid=finding]')].map((li) => li.dataset.code),
    footer: document.getElementById('footer').textContent,
    orgTarget: document.getElementById('org-target').textContent,
    checks: [...document.querySelectorAll('[data-check]')].map((li) => li.textContent),
    error: error ? error.textContent : null,
  };
};

// Runs in the popup document: every finding as plain text, for the demo's terminal output.
// (Text without the rows' copy buttons.)
export const READ_FINDINGS = () => {
  const text = (el) => {
    const c = el.cloneNode(true);
    for (const b of c.querySelectorAll('button')) b.remove();
    return c.textContent;
  };
  return [...document.querySelectorAll('[data-testid=finding]')].map((li) => ({
    code: li.dataset.code,
    severity: li.dataset.severity,
    title: li.querySelector('.md-title').textContent,
    message: li.querySelector('p').textContent,
    evidence: [...li.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${text(dt.nextElementSibling)}`),
    fix: [...li.querySelectorAll('.md-fix li')].map(text),
  }));
};

// Runs in the popup document: clicks "Copy as Markdown" and "Export JSON" and returns what
// they produced. The test intercepts the two sinks (clipboard, blob URL) in the page first;
// the product code runs unchanged.
export const CLICK_EXPORTS = async () => {
  let copied = null;
  let blob = null;
  navigator.clipboard.writeText = async (text) => { copied = text; };
  const realCreate = URL.createObjectURL;
  URL.createObjectURL = (b) => { blob = b; return realCreate.call(URL, b); };
  HTMLAnchorElement.prototype.click = function noNavigation() {};
  document.getElementById('copy-md').click();
  document.getElementById('export-json').click();
  const deadline = Date.now() + 5000;
  while ((copied === null || blob === null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { markdown: copied, json: blob ? await blob.text() : null };
};

// Runs in the popup document: the content script's result for the popup's tab.
export const RESCAN = async () => {
  const api = globalThis.browser ?? globalThis.chrome;
  const tabId = Number(document.body.dataset.tabId);
  const [res] = await api.scripting.executeScript({
    target: { tabId },
    func: () => globalThis.__messagingDoctor.runScan(),
  });
  return res.result;
};

/**
 * Polls `fn(arg)` in the popup document until it returns something truthy (returned), or
 * throws after `timeoutMs` with what the popup shows.
 */
export async function waitInPopup(popup, fn, arg, { timeoutMs = 45000, what = 'the popup' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await popup.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > deadline) {
      const text = await popup.evaluate(() => document.body.innerText).catch(() => '?');
      throw new Error(`timed out waiting for ${what}; the popup shows:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** In the popup: true once watch mode shows `want` and the popup finished its run. */
export const WATCH_DONE = (want) => (document.body.dataset.watch === want && document.body.dataset.state === 'done' ? true : null);

/**
 * The admin's "Watch this site and reload" in an open popup: a real click (the permission
 * request needs the user's gesture; see openDriver's grantSites), then waits until the reloaded
 * page was re-read with its recording. Returns what the popup shows then (READ_POPUP).
 */
export async function watchAndReload(popup, { timeoutMs = 60000 } = {}) {
  await waitInPopup(popup, () => document.querySelector('[data-testid=watch-start]') !== null, undefined, { timeoutMs, what: 'the watch button' });
  await popup.click('[data-testid=watch-start]');
  await waitInPopup(popup, WATCH_DONE, 'recorded', { timeoutMs, what: 'the page re-read with watch mode' });
  return popup.waitForResult();
}

/**
 * Adds `openPopupOn(url)` (open the page, click the icon; closing the popup closes the page
 * too) to a driver that has openPage and openPopupFor.
 */
export function withOpenPopupOn(driver) {
  driver.openPopupOn = async (url) => {
    const page = await driver.openPage(url);
    const popup = await driver.openPopupFor(page);
    const close = popup.close;
    popup.close = async () => { await close(); await page.close(); };
    return popup;
  };
  return driver;
}

/**
 * @param {'chromium'|'firefox'} name
 * @param {{headless?: boolean, simulatorPort?: number, grantSites?: string[]}} [opts]
 *   simulatorPort maps the Salesforce host families and www.acme-shop.test to the org simulator
 *   on that port. grantSites: site patterns the extension's optional host permission request
 *   will get without a prompt (watch mode). A test cannot answer the browser's own permission
 *   prompt: Firefox gets the pref that grants optional permissions without prompting (the
 *   extension still calls permissions.request, in a real click); headless Chromium has no such
 *   switch (measured: the request never resolves), so there the test loads a copy of the
 *   extension whose manifest lists the sites as host permissions — permissions.request then
 *   resolves at once, as it does for a site the admin already allowed.
 */
export async function openDriver(name, { headless = true, simulatorPort, grantSites = [] } = {}) {
  if (name === 'chromium') return chromiumDriver({ headless, simulatorPort, grantSites });
  if (name === 'firefox') {
    return (await import('./firefox-driver.mjs')).firefoxDriver(EXTENSION_DIR, { headless, simulatorPort, grantSites });
  }
  throw new Error(`unknown browser ${name}`);
}

/** A temporary copy of the built extension whose manifest also requires `sites` (Chromium). */
function extensionGranting(sites) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'md-ext-granted-'));
  fs.cpSync(EXTENSION_DIR, dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  manifest.host_permissions = [...manifest.host_permissions, ...sites];
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
  return dir;
}

async function chromiumDriver({ headless, simulatorPort, grantSites }) {
  const args = simulatorPort ? chromiumHostArgs(simulatorPort) : [];
  const extensionDir = grantSites.length ? extensionGranting(grantSites) : EXTENSION_DIR;
  const c = await launchChromium({ extensionDir, headless, args });
  const driver = {
    /** Opens url in a new, selected tab. */
    async openPage(url) {
      const page = await c.openPage(url);
      return {
        raw: page,
        evaluate: (fn, ...args) => page.evaluate(fn, ...args),
        async waitFor(fn, { timeoutMs = 15000, args = [] } = {}) {
          const h = await page.waitForFunction(fn, { timeout: timeoutMs, polling: 100 }, ...args);
          return h.jsonValue();
        },
        close: () => page.close().catch(() => {}),
      };
    },
    /** Clicks the toolbar action on that page; returns the popup. */
    async openPopupFor(pageHandle) {
      const popup = await c.openPopup(pageHandle.raw);
      const consoleLines = [];
      popup.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      popup.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
      return {
        async waitForResult({ timeoutMs = 30000 } = {}) {
          try {
            const handle = await popup.waitForFunction(READ_POPUP, { timeout: timeoutMs });
            return await handle.jsonValue();
          } catch (e) {
            const text = await popup.evaluate(() => document.body.innerText).catch(() => '?');
            throw new Error(`${e.message}\nPopup shows:\n${text}\nPopup console:\n${consoleLines.join('\n')}`);
          }
        },
        rescan: () => popup.evaluate(RESCAN),
        /** A real (trusted) click on the element, as a user's: it carries a user gesture. */
        click: (selector) => popup.click(selector),
        clickExports: () => popup.evaluate(CLICK_EXPORTS),
        readFindings: () => popup.evaluate(READ_FINDINGS),
        /** Runs fn (may be async) in the popup document. */
        evaluate: (fn, ...args) => popup.evaluate(fn, ...args),
        /** The puppeteer Page of the popup (Chromium only), e.g. for its network events. */
        raw: popup,
        async screenshot(file) {
          await popup.setViewport({ width: 480, height: 800 });
          await popup.screenshot({ path: file, fullPage: false });
        },
        /**
         * The first screen at `width` × `height` and the whole report, as two PNGs. A toolbar
         * popup is at most 600 px tall and tiles a full-page capture, so the whole report is
         * taken from the same popup document opened as a tab (popup.html?tab=<id>, as "Open in
         * a tab" does; it runs again) at the same width. Call it last: the new tab takes focus.
         */
        async shots({ width, height, first, full }) {
          await popup.setViewport({ width, height });
          // Clipped from the document's top: a headless toolbar popup's own window may be
          // another size than the viewport asked for, and a plain capture takes the window.
          await popup.screenshot({ path: first, clip: { x: 0, y: 0, width, height }, captureBeyondViewport: true });
          const tabId = await popup.evaluate(() => document.body.dataset.tabId);
          const tab = await c.openPage(`${popup.url().split('?')[0]}?tab=${tabId}`);
          try {
            await tab.setViewport({ width, height });
            await tab.waitForFunction(() => document.body.dataset.state === 'done', { timeout: 45000 });
            await tab.screenshot({ path: full, fullPage: true });
          } finally {
            await tab.close().catch(() => {});
          }
        },
        setViewport: (width, height) => popup.setViewport({ width, height }),
        /** Trusted key presses on an element: 'Enter' or 'Space'. */
        async press(selector, key) {
          await popup.focus(selector);
          await popup.keyboard.press(key);
        },
        close: () => popup.close().catch(() => {}),
      };
    },
    /** The browser's cookies for `host` (HttpOnly ones included), as {name, value, domain, httpOnly}. */
    async cookies(host) {
      const all = await c.browser.cookies();
      return all.filter((k) => k.domain.replace(/^\./, '') === host)
        .map((k) => ({ name: k.name, value: k.value, domain: k.domain, httpOnly: k.httpOnly }));
    },
    /** Deletes every cookie of the browser profile (a clean slate of logins). */
    async clearCookies() {
      const all = await c.browser.cookies();
      if (all.length) await c.browser.deleteCookie(...all);
    },
    close: async () => {
      await c.close();
      if (extensionDir !== EXTENSION_DIR) fs.rmSync(extensionDir, { recursive: true, force: true });
    },
  };
  return withOpenPopupOn(driver);
}
