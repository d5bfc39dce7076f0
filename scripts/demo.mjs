// The product's main job, against the local stand-in (the org simulator — not Salesforce):
//   1. start the org simulator with a broken org (default: a validation rule blocks the
//      MessagingSession insert) and the demo customer site;
//   2. open the customer's page (default: the snippet pasted twice) in a browser with the
//      built extension, and do what the customer did: open the chat, send a message — it is
//      "Not sent";
//   3. click the extension's icon as the admin would, print what the popup shows, and save
//      screenshots of it (build/demo/popup-<browser>-first.png: the first 520×600 screen;
//      popup-<browser>-full.png: the whole report), in each browser named (default: both).
//
//   node scripts/demo.mjs [--scenario NAME] [--page PATH] [--browser chromium,firefox] [--headless]
//   node scripts/demo.mjs --fixture NAME      a page case from tests/pages instead (served locally, or by
//                                             the simulator for cases that need Salesforce hosts)
//   --watch   after the first look, click "Watch this site and reload" (e.g. --page /busy/)
//
// With a display (DISPLAY set, a terminal, not CI) the browser is shown and stays open for you
// to click around until Ctrl-C; --headless (or no display) runs it headless and ends. Every
// process started here is ended here.
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startPagesServer, listCases } from '../tests/e2e/lib/pages-server.mjs';
import { openDriver, watchAndReload } from '../tests/e2e/lib/driver.mjs';
import { startSimulator, SCENARIOS_DIR } from '../tests/e2e/lib/simulator.mjs';
import {
  DEMO_SITE, DEMO_ORG_ID as ORG_ID, CHAT_SETTLED, START_AND_SEND, widgetInsertOutcomes,
} from '../tests/e2e/lib/demo-site.mjs';
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'validation-rule' },
    page: { type: 'string', default: '/twice/' },
    fixture: { type: 'string' },
    browser: { type: 'string', default: 'chromium,firefox' },
    headless: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
  },
});
const scenarios = fs.readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
if (!values.fixture && !scenarios.includes(values.scenario)) {
  console.error(`No scenario "${values.scenario}". Scenarios: ${scenarios.join(', ')}`);
  process.exit(2);
}
// A page case that needs real-looking Salesforce hosts runs against the simulator, where the
// demo site serves it at /<case>/ (with the scenario and faults its expected.json names).
const simCase = values.fixture ? listCases({ simulator: true }).find((c) => c.name === values.fixture) : null;
if (simCase) {
  values.scenario = simCase.expected.simulator.scenario;
  values.page = `/${simCase.name}/`;
  values.fixture = undefined;
}
if (values.fixture && !listCases().some((c) => c.name === values.fixture)) {
  const all = [...listCases(), ...listCases({ simulator: true })].map((c) => c.name).sort();
  console.error(`No fixture "${values.fixture}". Fixtures: ${all.join(', ')}`);
  process.exit(2);
}
const browsers = values.browser.split(',').filter(Boolean);
// The browser stays open for clicking around only when one browser was named.
const keepOpen = browsers.length === 1 && !values.headless && Boolean(process.env.DISPLAY) && Boolean(process.stdin.isTTY) && !process.env.CI;
const outDir = path.resolve(import.meta.dirname, '../build/demo');
fs.mkdirSync(outDir, { recursive: true });
const say = (s = '') => console.log(s);

