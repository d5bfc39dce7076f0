// The local stand-in, end to end in real browsers: the demo customer site
// (https://www.acme-shop.test, served by the org simulator) loads the TEST WIDGET from the
// simulated site host; the widget talks to the simulated scrt2 host; starting a conversation
// runs the simulated org's save pipeline. Checked in Chromium and Firefox:
//   - every scenario: the widget reaches Ready or fails at start-up as the scenario says, and a
//     message is Sent, or Not sent (FAILED_MESSAGES in sessionStorage) when the org cannot
//     create the MessagingSession; the simulator's own record of the insert agrees;
//   - the page cases of the demo site: duplicates, head+body, tag manager, strict CSP,
//     broken snippet values.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDriver, BROWSERS } from './lib/driver.mjs';
import { startSimulator, SCENARIOS_DIR } from './lib/simulator.mjs';
import {
  DEMO_SITE as SITE, DEMO_ORG_ID as ORG_ID, CHAT_EVENTS as EVENTS, CHAT_SETTLED as SETTLED,
  START_AND_SEND, widgetInsertOutcomes,
} from './lib/demo-site.mjs';

// Scenario files carry their ground truth: expect.configAvailable / expect.insertOk / causes.
// In a browser, start-up also fails when the page's origin is missing from the org's CORS
// allowlist (the API answers, the browser withholds the answer from the widget).
const scenarios = fs.readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json')).map((f) => {
  const s = JSON.parse(fs.readFileSync(path.join(SCENARIOS_DIR, f), 'utf8'));
  const expect = s.expect ?? {};
  const cors = (expect.causes ?? []).includes('CorsWhitelistEntry');
  const startupFails = expect.configAvailable === false || cors;
  // What the extension's page scan must then name.
  const pageCode = cors ? 'page/cors-blocked'
    : expect.configAvailable === false ? 'page/request-failed'
      : expect.insertOk ? 'page/widget-ready' : 'page/message-not-sent';
  return { name: f.replace(/\.json$/, ''), expect, startupFails, pageCode };
}).filter((s) => s.expect.deployment === 'Web_Chat' && s.name !== 'messaging-disabled');
assert.ok(scenarios.length >= 9, `expected the scenario set, got ${scenarios.map((s) => s.name)}`);

// Clicks the extension's icon on the page; returns the finding codes the popup shows.
async function popupCodes(driver, page) {
  const popup = await driver.openPopupFor(page);
  try {
    const shown = await popup.waitForResult();
    assert.equal(shown.error, null, shown.error);
    return shown.codes;
  } finally {
    await popup.close();
  }
}

