// Drives real headless Chromium (Debian's /usr/bin/chromium) with the unpacked extension,
// through puppeteer-core. The popup is opened the way a user opens it: by the extension's
// toolbar action on the customer's tab (CDP Extensions.triggerAction), which also grants the
// extension activeTab on that tab, exactly as a click does.
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.MD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * @param {{extensionDir: string, args?: string[], headless?: boolean}} opts
 */
export async function launchChromium({ extensionDir, args = [], headless = true }) {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    browser: 'chrome',
    headless,
    pipe: true,
    enableExtensions: [extensionDir],
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', ...args],
  });
  const extension = await waitForExtension(browser);
  return {
    browser,
    extension,
    /** Opens `url` in a new tab and brings it to the front. */
    async openPage(url) {
      const page = await browser.newPage();
      await page.goto(url, { waitUntil: 'load' });
      await page.bringToFront();
      return page;
    },
    /** Clicks the toolbar action for `page` and returns the popup's Page. */
    async openPopup(page) {
      const seen = new Set(browser.targets());
      await page.triggerExtensionAction(extension);
      const target = await browser.waitForTarget(
        (t) => !seen.has(t) && t.url().startsWith(`chrome-extension://${extension.id}/popup/popup.html`),
        { timeout: 15000 });
      const popup = await target.asPage();
      return popup;
    },
    close: () => browser.close(),
  };
}

async function waitForExtension(browser) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const all = await browser.extensions();
    for (const ext of all.values()) {
      if (ext.name === 'Messaging Doctor') return ext;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The Messaging Doctor extension did not load in Chromium within 15 s.');
}
