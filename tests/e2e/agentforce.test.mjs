// Agentforce Messaging end to end, in real Chromium and Firefox with the built extension and the
// org simulator's Agentforce stand-in (simulator/www/embeddedservice/agentforcemessaging/init.js,
// the agent site's chat app, the agent look-up; scenario `agentforce`). The page fixtures are
// the tests/pages folders whose expected.json has `simulator` (their page.html is served by
// md-sim as https://www.acme-shop.test/<case>/). Checked per case and browser, first without
// watch mode, then with it ("Watch this site and reload", a real click):
//   - what the stand-in did on the page (container, frame, the state the chat app reported),
//     so a case cannot pass on a page where the loader did something else;
//   - the popup: the page's finding codes in order, the headline, the status header's widget
//     state, evidence lines, and text it must / must not show (also in the Markdown export).
// expected.json keys: tests/pages/README.md (`simulator`, `byWatch`).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listCases } from './lib/pages-server.mjs';
import { openDriver, BROWSERS, watchAndReload } from './lib/driver.mjs';
import { startSimulator } from './lib/simulator.mjs';
import { DEMO_SITE as SITE, DEMO_ORG_ID as ORG_ID } from './lib/demo-site.mjs';

const PATTERN = `${SITE}/*`;
const cases = listCases({ simulator: true });
assert.ok(cases.length >= 3, `the Agentforce fixtures are missing: ${cases.map((c) => c.name)}`);

// In the page: what Agentforce Messaging's loader built.
const STAND_IN = () => {
  const frames = [...document.querySelectorAll('#agentforce-messaging-frame')];
  const states = ['init', 'normal', 'expanded', 'closed'];
  return {
    defined: typeof window.agentforce_messaging === 'object' && window.agentforce_messaging !== null,
    containers: document.querySelectorAll('#agentforce-messaging').length,
    frames: frames.length,
    frameSrc: frames[0]?.getAttribute('src') ?? null,
    frameState: frames[0] ? (states.filter((s) => frames[0].classList.contains(s)).pop() ?? null) : null,
  };
};

const pageCodes = (shown) => shown.codes.filter((c) => c.startsWith('page/'));

async function check(driver, c, expected, watched) {
  const url = `${SITE}/${c.name}/`;
  const page = await driver.openPage(url);
  let popup;
  try {
    const sim = expected.simulator;
    if (sim.frameState) {
      // The chat app reports its state after the agent look-up: wait for it, not for a time.
      await page.waitFor((s) => document.querySelector(`#agentforce-messaging-frame.${s}`) ? true : null, { args: [sim.frameState], timeoutMs: 20000 });
    }
    if (expected.scanAfterMs) {
      const age = await page.evaluate(() => performance.now());
      if (age < expected.scanAfterMs) await new Promise((r) => setTimeout(r, expected.scanAfterMs - age));
    }
    const dom = await page.evaluate(STAND_IN);
    assert.equal(dom.defined, true, 'the stand-in loader did not run');
    assert.equal(dom.containers, sim.containers, `containers: ${JSON.stringify(dom)}`);
    assert.equal(dom.frames, sim.containers, `frames: ${JSON.stringify(dom)}`);
    if (sim.containers) assert.equal(dom.frameSrc, 'https://acme.my.site.com/ESWAgent1712345678901/?lwc.mode=prod');
    assert.equal(dom.frameState, sim.frameState ?? null, `frame state: ${JSON.stringify(dom)}`);

    popup = await driver.openPopupFor(page);
    const shown = await popup.waitForResult();
    assert.equal(shown.error, null, shown.error);
    const scan = await popup.rescan();
    assert.equal(scan.ok, true, scan.error);
    assert.equal(scan.watched, watched, 'watched');
    assert.equal(scan.report.loaders.length, expected.loaders, 'loaders');
    assert.equal(scan.report.initCalls.length, expected.initCalls, 'init calls');
    assert.deepEqual(pageCodes(shown), expected.findings, shown.codes.join());
    assert.ok(shown.headline.includes(expected.headline), `headline: ${shown.headline}`);
    if (expected.widgetState) assert.ok(shown.widgetState.includes(expected.widgetState), `widget state: ${shown.widgetState}`);
    for (const want of expected.evidence ?? []) {
      const finding = scan.report.findings.find((f) => f.code === want.code);
      assert.ok(finding, `${want.code} missing`);
      const hit = finding.evidence.find((e) => e.label === want.label
        && (want.valueStartsWith === undefined || e.value.startsWith(want.valueStartsWith)));
      assert.ok(hit, `${want.code}: no evidence ${JSON.stringify(want)} in ${JSON.stringify(finding.evidence)}`);
    }
    const text = await popup.evaluate(() => document.body.textContent);
    const exported = await popup.clickExports();
    for (const s of expected.shows ?? []) {
      assert.ok(text.includes(s), `the popup does not show "${s}"`);
      assert.ok(exported.markdown.includes(s), `the Markdown lacks "${s}"`);
    }
    for (const s of expected.hides ?? []) {
      assert.ok(!text.includes(s), `the popup shows "${s}"`);
      assert.ok(!exported.markdown.includes(s), `the Markdown has "${s}"`);
    }
  } finally {
    await popup?.close();
    await page.close();
  }
}

for (const browserName of BROWSERS) {
  describe(`Agentforce Messaging in ${browserName}`, () => {
    let sim;
    let driver;
    const useCase = async (c) => {
      const { scenario, faults } = c.expected.simulator;
      await sim.restart([`acme=${scenario}:${ORG_ID}`]);
      if (faults) {
        const r = await sim.request('acme.my.salesforce.com', '/__sim/faults', { method: 'POST', body: faults });
        assert.equal(r.status, 200, r.text);
      }
    };
    before(async () => {
      sim = await startSimulator({ orgs: [`acme=agentforce:${ORG_ID}`] });
      driver = await openDriver(browserName, { simulatorPort: sim.port, grantSites: [PATTERN] });
    });
    after(async () => {
      await driver?.close();
      await sim?.stop();
    });

    const expectedFor = (c, watched) => {
      const base = { ...c.expected, ...(c.expected.byBrowser?.[browserName] ?? {}) };
      return watched ? { ...base, ...(c.expected.byWatch ?? {}), ...(c.expected.byWatch?.byBrowser?.[browserName] ?? {}) } : base;
    };

    for (const c of cases) {
      test(`${c.name}, not watched`, async () => {
        await useCase(c);
        await check(driver, c, expectedFor(c, false), false);
      });
    }

    test('Watch this site and reload (on the ready page)', async () => {
      await useCase(cases.find((c) => c.name === 'agentforce-ready'));
      const page = await driver.openPage(`${SITE}/agentforce-ready/`);
      const popup = await driver.openPopupFor(page);
      try {
        await popup.waitForResult();
        const shown = await watchAndReload(popup);
        assert.ok(shown.codes.includes('page/watch-recorded'), shown.codes.join());
      } finally {
        await popup.close();
        await page.close();
      }
    });

    for (const c of cases) {
      test(`${c.name}, watched`, async () => {
        await useCase(c);
        await check(driver, c, expectedFor(c, true), true);
      });
    }
  });
}
