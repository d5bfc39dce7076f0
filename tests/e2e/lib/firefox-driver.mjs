// The E2E driver interface (see driver.mjs) for real headless Firefox ESR, over firefox.mjs.
// A user's path: open the customer page, click the toolbar action (Firefox grants activeTab
// for that tab and opens the popup), then the popup document is opened as an extension tab in
// the background — the page the popup's "Open in a tab" button opens — where it checks the
// still-selected customer tab exactly as the popup does.
import fs from 'node:fs';
import path from 'node:path';
import { launchFirefox } from './firefox.mjs';
import { READ_POPUP, READ_FINDINGS, RESCAN, CLICK_EXPORTS, withOpenPopupOn } from './driver.mjs';
import { firefoxHostMap } from './simulator.mjs';

// Fixed moz-extension:// host for the test profile.
export const FIREFOX_EXTENSION_UUID = '6d0c2b1e-8a5f-4e1a-9b7c-3f2d1e0a9c55';

export async function firefoxDriver(extensionDir, { headless = true, simulatorPort, grantSites = [] } = {}) {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8'));
  const session = await launchFirefox({
    extensionDir,
    geckoId: manifest.browser_specific_settings.gecko.id,
    uuid: FIREFOX_EXTENSION_UUID,
    headless,
    hostMap: simulatorPort ? firefoxHostMap(simulatorPort) : undefined,
    // Optional permissions granted without the prompt a test cannot answer (see driver.mjs).
    prefs: grantSites.length ? { 'extensions.webextOptionalPermissionPrompts': false } : {},
  });
  const inTab = (handle, fn) => async (...args) => {
    await session.switchTo(handle);
    return fn(...args);
  };
  const driver = {
    session,
    async openPage(url) {
      const handle = await session.openTab(url);
      return {
        handle,
        evaluate: inTab(handle, (fn, ...args) => session.executeAsync(fn, ...args)),
        waitFor: inTab(handle, (fn, { timeoutMs = 15000, args = [] } = {}) =>
          session.waitFor(fn, { timeoutMs, args, message: 'the page never got there' })),
        close: () => session.closeTab(handle).catch(() => {}),
      };
    },
    async openPopupFor(page) {
      await session.switchTo(page.handle);
      await session.clickAction();
      const popupHandle = await session.openExtensionPage('popup/popup.html');
      const run = (fn, async = false) => inTab(popupHandle, () => (async ? session.executeAsync(fn) : session.execute(fn)));
      return {
        waitForResult: inTab(popupHandle, ({ timeoutMs = 30000 } = {}) =>
          session.waitFor(READ_POPUP, { timeoutMs, message: 'the popup showed no result' })),
        rescan: run(RESCAN, true),
        /** Runs fn (may be async) in the popup document. */
        evaluate: inTab(popupHandle, (fn, ...args) => session.executeAsync(fn, ...args)),
        clickExports: run(CLICK_EXPORTS, true),
        /** A real click through WebDriver (trusted input: it counts as the user's gesture). */
        click: inTab(popupHandle, (selector) => session.click(selector)),
        readFindings: run(READ_FINDINGS),
        screenshot: inTab(popupHandle, (file) => session.screenshot(file)),
        /** The first screen at `width` × `height` and the whole report, as two PNGs. */
        shots: inTab(popupHandle, async ({ width, height, first, full }) => {
          await session.setViewport(width, height);
          await session.screenshot(first);
          await session.screenshotFull(full);
        }),
        /** Resizes the popup's viewport (the window around the extension tab). */
        setViewport: inTab(popupHandle, (width, height) => session.setViewport(width, height)),
        /** Trusted key presses on an element: 'Enter' or 'Space'. */
        press: inTab(popupHandle, (selector, key) => session.pressKey(selector, key === 'Enter' ? '\uE007' : ' ')),
        close: () => session.closeTab(popupHandle).catch(() => {}),
      };
    },
    /** The browser's cookies for `host` (HttpOnly ones included), as {name, value, domain, httpOnly}. */
    cookies: (host) => session.chromeEval(`
      return Services.cookies.getCookiesFromHost(arguments[0], {}).map((k) =>
        ({ name: k.name, value: k.value, domain: k.host, httpOnly: k.isHttpOnly }));`, host),
    /** Deletes every cookie of the browser profile (a clean slate of logins). */
    clearCookies: () => session.chromeEval('Services.cookies.removeAll();'),
    close: () => session.quit(),
  };
  return withOpenPopupOn(driver);
}
