#!/usr/bin/env node
// Times the page scan in real browsers: the built extension (build/extension) in headless
// Chromium and Firefox ESR, on two generated pages served from this process (nothing leaves
// the machine); prints the content script's own `ms` (PageScanResult.ms: collect + analyze +
// conversion, in the page) for the scan the popup runs and for repeated re-scans, and the
// content script's sizes. Figures only, no thresholds.
//
//   scripts/build.sh && node scripts/bench-page.mjs [--runs N] [--browsers chromium,firefox]
//
// Pages:
//   /no-widget/  the /large/ page without any chat code: what a scan costs where there is no widget
//   /typical/    a shop page: 1,000 elements, 20 inline scripts, one Messaging for Web snippet
//   /agentforce/ the /typical/ page with Agentforce Messaging's snippet instead (object-form
//                init call in the loader's onload attribute; the loader is an empty stand-in)
//   /large/   10,000 elements, 200 inline scripts (~2.5 KB of ordinary code each), one
//             Messaging for Web snippet and its loader
//   /twenty/  20 copies of the snippet (20 deployments), each with its loader
//   worst shapes within the collector's caps (crates/page-wasm: 5,000 scripts, 16 MB of inline
//   text, 512 KB per script), as in examples/page_scan_bench.rs:
//   /wrapper-runs/   32 scripts of 512 KB of `initEmbeddedMessaging();`
//   /init-calls/     32 scripts of 512 KB of bare init calls
//   /snippet-copies/ 32 scripts of 512 KB of whole snippets
//   /huge-scripts/   32 scripts of 512 KB of ordinary code, a snippet at the very end
//   /many-scripts/   5,000 scripts of 3.3 KB of ordinary code, a snippet in the last one
//   /multi-byte/     32 scripts of 512 KB of non-ASCII strings, identifiers and init calls
//   /onload-runs/    500 loader tags whose onload attributes hold 32 KB of wrapper runs
//   (--pages a,b picks pages by name; --runs N applies to all)
//   /requests/ 1,000 requests (40 batches of 25 fetches) and a snippet: loaded --runs times
//             without and then with watch mode on for the site, to show what the recorder
//             costs a page (the page's own time to its last request) and the scan time with
//             a 1,000-request record
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { openDriver, EXTENSION_DIR, watchAndReload } from '../tests/e2e/lib/driver.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '10'));
const BROWSERS = opt('browsers', 'chromium,firefox').split(',').filter(Boolean);

const snippet = (dep) => `<script>function initEmbeddedMessaging(){try{embeddedservice_bootstrap.settings.language='en_US';embeddedservice_bootstrap.init('00DHu00000abcde','${dep}','https://acme.my.site.com/ESW${dep}1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}</script>
<script src="/ESW${dep}1712345678901/assets/js/bootstrap.min.js" onload="initEmbeddedMessaging()"></script>`;

// Same shape as examples/page_scan_bench.rs: about 2.5 KB of ordinary minified-looking code.
function filler(n) {
  let s = '';
  for (let k = 0; k < 12; k++) {
    s += `/* module ${n}.${k} */var m${n}_${k}={id:${k},name:"item-${n}-${k}",re:/^a[b-c]+\\/d$/g,ratio:${k}/3,url:'https://cdn.example.com/${n}/${k}.js'};`
      + `function f${n}_${k}(a,b){return a.map(function(x){return x*b/2}).filter(Boolean).join(',')+\`t\${a}\`}\n`;
  }
  return s;
}

function largePage() {
  const rows = [];
  // 2,000 rows of 5 elements: 10,000 elements in the body.
  for (let i = 0; i < 2000; i++) rows.push(`<div class="row"><span>${i}</span><a href="#r${i}">item</a><em>x</em><i>y</i></div>`);
  const scripts = [];
  for (let i = 0; i < 200; i++) scripts.push(`<script>${filler(i)}</script>`);
  scripts.splice(150, 0, snippet('Web_Chat'));
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: large page</title>
${scripts.slice(0, 20).join('\n')}</head><body><h1>Large page</h1>${rows.join('')}
${scripts.slice(20).join('\n')}</body></html>`;
}

function noWidgetPage() {
  const rows = [];
  for (let i = 0; i < 2000; i++) rows.push(`<div class="row"><span>${i}</span><a href="#r${i}">item</a><em>x</em><i>y</i></div>`);
  const scripts = [];
  for (let i = 0; i < 200; i++) scripts.push(`<script>${filler(i)}</script>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: no widget</title>
${scripts.slice(0, 20).join('\n')}</head><body><h1>No widget</h1>${rows.join('')}
${scripts.slice(20).join('\n')}</body></html>`;
}

const AGENTFORCE = `<script id="init-agentforce-messaging" src="/embeddedservice/agentforcemessaging/0.3/init.js"
 onload='agentforce_messaging.init({siteUrl: "https://acme.my.site.com/ESWAgent1712345678901", agentApiConfiguration: {agentId: "0XxHu000000abcd", domainUrl: "https://acme.my.salesforce.com"}, uiConfiguration: {}})'></script>`;

/** A shop-sized page (200 rows of 5 elements, 20 scripts) with the given chat code. */
function typicalPage(title, chat) {
  const rows = [];
  for (let i = 0; i < 200; i++) rows.push(`<div class="row"><span>${i}</span><a href="#r${i}">item</a><em>x</em><i>y</i></div>`);
  const scripts = [];
  for (let i = 0; i < 20; i++) scripts.push(`<script>${filler(i)}</script>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: ${title}</title>
${scripts.slice(0, 5).join('\n')}</head><body><h1>${title}</h1>${rows.join('')}
${scripts.slice(5).join('\n')}${chat}</body></html>`;
}

function twentyPage() {
  const copies = [];
  for (let i = 0; i < 20; i++) copies.push(snippet(`Chat_${i}`));
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: 20 snippets</title></head>
<body><h1>Twenty snippets</h1>${copies.join('\n')}</body></html>`;
}

