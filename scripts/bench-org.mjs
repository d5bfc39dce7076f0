// Benchmark of the org checks against the org simulator (a local stand-in, not Salesforce),
// with added latency on every answer of the org's hosts (default 150 ms), in real browsers with
// the built extension:
//   1. the admin logs into the simulated org; the customer opens the demo page, starts a chat
//      and sends a message ("Not sent": scenario validation-rule);
//   2. N times: the admin clicks the extension's icon; the popup scans the page, runs the org
//      checks and shows the ranked list (data-state=done).
// Reported per browser: API calls per diagnosis (the simulator's own count, reset before each
// run), time from the popup document's start to data-state=done, time from the click to done
// (includes the test driver's own overhead, large in Firefox), the sequential rounds of
// requests, the page scan and the org API time the popup reports. No pass/fail: figures only.
//
//   node scripts/bench-org.mjs [--runs 5] [--latency 150] [--browsers chromium,firefox]
//                              [--scenario validation-rule] [--page /]
// Needs build/extension (scripts/build.sh) and the simulator binary (cargo build -p md-sim).
import { parseArgs } from 'node:util';
import { openDriver } from '../tests/e2e/lib/driver.mjs';
import { startSimulator } from '../tests/e2e/lib/simulator.mjs';
import { DEMO_SITE, DEMO_ORG_ID } from '../tests/e2e/lib/demo-site.mjs';
import { loginAdmin, customerChats, waitForAll, TIME_TO_DONE } from '../tests/e2e/lib/org.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    latency: { type: 'string', default: '150' },
    browsers: { type: 'string', default: 'chromium,firefox' },
    scenario: { type: 'string', default: 'validation-rule' },
    page: { type: 'string', default: '/' },
  },
});
const RUNS = Number(values.runs);
const LATENCY = Number(values.latency);
const API = 'acme.my.salesforce.com';

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { med, min: s[0], max: s[s.length - 1] };
};
const fmt = (xs, digits = 0) => {
  if (!xs.length) return 'n/a';
  const { med, min, max } = stats(xs);
  return `${med.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
};

async function benchBrowser(sim, browserName) {
  const driver = await openDriver(browserName, { simulatorPort: sim.port });
  const rows = [];
  try {
    await loginAdmin(driver, 'acme');
    const page = await driver.openPage(`${DEMO_SITE}${values.page}`);
    const customer = await customerChats(page, DEMO_ORG_ID, { timeoutMs: 30000 });
    for (let i = 0; i < RUNS; i++) {
      await sim.request(API, '/__sim/stats', { method: 'DELETE' });
      const clicked = Date.now();
      const popup = await driver.openPopupFor(page);
      try {
        const origin = await popup.evaluate(() => performance.timeOrigin);
        const done = await popup.evaluate(TIME_TO_DONE);
        const shown = await waitForAll(popup, { timeoutMs: 60000 });
        // Let a late request (none expected) reach the simulator before counting.
        await new Promise((r) => setTimeout(r, 300));
        const calls = (await sim.request(API, '/__sim/stats')).json.total;
        const scan = /Page read by core \S+ \([^)]*\) in ([\d.]+) ms/.exec(shown.footer);
        const org = /checked with (\d+) API call\(s\) in (\d+) ms(?:, (\d+) round\(s\))?/.exec(shown.footer);
        rows.push({
          calls,
          popupCalls: org ? Number(org[1]) : NaN,
          rounds: org && org[3] ? Number(org[3]) : NaN,
          docToDone: done.ms,
          late: done.late,
          clickToDone: origin + done.ms - clicked,
          scanMs: scan ? Number(scan[1]) : NaN,
          apiMs: org ? Number(org[2]) : NaN,
          top: shown.findings.find((f) => f.severity === 'error')?.code ?? '(none)',
        });
      } finally {
        await popup.close();
      }
    }
    await page.close();
    return { browserName, rows, customer: customer.status ?? 'no chat' };
  } finally {
    await driver.close();
  }
}

const sim = await startSimulator({ orgs: [`acme=${values.scenario}:${DEMO_ORG_ID}`] });
const results = [];
try {
  const r = await sim.request(API, '/__sim/faults', { method: 'POST', body: { org: 'acme', latencyMs: LATENCY } });
  if (r.status !== 200) throw new Error(`could not set the latency: ${r.text}`);
  for (const b of values.browsers.split(',').filter(Boolean)) {
    process.stderr.write(`${b}: ${RUNS} diagnoses…\n`);
    results.push(await benchBrowser(sim, b));
  }
} finally {
  await sim.stop();
}

console.log(`\nOrg checks benchmark — org simulator (not Salesforce), scenario ${values.scenario}, ` +
  `${LATENCY} ms added to every answer, page ${DEMO_SITE}${values.page}, ${RUNS} diagnoses per browser.`);
console.log('Times in ms: median (min–max).\n');
const head = ['browser', 'customer', 'API calls/diagnosis', 'rounds', 'popup start → done', 'click → done', 'page scan', 'org API (sum of calls)', 'top finding'];
const body = results.map(({ browserName, rows, customer }) => {
  const calls = [...new Set(rows.map((x) => x.calls))].join('/');
  const popupCalls = [...new Set(rows.map((x) => x.popupCalls))].join('/');
  const lateNote = rows.some((x) => x.late) ? ' *' : '';
  const rounds = [...new Set(rows.map((x) => x.rounds))].join('/');
  return [browserName, customer, `${calls} (popup says ${popupCalls})`, rounds, fmt(rows.map((x) => x.docToDone)) + lateNote,
    fmt(rows.map((x) => x.clickToDone)), fmt(rows.map((x) => x.scanMs), 1), fmt(rows.map((x) => x.apiMs)),
    [...new Set(rows.map((x) => x.top))].join(', ')];
});
const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of body) console.log(line(r));
if (results.some(({ rows }) => rows.some((x) => x.late))) {
  console.log('\n* the popup had finished before the timer was attached in some runs: those times are upper bounds.');
}
console.log('\n"popup start → done": the popup document\'s navigation start to data-state=done (its own clock).');
console.log('"click → done": the test\'s click on the toolbar icon to done; includes the driver\'s round trips (Firefox: geckodriver opens and closes the panel, then opens the popup page as a tab).');