let exitCode = 0;
async function runOne(browserName) {
  let sim = null;
  let server = null;
  let driver = null;
  try {
    let url;
    if (values.fixture) {
      server = await startPagesServer();
      url = `${server.origin}/${values.fixture}/`;
      driver = await openDriver(browserName, { headless: !keepOpen });
    } else {
      sim = await startSimulator({ orgs: [`acme=${values.scenario}:${ORG_ID}`] });
      url = `${DEMO_SITE}${values.page}`;
      // --watch: the site permission the admin would allow in the browser's prompt (driver.mjs).
      driver = await openDriver(browserName, {
        headless: !keepOpen, simulatorPort: sim.port, grantSites: values.watch ? [`${DEMO_SITE}/*`] : [],
      });
      say(`Org simulator (a local stand-in, not Salesforce): scenario "${values.scenario}", port ${sim.port}`);
      const faults = simCase && simCase.expected.simulator.faults;
      if (faults) {
        const r = await sim.request('acme.my.salesforce.com', '/__sim/faults', { method: 'POST', body: faults });
        if (r.status >= 400) throw new Error(`the case's faults were refused: ${r.text}`);
        say(`Faults of the case ${simCase.name}: ${JSON.stringify(faults)}`);
      }
    }
    if (sim) {
      // The admin is logged into the org's Setup in this browser (the org checks use that session).
      const setup = await driver.openPage('https://acme.my.salesforce.com/__sim/login');
      say(`The admin is logged into Setup: ${await setup.evaluate(() => document.title)} (${await setup.evaluate(() => location.host)})`);
    }
    say(`Customer page: ${url}  (${browserName}, extension from build/extension)`);
    const page = await driver.openPage(url);

    if (sim && simCase) {
      // A page case: nothing scripted on the customer's side; give its loader the time the
      // case's E2E test gives it.
      await new Promise((res) => setTimeout(res, simCase.expected.scanAfterMs ?? 1500));
    } else if (sim) {
      // What the customer did: wait for the chat button, open the chat, send a message.
      const started = await page.waitFor(CHAT_SETTLED, { timeoutMs: 15000 }).catch(() => null);
      if (started && started.includes('onEmbeddedMessagingReady')) {
        const r = await page.evaluate(START_AND_SEND, ORG_ID);
        say(r.started
          ? `The customer opens the chat and sends "Hello, my order is late": ${r.status}` +
            (r.failed ? ` (${r.failed} message in FAILED_MESSAGES)` : '')
          : 'The customer clicks the chat button, but the conversation does not start.');
      } else {
        say(`The chat widget did not start on this page (${started ? started.join(', ') : 'no widget event within 15 s'}).`);
      }
    }

    say('The admin clicks the Messaging Doctor icon…');
    const popup = await driver.openPopupFor(page);
    let shown = await popup.waitForResult();
    if (values.watch && !shown.error) {
      say(`First look: ${shown.headline}`);
      say('The admin clicks "Watch this site and reload" (the browser asks to allow the site; allowed)…');
      shown = await watchAndReload(popup);
    }
    const details = await popup.readFindings();
    say('');
    if (shown.error) {
      say(`The popup shows an error: ${shown.error}`);
      exitCode = 1;
    } else {
      say(`Headline: ${shown.headline}`);
      details.forEach((f, i) => {
        say(`\n${i + 1}. [${f.severity.toUpperCase()}] ${f.title}  (${f.code})`);
        say(`   ${f.message}`);
        for (const e of f.evidence) say(`   - ${e}`);
        f.fix.forEach((s, n) => say(`   fix ${n + 1}: ${s}`));
      });
      say(`\n${shown.footer}`);
    }
    const shot = path.join(outDir, `popup-${browserName}.png`);
    await popup.screenshot(shot);
    const first = path.join(outDir, `popup-${browserName}-first.png`);
    const full = path.join(outDir, `popup-${browserName}-full.png`);
    await popup.shots({ width: 520, height: 600, first, full });
    say(`\nScreenshots of the popup: ${[shot, first, full].map((f) => path.relative(process.cwd(), f)).join(', ')}`);
    if (sim) {
      // The simulator's own record of the insert (its ground truth, not the extension's finding).
      const outcomes = await widgetInsertOutcomes(sim);
      const failed = outcomes.find((o) => !o.ok);
      say(failed
        ? `\nSimulator: the ${failed.object} insert failed at "${failed.stage}": ` +
          `${failed.errors?.[0]?.statusCode ?? ''} ${failed.errors?.[0]?.message ?? failed.cause ?? ''}`.replace(/\s*\n+\s*/g, ' | ').trim()
        : `\nSimulator: ${outcomes.length ? 'the MessagingSession insert succeeded' : 'no insert was attempted'}.`);
    }
    if (keepOpen) {
      say('The browser stays open; press Ctrl-C to end the demo.');
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
  } catch (e) {
    console.error(`Demo failed: ${e.stack ?? e}`);
    if (sim) console.error(`Simulator log:\n${sim.log}`);
    exitCode = 1;
  } finally {
    await driver?.close().catch(() => {});
    await server?.close().catch(() => {});
    await sim?.stop().catch(() => {});
  }
}
for (const b of browsers) {
  say(`\n=== ${b} ===`);
  await runOne(b);
}
process.exit(exitCode);