function requestsPage() {
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: 1,000 requests</title></head>
<body><h1>1,000 requests</h1>${snippet('Web_Chat')}
<script>(async () => { for (let b = 0; b < 40; b++) { const w = []; for (let i = 0; i < 25; i++) w.push(fetch('/ping?' + (b * 25 + i), { cache: 'no-store' }).then((r) => r.text())); await Promise.all(w); } window.__doneMs = performance.now(); })();</script>
</body></html>`;
}

const SCRIPT_CAP = 512 * 1024;
const PAGE_CAP = 16 * 1024 * 1024;
const fill = (unit, cap) => unit.repeat(Math.floor(cap / unit.length));
const SNIPPET_JS = (dep) => `function initEmbeddedMessaging(){try{embeddedservice_bootstrap.settings.language='en_US';embeddedservice_bootstrap.init('00DHu00000abcde','${dep}','https://acme.my.site.com/ESW${dep}1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'})}catch(e){}}`;
const CALL = "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESWWeb_Chat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'});\n";

/** A page of as many copies of `text` (one script each) as the inline budget holds. `</` never
 * occurs in the generated text, so it cannot close the script element early. */
function pageOf(title, text, count = Math.floor(PAGE_CAP / text.length)) {
  const one = `<script>${text}</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench: ${title}</title></head>
