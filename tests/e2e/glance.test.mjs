// The popup's first screen, in real Chromium and Firefox with the built extension, against the
// org simulator (a local stand-in for Salesforce): the status header answers "does the widget
// work, was the org checked, what do I fix first" and agrees with the findings below it.
// States: healthy page (org checked), not logged in, a stalled/blocked page, an org cause with
// messages not sent next to a duplicate snippet (the typical report), and a duplicate that still
// started. Also: rows open with Enter and Space (trusted key presses), the first 600 px show the
// header, the cause's title and its first fix step, nothing scrolls sideways at the popup's 520 px, and the
// collapsed typical report stays under 1,000 px. Screenshots of each state go to
// $MD_SHOTS_DIR (default /tmp/glance-shots).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDriver, BROWSERS } from './lib/driver.mjs';
import { startSimulator } from './lib/simulator.mjs';
import { DEMO_SITE as SITE, DEMO_ORG_ID as ORG_ID, CHAT_SETTLED } from './lib/demo-site.mjs';
import { loginAdmin, customerChats, waitForAll, describeFindings } from './lib/org.mjs';
import { READ_HEADER, WIDTH, FIRST_SCREEN, assertFirstScreen } from './lib/glance.mjs';

const SHOTS = process.env.MD_SHOTS_DIR ?? '/tmp/glance-shots';
const ROW_STATE = (i) => {
  const li = document.querySelectorAll('#findings [data-testid=finding]')[i];
  return { expanded: li.querySelector('.md-toggle').getAttribute('aria-expanded'), hidden: li.querySelector('.md-detail').hidden };
};

