// End to end, in real browsers: the built extension (build/extension) is loaded into headless
// Chromium and Firefox ESR; each page fixture of tests/pages is opened; the toolbar action is
// clicked on it; the popup runs the content script (Rust, via wasm2js) in the page, ranks the
// report with Rust (Wasm) and renders it. Checked per case and browser:
//   - the content script's own result (re-run from the popup's context, as the popup does),
//   - what the popup shows: headline and the finding codes in ranked order.
// expected.json keys (tests/pages/README.md): findings, loaders, initCalls, headline, and
// optionally deployments (the init calls' deployment names, default all Web_Chat), evidence
// (lines a finding must carry), scanAfterMs (wait before clicking, for the stall threshold) and
// byBrowser.<name> (keys that differ per browser).
// Run: scripts/md test (or: node --test tests/e2e/ after scripts/build.sh).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listCases, startPagesServer } from './lib/pages-server.mjs';
import { openDriver, BROWSERS } from './lib/driver.mjs';
import { isAllowedLink } from '../../extension/popup/hosts.js';

// In the popup: every link it shows, as written and as the browser resolved it.
const LINKS = () => [...document.querySelectorAll('a[href]')].map((a) => ({ href: a.getAttribute('href'), resolved: a.href, text: a.textContent }));

/**
 * Addresses a GitHub-style renderer would make links of in the Markdown export: `<https://…>`
 * autolinks, and any bare `scheme://` or `www.` left in the text (the core writes the addresses in page text
 * as `[:]//` and `www[.]`).
 */
function markdownLinks(md) {
  const out = [];
  for (const line of md.split('\n')) {
    let rest = line;
    for (const m of line.matchAll(/(?<!\\)<([^<>]*)>/g)) {
      out.push(m[1]);
      rest = rest.replace(m[0], ' ');
    }
    if (/:\/\/|www\./i.test(rest)) out.push(`bare address in: ${line}`);
  }
  return out;
}

const cases = listCases();
assert.ok(cases.length >= 3, 'page fixtures are missing');

