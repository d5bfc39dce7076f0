// The first screen on every page: each page fixture of tests/pages and each page of the demo
// site the simulator serves (https://www.acme-shop.test/…), in real Chromium and Firefox with
// the built extension, the admin logged into the demo org (healthy). One popup per page, one
// browser per browser name. Within the first 600 px of the 520 px popup: the status header; the
// likely cause's title and its first fix step when there is one; and the header's words agree
// with the rows below it ("Likely cause" only for a cause, "ready" only without a stall or block,
// "Nothing is wrong" only without a problem, the org line as the org rows say): lib/glance.mjs.
// A page that fails this is a bug in the popup or in the status (src/report/status.rs).
import { describe, test, before, after } from 'node:test';
import { openDriver, BROWSERS } from './lib/driver.mjs';
import { startSimulator } from './lib/simulator.mjs';
import { listCases, startPagesServer } from './lib/pages-server.mjs';
import { DEMO_SITE, DEMO_ORG_ID, CHAT_SETTLED, demoPages } from './lib/demo-site.mjs';
import { loginAdmin, waitForAll, describeFindings } from './lib/org.mjs';
import { READ_HEADER, WIDTH, FIRST_SCREEN, assertFirstScreen } from './lib/glance.mjs';

const fixtures = listCases().map((c) => c.name);
const pages = demoPages();

for (const browserName of BROWSERS) {
  describe(`the first screen on every page in ${browserName}`, () => {
    let sim;
    let server;
    let driver;

    /** Clicks the icon on an open page and judges the first screen. */
    const judge = async (page, label) => {
      const popup = await driver.openPopupFor(page);
      try {
        const all = await waitForAll(popup, { timeoutMs: 45000 });
        await popup.setViewport(WIDTH, FIRST_SCREEN);
        const h = await popup.evaluate(READ_HEADER);
        console.log(`# ${browserName} ${label}: ${h.headline} | ${h.widgetText} | ${h.orgText}`);
        assertFirstScreen(h, describeFindings(all));
      } finally {
        await popup.close();
      }
    };

    before(async () => {
      sim = await startSimulator({ orgs: [`acme=healthy:${DEMO_ORG_ID}`] });
      server = await startPagesServer();
      driver = await openDriver(browserName, { simulatorPort: sim.port });
      await loginAdmin(driver, 'acme');
      // Firefox lays out a background tab (where its driver opens the popup document) at the
      // size its window had when the tab was made: size the window once, before the first page.
      const warm = await driver.openPopupOn(`${server.origin}/no-widget/`);
      await warm.setViewport(WIDTH, FIRST_SCREEN);
      await warm.close();
    });
    after(async () => {
      await driver?.close();
      await server?.close();
      await sim?.stop();
    });

    for (const name of fixtures) {
      test(`fixture ${name}`, async () => {
        const page = await driver.openPage(`${server.origin}/${name}/`);
        try {
          await judge(page, name);
        } finally {
          await page.close();
        }
      });
    }

    for (const p of pages) {
      test(`demo page ${p}`, async () => {
        const page = await driver.openPage(`${DEMO_SITE}${p}`);
        try {
          // As an admin would: once the widget answered, or after a short wait on a page where
          // it never does (a stall, a block, no chat at all).
          await page.waitFor(CHAT_SETTLED, { timeoutMs: 600 }).catch(() => null);
          await judge(page, p);
        } finally {
          await page.close();
        }
      });
    }
  });
}
