// The E2E driver interface (see driver.mjs) for real headless Firefox ESR, over firefox.mjs.
// A user's path: open the customer page, click the toolbar action (Firefox grants activeTab
// for that tab and opens the popup), then the popup document is opened as an extension tab in
// the background — the page the popup's "Open in a tab" button opens — where it checks the
// still-selected customer tab exactly as the popup does.
import fs from 'node:fs';
import path from 'node:path';
import { launchFirefox } from './firefox.mjs';
import { READ_POPUP, READ_FINDINGS, RESCAN, CLICK_EXPORTS } from './driver.mjs';

// Fixed moz-extension:// host for the test profile.
export const FIREFOX_EXTENSION_UUID = '6d0c2b1e-8a5f-4e1a-9b7c-3f2d1e0a9c55';

export async function firefoxDriver(extensionDir, { headless = true, hostMap } = {}) {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8'));
  const session = await launchFirefox({
    extensionDir,
    geckoId: manifest.browser_specific_settings.gecko.id,
    uuid: FIREFOX_EXTENSION_UUID,
    headless,
    hostMap,
  });
  return {
    session,
    async openPopupOn(url) {
      const pageHandle = await session.openTab(url);
      await session.clickAction();
      const popupHandle = await session.openExtensionPage('popup/popup.html');
      return {
        async waitForResult() {
          await session.switchTo(popupHandle);
          return session.waitFor(READ_POPUP, { timeoutMs: 15000, message: 'the popup showed no result' });
        },
        async rescan() {
          await session.switchTo(popupHandle);
          return session.executeAsync(RESCAN);
        },
        async clickExports() {
          await session.switchTo(popupHandle);
          return session.executeAsync(CLICK_EXPORTS);
        },
        async readFindings() {
          await session.switchTo(popupHandle);
          return session.execute(READ_FINDINGS);
        },
        async screenshot(file) {
          await session.switchTo(popupHandle);
          return session.screenshot(file);
        },
        async close() {
          await session.closeTab(popupHandle).catch(() => {});
          await session.closeTab(pageHandle).catch(() => {});
        },
      };
    },
    close: () => session.quit(),
  };
}