for (const browserName of BROWSERS) {
  describe(`page scan in ${browserName}`, () => {
    let server;
    let driver;
    before(async () => {
      server = await startPagesServer();
      driver = await openDriver(browserName);
    });
    after(async () => {
      await driver?.close();
      await server?.close();
    });

    for (const c of cases) {
      const expected = { ...c.expected, ...(c.expected.byBrowser?.[browserName] ?? {}) };
      test(c.name, async () => {
        let popup;
        if (expected.scanAfterMs) {
          const page = await driver.openPage(`${server.origin}/${c.name}/`);
          const age = await page.evaluate(() => performance.now());
          if (age < expected.scanAfterMs) await new Promise((r) => setTimeout(r, expected.scanAfterMs - age));
          popup = await driver.openPopupFor(page);
          const close = popup.close;
          popup.close = async () => { await close(); await page.close(); };
        } else {
          popup = await driver.openPopupOn(`${server.origin}/${c.name}/`);
        }
        try {
          const shown = await popup.waitForResult();
          assert.equal(shown.error, null, `the popup showed an error: ${shown.error}`);

          // What the content script returned (Rust compiled to JS, running in the page).
          const scan = await popup.rescan();
          assert.equal(scan.kind, 'md/page-scan');
          assert.equal(scan.ok, true, scan.error);
          assert.equal(scan.engine, 'wasm2js');
          // The pages server is never a watched site: whatever the page names its elements
          // (clobbered-watch), there is no watch record.
          assert.equal(scan.watched, false, 'an unwatched page was read as watched');
          assert.match(scan.coreVersion, /^\d+\.\d+\.\d+$/);
          assert.equal(scan.report.url, `${server.origin}/${c.name}/`);
          assert.equal(scan.report.loaders.length, expected.loaders, 'loaders');
          assert.equal(scan.report.initCalls.length, expected.initCalls, 'init calls');
          const orgIds = expected.orgIds ?? ['00DHu00000abcde'];
          for (const call of scan.report.initCalls) assert.ok(orgIds.includes(call.orgId), `org id ${call.orgId}`);
          assert.deepEqual(
            [...new Set(scan.report.initCalls.map((call) => call.deployment))].sort(),
            expected.deployments ?? (expected.initCalls ? ['Web_Chat'] : []),
          );
          for (const want of expected.evidence ?? []) {
            const finding = scan.report.findings.find((f) => f.code === want.code);
            assert.ok(finding, `${want.code} missing`);
            const hit = finding.evidence.find((e) => e.label === want.label
              && (want.location === undefined || e.location === want.location)
              && (want.valueStartsWith === undefined || e.value.startsWith(want.valueStartsWith)));
            assert.ok(hit, `${want.code}: no evidence ${JSON.stringify(want)} in ${JSON.stringify(finding.evidence)}`);
          }

          // What the popup shows (ranked by Rust compiled to Wasm, in the popup). The popup also
          // runs the org checks after the page scan; this browser is logged into no org, so they
          // add exactly one session finding: where to log in (the page names an org) or that
          // there is no session (it names none). The page's own findings keep their order.
          const pageCodes = shown.codes.filter((code) => code.startsWith('page/'));
          const orgCodes = shown.codes.filter((code) => !code.startsWith('page/'));
          assert.deepEqual(pageCodes, expected.findings);
          assert.deepEqual(orgCodes, [scan.report.initCalls.some((call) => call.orgId) ? 'org/not-logged-in' : 'org/no-session']);
          if (shown.codes[0].startsWith('page/')) {
            assert.ok(shown.headline.includes(expected.headline), `headline: ${shown.headline}`);
          } else {
            // Nothing on the page outranks the missing session: the header says the org was not
            // checked (naming the org when the page does), and calls nothing the cause.
            assert.ok(!shown.headline.startsWith('Likely cause'), `headline: ${shown.headline}`);
            assert.match(shown.orgState, /^Org: not logged in to (org 00D\w+|Salesforce) in this browser$/);
          }
          assert.match(shown.footer, /Page read by core \d+\.\d+\.\d+ \(wasm2js\) in [\d.]+ ms\./);

          // Every link the popup shows goes to a Salesforce address (hosts.js, the same table as
          // the core); a hostile page's disguised hosts (expected.noLinkTo) are in none of them.
          const links = await popup.evaluate(LINKS);
          for (const l of links) {
            assert.ok(isAllowedLink(l.href), `the popup links to ${l.href}`);
            assert.ok(isAllowedLink(l.resolved), `the popup's link resolves to ${l.resolved}`);
            for (const bad of expected.noLinkTo ?? []) assert.ok(!l.resolved.includes(bad), `link to ${l.resolved}`);
          }

          // Invisible characters from the page are shown (⟨U+202E⟩), never applied.
          if (expected.shows || expected.hides) {
            const text = await popup.evaluate(() => document.body.textContent);
            for (const s of expected.shows ?? []) assert.ok(text.includes(s), `the popup does not show ${s}`);
            for (const s of expected.hides ?? []) assert.ok(!text.includes(s), `the popup shows ${s} (U+${s.codePointAt(0).toString(16)}…)`);
          }

          // The two export buttons (Markdown for a support case, versioned JSON).
          const exported = await popup.clickExports();
          for (const s of expected.shows ?? []) assert.ok(exported.markdown.includes(s), `the Markdown lacks ${s}`);
          for (const s of expected.hides ?? []) assert.ok(!exported.markdown.includes(s), `the Markdown has ${s} (U+${s.codePointAt(0).toString(16)}…)`);
          for (const target of markdownLinks(exported.markdown)) {
            assert.ok(isAllowedLink(target), `the Markdown export links to ${target}`);
            for (const bad of expected.noLinkTo ?? []) assert.ok(!target.includes(bad), `Markdown link to ${target}`);
          }
          assert.ok(exported.markdown, 'Copy as Markdown wrote nothing');
          assert.ok(exported.markdown.startsWith('## Messaging Doctor report'));
          for (const code of expected.findings) assert.ok(exported.markdown.includes(`\`${code}\``), code);
          const json = JSON.parse(exported.json);
          assert.equal(json.schema, 'messaging-doctor/report@1');
          assert.deepEqual(json.diagnosis.findings.map((f) => f.code), shown.codes);
          assert.equal(json.page.url, `${server.origin}/${c.name}/`);
        } finally {
          await popup.close();
        }
      });
    }
  });
}
