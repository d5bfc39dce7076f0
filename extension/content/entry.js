// Content-script entry. Bundled by scripts/build.sh with the wasm2js build of
// crates/page-wasm into one classic script (content/content.js), injected by the popup with
// chrome.scripting.executeScript into the tab the admin is looking at, only when asked.
//
// It defines one function in the content script's isolated world; the popup calls it with a
// second executeScript and gets a PageScanResult back (see ARCHITECTURE.md, "Messages").
// Nothing here talks to the page's own scripts, and nothing runs on pages not inspected.
import { scan, coreVersion } from '../../build/gen/page/md_page.js';

/** @returns {{kind: 'md/page-scan', ok: boolean, engine: string, coreVersion: string, report?: object, error?: string, ms: number}} */
function runScan() {
  const started = performance.now();
  // Watch mode (content/watch.js, only on sites the admin chose): deliver queued entries first.
  const watched = typeof globalThis.__mdWatchFlush === 'function';
  if (watched) globalThis.__mdWatchFlush();
  const base = { kind: 'md/page-scan', engine: 'wasm2js', coreVersion: coreVersion(), watched };
  try {
    const report = scan(globalThis.__mdWatch ?? null);
    return { ...base, ok: true, report, ms: performance.now() - started };
  } catch (e) {
    return { ...base, ok: false, error: String(e && e.message ? e.message : e), ms: performance.now() - started };
  }
}

globalThis.__messagingDoctor = { runScan };
