// Content-script entry. Bundled by scripts/build.sh with the wasm2js build of
// crates/page-wasm into one classic script (content/content.js), injected by the popup with
// chrome.scripting.executeScript into the tab the admin is looking at, only when asked.
//
// It defines one function in the content script's isolated world; the popup calls it with a
// second executeScript and gets a PageScanResult back (see ARCHITECTURE.md, "Messages").
// Nothing here talks to the page's own scripts, and nothing runs on pages not inspected.
import { scan, coreVersion } from '../../build/gen/page/md_page.js';

/** @returns {{kind: 'md/page-scan', ok: boolean, engine: string, coreVersion: string, report?: object, error?: string, ms: number}} */
/**
 * Watch mode's record (content/watch.js, only on sites the admin chose), or null. It is kept
 * under a Symbol-keyed, non-enumerable own property of this world's global, which no page
 * element can clobber (element ids and names are strings); what is found there must also be the
 * recorder's frozen hook handing out a plain object, not anything else.
 */
function watchRecord() {
  const d = Object.getOwnPropertyDescriptor(globalThis, Symbol.for('messaging-doctor.watch'));
  const hook = d && !d.enumerable && !d.writable ? d.value : null;
  if (!hook || !Object.isFrozen(hook) || typeof hook.take !== 'function') return null;
  const record = hook.take();
  if (!record || Object.getPrototypeOf(record) !== Object.prototype || !Array.isArray(record.resources)) return null;
  return record;
}

function runScan() {
  const started = performance.now();
  let record = null;
  try {
    record = watchRecord();
  } catch (e) {
    record = null;
  }
  const watched = record !== null;
  const base = { kind: 'md/page-scan', engine: 'wasm2js', coreVersion: coreVersion(), watched };
  try {
    const report = scan(record);
    return { ...base, ok: true, report, ms: performance.now() - started };
  } catch (e) {
    return { ...base, ok: false, error: String(e && e.message ? e.message : e), ms: performance.now() - started };
  }
}

globalThis.__messagingDoctor = { runScan };