for (const browserName of BROWSERS) {
  describe(`the popup's first screen in ${browserName}`, () => {
    let sim;
    let driver;
    let orgSet = '';
    const useScenario = async (name, { login }) => {
      const key = `acme=${name}:${ORG_ID}`;
      if (key !== orgSet) {
        await sim.restart([key]);
        orgSet = key;
      }
      await driver.clearCookies();
      if (login) await loginAdmin(driver, 'acme');
    };

    /**
     * Opens the popup on `page`, waits until done, reads the header at 520×600, runs `during`
     * (more checks on the open popup), then saves the first screen and the whole report.
     */
    const look = async (page, shot, during = async () => {}) => {
      const popup = await driver.openPopupFor(page);
      try {
        const all = await waitForAll(popup, { timeoutMs: 45000 });
        assert.equal(all.error, null, all.error ?? '');
        await popup.setViewport(WIDTH, FIRST_SCREEN);
        const header = await popup.evaluate(READ_HEADER);
        await during(popup, header, all);
        fs.mkdirSync(SHOTS, { recursive: true });
        // Everything collapsed again but the cause, as the admin first sees it.
        await popup.evaluate(() => document.querySelectorAll('.md-toggle[aria-expanded="true"], [data-testid=checked-toggle][aria-expanded="true"]')
          .forEach((b) => { if (!b.closest('[data-cause]')) b.click(); }));
        // From the top, as the popup opens (key presses above may have scrolled it).
        await popup.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
        await popup.shots({
          width: WIDTH,
          height: FIRST_SCREEN,
          first: path.join(SHOTS, `${shot}-${browserName}-first.png`),
          full: path.join(SHOTS, `${shot}-${browserName}-full.png`),
        });
        return { header, all };
      } finally {
        await popup.close();
      }
    };

    /** Every header agrees with the rows below it (lib/glance.mjs). */
    const consistent = (h, all) => assertFirstScreen(h, describeFindings(all));

    before(async () => {
      sim = await startSimulator({ orgs: [`acme=healthy:${ORG_ID}`] });
      orgSet = `acme=healthy:${ORG_ID}`;
      driver = await openDriver(browserName, { simulatorPort: sim.port });
      // Firefox lays out a background tab (where its driver opens the popup document) at the
      // size its window had when the tab was made: size the window once, before the first
      // popup, so every first screen is WIDTH × FIRST_SCREEN.
      const warm = await driver.openPopupOn(`${SITE}/no-chat/`);
      await warm.setViewport(WIDTH, FIRST_SCREEN);
      await warm.close();
    });
    after(async () => {
      await driver?.close();
      await sim?.stop();
    });

    test('healthy page, org checked: says so plainly, with what was checked', async () => {
      await useScenario('healthy', { login: true });
      const page = await driver.openPage(`${SITE}/`);
      try {
        const settled = await page.waitFor(CHAT_SETTLED);
        assert.ok(settled.includes('onEmbeddedMessagingReady'), settled.join());
        const { header: h, all } = await look(page, 'healthy');
        consistent(h, all);
        assert.equal(h.widget, 'ready', h.widgetText);
        assert.equal(h.org, 'checked', h.orgText);
        assert.match(h.orgText, /checked, \d+ checks/);
        assert.equal(h.cause, null);
        const problems = all.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
        if (!problems.length) assert.match(h.headline, /^Nothing is wrong: the widget is ready and \d+ org checks passed$/);
      } finally {
        await page.close();
      }
    });

    test('not logged in: the widget still answers; the org line names the org', async () => {
      await useScenario('healthy', { login: false });
      const page = await driver.openPage(`${SITE}/`);
      try {
        await page.waitFor(CHAT_SETTLED);
        const { header: h, all } = await look(page, 'not-logged-in');
        consistent(h, all);
        assert.equal(h.widget, 'ready', h.widgetText);
        assert.equal(h.org, 'notLoggedIn', h.orgText);
        assert.ok(h.orgText.includes(ORG_ID), h.orgText);
        assert.ok(!h.headline.includes('Likely cause'), h.headline);
        assert.match(h.headline, /widget is ready/);
      } finally {
        await page.close();
      }
    });

    test('stalled page: the stall and the snippet value that explains it', async () => {
      await useScenario('healthy', { login: true });
      // A site URL without https:// requests a relative path and nothing else happens.
      const page = await driver.openPage(`${SITE}/invalid/`);
      try {
        await new Promise((r) => setTimeout(r, 3000));
        const { header: h, all } = await look(page, 'stalled');
        consistent(h, all);
        assert.equal(h.widget, 'stalled', h.widgetText);
        assert.equal(h.org, 'checked', h.orgText);
        // The snippet's values explain the stall: named as the cause, above the symptom.
        assert.equal(h.cause?.code, 'page/invalid-snippet', describeFindings(all));
        assert.ok(h.rows.findIndex((r) => r.code === 'page/invalid-snippet') < h.rows.findIndex((r) => r.code === 'page/widget-stalled'));
      } finally {
        await page.close();
      }
    });

    test('org cause with messages not sent, next to a duplicate: the cause first, its fix on the first screen, rows open by keyboard', async () => {
      await useScenario('validation-rule', { login: true });
      const page = await driver.openPage(`${SITE}/twice/`);
      try {
        const c = await customerChats(page, ORG_ID);
        assert.equal(c.started, true, `the conversation did not start (${c.settled})`);
        assert.equal(c.status, 'Not sent');
        let height = null;
        // Keyboard, on the open popup: Enter opens a row, Space closes it again; the group of
        // passed checks opens with Enter too.
        const keyboard = async (popup, h) => {
          const i = h.rows.filter((r) => r.inMainList).findIndex((r) => r.code === 'page/duplicate-snippet');
          assert.ok(i >= 0, 'no duplicate row');
          const sel = `#findings > li:nth-child(${i + 1}) .md-toggle`;
          assert.deepEqual(await popup.evaluate(ROW_STATE, i), { expanded: 'false', hidden: true });
          await popup.evaluate(() => { window.__keys = []; document.addEventListener('keydown', (e) => window.__keys.push(`${e.key}@${e.target.className}`), true); });
          await popup.press(sel, 'Enter');
          const dbg = await popup.evaluate(() => JSON.stringify({ keys: window.__keys, active: document.activeElement?.className, focus: document.hasFocus() }));
          assert.deepEqual(await popup.evaluate(ROW_STATE, i), { expanded: 'true', hidden: false }, dbg);
          await popup.press(sel, 'Space');
          assert.deepEqual(await popup.evaluate(ROW_STATE, i), { expanded: 'false', hidden: true });
          await popup.press('[data-testid=checked-toggle]', 'Enter');
          assert.equal(await popup.evaluate(() => document.querySelector('[data-testid=checked-toggle]').getAttribute('aria-expanded')), 'true');
          await popup.press('[data-testid=checked-toggle]', 'Enter');
          if (popup.raw) {
            // The dark scheme (Chromium can emulate it): a picture, and the tokens switched.
            await popup.raw.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
            fs.mkdirSync(SHOTS, { recursive: true });
            await popup.raw.screenshot({ path: path.join(SHOTS, `org-cause-${browserName}-dark-first.png`) });
            const bg = await popup.evaluate(() => getComputedStyle(document.body).backgroundColor);
            assert.equal(bg, 'rgb(24, 24, 24)', 'the dark background token');
            await popup.raw.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
          }
        };
        const { header: h, all } = await look(page, 'org-cause', keyboard);
        consistent(h, all);
        assert.equal(h.widget, 'stalled', h.widgetText);
        assert.match(h.widgetText, /sending messages/);
        assert.equal(h.org, 'checked', h.orgText);
        assert.equal(h.cause?.code, 'org/validation-rule-blocks', describeFindings(all));
        assert.ok(h.cause.firstFix, 'the cause has no fix step');
        const dup = h.rows.find((r) => r.code === 'page/duplicate-snippet');
        assert.ok(dup && dup.severity === 'warning', 'the duplicate that still started is a warning row');
        // The typical report (one cause + one duplicate), collapsed but for the cause.
        height = h.height;
        console.log(`# ${browserName}: collapsed height of the typical report at ${WIDTH} px: ${height} px (${h.blocks})`);
        assert.ok(height < 1000, `the collapsed report is ${height} px tall`);
      } finally {
        await page.close();
      }
    });

    test('duplicate that still started: a warning to review, never called the cause', async () => {
      await useScenario('healthy', { login: true });
      const page = await driver.openPage(`${SITE}/twice/`);
      try {
        const settled = await page.waitFor(CHAT_SETTLED);
        assert.ok(settled.includes('onEmbeddedMessagingReady'), settled.join());
        const { header: h, all } = await look(page, 'duplicate-started');
        consistent(h, all);
        assert.equal(h.widget, 'ready', h.widgetText);
        const dup = h.rows.find((r) => r.code === 'page/duplicate-snippet');
        assert.ok(dup, describeFindings(all));
        assert.equal(dup.severity, 'warning');
        assert.ok(!h.headline.includes('Likely cause'), h.headline);
        assert.match(h.headline, /warnings? to review/);
      } finally {
        await page.close();
      }
    });
  });
}