for (const browserName of BROWSERS) {
  describe(`test widget and org simulator in ${browserName}`, () => {
    let sim;
    let driver;
    let current = null;
    const useScenario = async (name) => {
      // Pin the org id to the one in the demo site's snippet.
      if (current !== name) await sim.restart([`acme=${name}:${ORG_ID}`]);
      current = name;
    };
    before(async () => {
      sim = await startSimulator({ orgs: [`acme=healthy:${ORG_ID}`] });
      current = 'healthy';
      driver = await openDriver(browserName, { simulatorPort: sim.port });
    });
    after(async () => {
      await driver?.close();
      await sim?.stop();
    });

    for (const sc of scenarios) {
      test(`scenario ${sc.name}: ${sc.startupFails ? 'start-up fails' : sc.expect.insertOk ? 'message sent' : 'message Not sent'}`, async () => {
        await useScenario(sc.name);
        const page = await driver.openPage(`${SITE}/`);
        try {
          const settled = await page.waitFor(SETTLED);
          if (sc.startupFails) {
            assert.ok(settled.includes('onEmbeddedMessagingInitError'), settled.join());
            assert.ok(!settled.includes('onEmbeddedMessagingReady'), settled.join());
            assert.equal(await page.evaluate(() => document.getElementById('embeddedMessagingConversationButton')), null);
            const codes = await popupCodes(driver, page);
            assert.equal(codes[0], sc.pageCode, codes.join());
            return;
          }
          assert.ok(settled.includes('onEmbeddedMessagingReady'), settled.join());
          const r = await page.evaluate(START_AND_SEND, ORG_ID);
          assert.equal(r.started, true, 'the conversation did not start');
          // The simulator's record of the inserts this conversation caused (end user, session).
          const outcomes = await widgetInsertOutcomes(sim);
          assert.ok(outcomes.length >= 1, 'the simulator recorded no insert');
          if (sc.expect.insertOk) {
            assert.equal(r.status, 'Sent');
            assert.equal(r.failed, 0);
            assert.ok(outcomes.some((o) => o.object === 'MessagingSession' && o.ok), JSON.stringify(outcomes));
          } else {
            assert.equal(r.status, 'Not sent');
            assert.equal(r.failed, 1, 'FAILED_MESSAGES in sessionStorage');
            assert.ok(!outcomes.some((o) => o.object === 'MessagingSession' && o.ok), JSON.stringify(outcomes));
            assert.ok(outcomes.some((o) => !o.ok), JSON.stringify(outcomes));
          }
          // The admin's click: the page scan names where it stands.
          const codes = await popupCodes(driver, page);
          assert.ok(codes.includes(sc.pageCode), `${sc.pageCode} not in ${codes.join()}`);
          if (!sc.expect.insertOk) assert.equal(codes[0], 'page/message-not-sent', codes.join());
        } finally {
          await page.close();
        }
      });
    }

    const pageCases = [
      // Facts §2: two copies of the same snippet still reach Ready (a latent conflict).
      { path: '/twice/', ready: true, initError: false, codes: ['page/duplicate-snippet', 'page/widget-ready'] },
      // Facts §2: one copy in <head> and one in <body>: InitError, no button.
      { path: '/head-and-body/', ready: false, initError: true, codes: ['page/duplicate-snippet'] },
      { path: '/tag-manager/', ready: true, initError: false, codes: ['page/duplicate-snippet', 'page/widget-ready'] },
      { path: '/two-deployments/', ready: true, initError: false, codes: ['page/duplicate-snippet', 'page/widget-ready'] },
      // Facts §2: connect-src without the scrt2 host: InitError (config and business hours).
      // The blocked requests leave no trace, so the scan needs the 10 s stall threshold.
      { path: '/csp-blocks-scrt2/', ready: false, initError: true, initErrors: 2, codes: ['page/csp-blocked'], scanAfterMs: 10500 },
      // Facts §2: a site URL without https:// requests a relative path and nothing else happens.
      { path: '/invalid/', ready: false, initError: false, codes: ['page/invalid-snippet', 'page/widget-stalled'] },
    ];
    for (const pc of pageCases) {
      test(`demo page ${pc.path}`, async () => {
        await useScenario('healthy');
        const page = await driver.openPage(`${SITE}${pc.path}`);
        try {
          if (pc.ready || pc.initError) {
            const settled = await page.waitFor(SETTLED);
            assert.equal(settled.includes('onEmbeddedMessagingReady'), pc.ready, settled.join());
          } else {
            await new Promise((r) => setTimeout(r, 3000));
          }
          // Let late events (a second InitError, a second init) arrive.
          await new Promise((r) => setTimeout(r, 500));
          const events = await page.evaluate(EVENTS);
          assert.equal(events.includes('onEmbeddedMessagingReady'), pc.ready, events.join());
          assert.equal(events.includes('onEmbeddedMessagingInitError'), pc.initError, events.join());
          if (pc.initErrors) assert.equal(events.filter((e) => e === 'onEmbeddedMessagingInitError').length, pc.initErrors);
          const buttons = await page.evaluate(() => document.querySelectorAll('#embeddedMessagingConversationButton').length);
          assert.equal(buttons, pc.ready ? 1 : 0);
          if (pc.scanAfterMs) {
            const age = await page.evaluate(() => performance.now());
            if (age < pc.scanAfterMs) await new Promise((r) => setTimeout(r, pc.scanAfterMs - age));
          }
          const codes = await popupCodes(driver, page);
          for (const code of pc.codes) assert.ok(codes.includes(code), `${code} not in ${codes.join()}`);
          assert.equal(codes[0], pc.codes[0], codes.join());
        } finally {
          await page.close();
        }
      });
    }
  });
}
