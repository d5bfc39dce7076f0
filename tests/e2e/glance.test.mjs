// The popup's first screen, in real Chromium and Firefox with the built extension, against the
// org simulator (a local stand-in for Salesforce): the status header answers "does the widget
// work, was the org checked, what do I fix first" and agrees with the findings below it.
// States: healthy page (org checked), not logged in, a stalled/blocked page, an org cause with
// messages not sent next to a duplicate snippet (the typical report), and a duplicate that still
// started. Also: rows open with Enter and Space (trusted key presses), the first 600 px show the
// header, the cause's title and its first fix step, nothing scrolls sideways at 480 px, and the
// collapsed typical report stays under 1,000 px at the popup's 520 px. Screenshots of each state go to
// $MD_SHOTS_DIR (default /tmp/glance-shots).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDriver, BROWSERS } from './lib/driver.mjs';
import { startSimulator } from './lib/simulator.mjs';
import { DEMO_SITE as SITE, DEMO_ORG_ID as ORG_ID, CHAT_SETTLED } from './lib/demo-site.mjs';
import { loginAdmin, customerChats, waitForAll, describeFindings } from './lib/org.mjs';

const SHOTS = process.env.MD_SHOTS_DIR ?? '/tmp/glance-shots';
const WIDTH = 520;
const FIRST_SCREEN = 600;

// In the popup: the header and the rows as data, with positions in CSS pixels from the top of
// the document (null until the popup is done).
const READ_HEADER = () => {
  if (document.body.dataset.state !== 'done') return null;
  const q = (s, root = document) => root.querySelector(s);
  const bottom = (el) => (el ? Math.round(el.getBoundingClientRect().bottom + window.scrollY) : null);
  const cause = q('[data-cause]');
  const firstFix = cause ? q('.md-fix li', cause) : null;
  return {
    headline: q('#headline').textContent,
    widget: q('[data-testid=widget-state]')?.dataset.state ?? null,
    widgetText: q('[data-testid=widget-state]')?.textContent ?? '',
    org: q('[data-testid=org-state]')?.dataset.state ?? null,
    orgText: q('[data-testid=org-state]')?.textContent ?? '',
    headerBottom: bottom(q('#summary')),
    cause: cause ? {
      code: cause.dataset.code,
      title: q('.md-title', cause).textContent,
      open: 'open' in cause.dataset,
      titleBottom: bottom(q('.md-title', cause)),
      firstFix: firstFix ? firstFix.firstChild.textContent : null,
      firstFixBottom: bottom(firstFix),
    } : null,
    rows: [...document.querySelectorAll('[data-testid=finding]')].map((li) => ({
      code: li.dataset.code,
      severity: li.dataset.severity,
      title: q('.md-title', li).textContent,
      expanded: q('.md-toggle', li).getAttribute('aria-expanded'),
      detailHidden: q('.md-detail', li).hidden,
      inMainList: li.parentElement.id === 'findings',
    })),
    height: document.documentElement.scrollHeight,
    blocks: [...document.querySelectorAll('header, main > *, #findings > li, footer')].filter((el) => !el.hidden)
      .map((el) => `${el.id || el.dataset.code || el.tagName.toLowerCase()}=${Math.round(el.getBoundingClientRect().height)}`).join(' '),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  };
};

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
     * Opens the popup on `page`, waits until done, reads the header at 480×600, runs `during`
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

    /** Every header agrees with the rows below it. */
    const consistent = (h, all) => {
      const text = describeFindings(all);
      assert.ok(h.widget && h.org, `no status header:\n${text}`);
      assert.ok(h.scrollWidth <= h.clientWidth, `scrolls sideways at ${WIDTH} px: ${h.scrollWidth} > ${h.clientWidth}`);
      if (h.headline.startsWith('Likely cause: ')) {
        assert.ok(h.cause, `"Likely cause" without a cause row:\n${text}`);
        assert.equal(h.headline, `Likely cause: ${h.cause.title}`);
        assert.ok(h.cause.open, 'the cause is not open');
        assert.ok(h.cause.titleBottom <= FIRST_SCREEN, `the cause's title ends at ${h.cause.titleBottom} px`);
        if (h.cause.firstFix) {
          assert.ok(h.cause.firstFixBottom <= FIRST_SCREEN, `the first fix step ends at ${h.cause.firstFixBottom} px`);
        }
      } else {
        assert.equal(h.cause, null, `a cause row without "Likely cause" in the headline: ${h.headline}`);
      }
      assert.ok(h.headerBottom <= FIRST_SCREEN, `the header ends at ${h.headerBottom} px`);
      // Problems in the main list; notes and passed checks grouped under "What was checked".
      for (const r of h.rows) {
        assert.equal(r.inMainList, r.severity === 'error' || r.severity === 'warning', `${r.code} (${r.severity}) in the wrong group`);
      }
      // Every row but the open one is collapsed.
      for (const r of h.rows.filter((x) => !h.cause || x.code !== h.cause.code)) {
        assert.equal(r.expanded, 'false', `${r.code} is open`);
        assert.equal(r.detailHidden, true, `${r.code} shows its details`);
      }
    };

    before(async () => {
      sim = await startSimulator({ orgs: [`acme=healthy:${ORG_ID}`] });
      orgSet = `acme=healthy:${ORG_ID}`;
      driver = await openDriver(browserName, { simulatorPort: sim.port });
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