<body><h1>${title}</h1>${one.repeat(count)}</body></html>`;
}

function worstPages() {
  const filler0 = filler(0);
  const huge = fill(filler0, SCRIPT_CAP - 400) + SNIPPET_JS('Web_Chat');
  const manyText = filler(1) + filler(2).slice(0, 800);
  const many = `<!doctype html><html><head><meta charset="utf-8"><title>bench: many scripts</title></head><body>`
    + `<script>${manyText}</script>`.repeat(4999) + `<script>${manyText}${SNIPPET_JS('Web_Chat')}</script></body></html>`;
  const onloadTags = [];
  for (let i = 0; i < 500; i++) {
    onloadTags.push(`<script src="/ESWWeb_Chat1712345678901/assets/js/bootstrap.min.js?${i}" onload="${fill('initEmbeddedMessaging();', 32768)}"></script>`);
  }
  return {
    'wrapper-runs': pageOf('wrapper runs', fill('initEmbeddedMessaging();\n', SCRIPT_CAP)),
    'init-calls': pageOf('init calls', fill(CALL, SCRIPT_CAP)),
    'snippet-copies': pageOf('snippet copies', fill(`${SNIPPET_JS('Web_Chat')}\n`, SCRIPT_CAP)),
    'huge-scripts': pageOf('huge scripts', huge),
    'many-scripts': many,
    'multi-byte': pageOf('multi-byte', fill("var 名前='ÉéЖж漢字🙂';embeddedservice_bootstrap.init('00DHu00000abcdé','Wéb_Chat','https://acme.my.site.com/ESWWeb_Chat1712345678901',{scrt2URL:'https://acme.my.salesforce-scrt.com'});/* ü */\n", SCRIPT_CAP / 2)),
    'onload-runs': `<!doctype html><html><head><meta charset="utf-8"><title>bench: onload runs</title></head><body>${onloadTags.join('\n')}</body></html>`,
  };
}

const ALL_PAGES = {
  'no-widget': noWidgetPage(),
  typical: typicalPage('typical page', snippet('Web_Chat')),
  agentforce: typicalPage('Agentforce Messaging', AGENTFORCE),
  large: largePage(),
  twenty: twentyPage(),
  ...worstPages(),
};
const PICK = opt('pages', '').split(',').filter(Boolean);
const PAGES = Object.fromEntries(Object.entries(ALL_PAGES).filter(([k]) => PICK.length === 0 || PICK.includes(k)));
const WATCH = !args.includes('--no-watch');
const WATCH_PAGE = requestsPage();

async function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname.endsWith('/assets/js/bootstrap.min.js') || url.pathname.endsWith('/agentforcemessaging/0.3/init.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end('/* bench stand-in for the loader */\n');
      return;
    }
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (url.pathname === '/requests/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(WATCH_PAGE);
      return;
    }
    const m = /^\/([a-z-]+)\/$/.exec(url.pathname);
    if (!m || !PAGES[m[1]]) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGES[m[1]]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

function sizes() {
  const file = (p) => {
    const buf = fs.readFileSync(p);
    return `${buf.length} bytes (${zlib.gzipSync(buf, { level: 9 }).length} gzip -9)`;
  };
  const wasm = path.resolve(EXTENSION_DIR, '../gen/page/md_page_bg.wasm');
  console.log(`content script (content.js): ${file(path.join(EXTENSION_DIR, 'content/content.js'))}`);
  if (fs.existsSync(wasm)) console.log(`content-script Wasm before wasm2js: ${file(wasm)}`);
}

async function main() {
  if (!fs.existsSync(path.join(EXTENSION_DIR, 'content/content.js'))) {
    throw new Error('build/extension is missing: run scripts/build.sh first');
  }
  sizes();
  const server = await serve();
  try {
    for (const browser of BROWSERS) {
      const driver = await openDriver(browser);
      try {
        for (const name of Object.keys(PAGES)) {
          const popup = await driver.openPopupOn(`${server.origin}/${name}/`);
          try {
            await popup.waitForResult();
            const runs = [];
            let report;
            for (let i = 0; i < RUNS; i++) {
              const r = await popup.rescan();
              if (!r.ok) throw new Error(`${browser} ${name}: ${r.error}`);
              runs.push(r.ms);
              report = r.report;
            }
            const s = report.stats;
            console.log(`${browser} /${name}/: ${s.scripts} scripts, ${Math.round(s.inlineBytes / 1024)} KB inline, `
              + `${s.initCallsSeen ?? '?'} init calls, ${s.wrapperRunsSeen ?? '?'} wrapper runs, `
              + `${report.findings.length} findings, ${Math.round(JSON.stringify(report).length / 1024)} KB report; scan ms first ${fmt(runs[0])}, median ${fmt(median(runs))}, `
              + `min ${fmt(Math.min(...runs))}, max ${fmt(Math.max(...runs))} over ${RUNS} runs`);
          } finally {
            await popup.close();
          }
        }
      } finally {
        await driver.close();
      }
      if (WATCH) await benchWatch(browser, server);
    }
  } finally {
    await server.close();
  }
}

/** Loads /requests/ RUNS times; returns the page's own times to its last request and the scan ms. */
async function loads(driver, url) {
  const done = [];
  const scans = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await driver.openPage(url);
    try {
      await page.waitFor(() => (typeof window.__doneMs === 'number' ? true : null), { timeoutMs: 30000 });
      done.push(await page.evaluate(() => window.__doneMs));
      if (i === RUNS - 1) {
        const popup = await driver.openPopupFor(page);
        try {
          await popup.waitForResult();
          for (let k = 0; k < 5; k++) {
            const r = await popup.rescan();
            scans.push({ ms: r.ms, watched: r.watched, requests: r.report.findings.find((f) => f.code === 'page/watch-recorded')?.message ?? '' });
          }
        } finally {
          await popup.close();
        }
      }
    } finally {
      await page.close();
    }
  }
  return { done, scans };
}

/** Watch mode's cost: the same page without and with the recorders. */
async function benchWatch(browser, server) {
  const site = `${new URL(server.origin).protocol}//127.0.0.1/*`;
  const driver = await openDriver(browser, { grantSites: [site] });
  try {
    const url = `${server.origin}/requests/`;
    const off = await loads(driver, url);
    const page = await driver.openPage(url);
    const popup = await driver.openPopupFor(page);
    await popup.waitForResult();
    await watchAndReload(popup);
    await popup.close();
    await page.close();
    const on = await loads(driver, url);
    const scanMs = (l) => fmt(median(l.scans.map((x) => x.ms)));
    console.log(`${browser} /requests/ (1,000 requests): page's time to its last request, median of ${RUNS} loads: `
      + `${fmt(median(off.done))} without watch mode, ${fmt(median(on.done))} with it; `
      + `scan ms median ${scanMs(off)} without, ${scanMs(on)} with the record (watched: ${on.scans[0]?.watched}; ${on.scans[0]?.requests})`);
  } finally {
    await driver.close();
  }
}

await main();
