// Popup glue: find the tab to check, run the page scan there, hand its report to the Rust core
// (popup wasm) and render the ranked diagnosis as text. Also runs, unchanged, as a full tab
// (popup.html?tab=<id>) so the admin can keep it open while reproducing.
import init, { diagnose, exportReport, coreVersion } from './pkg/md_popup.js';
import { h, replace } from './dom.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

/** The tab to check: `?tab=<id>` when opened as a tab, else the active tab of this window. */
async function targetTab() {
  const param = new URLSearchParams(location.search).get('tab');
  if (param !== null) {
    const id = Number(param);
    if (!Number.isInteger(id)) throw new Error(`The tab number "${param}" in this page's address is not valid.`);
    return api.tabs.get(id);
  }
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  if (!tab) throw new Error('There is no active tab to check.');
  return tab;
}

/** Explains why a tab can't be scanned, in the admin's words. */
function explainInjectionError(err) {
  const msg = String(err && err.message ? err.message : err);
  if (/cannot access|cannot be scripted|missing host permission|permission/i.test(msg)) {
    return 'Messaging Doctor can only read a page after you click its icon on that page. ' +
      'Open the customer site in this tab and click the Messaging Doctor icon again. ' +
      '(Browser pages and add-on stores can never be read.)';
  }
  return `The page could not be read: ${msg}`;
}

/** Injects the content script (once) and runs the scan. Returns the PageScanResult message. */
async function scanTab(tabId) {
  // Absolute path: Firefox resolves `files` against the calling page, Chromium against the root.
  // Firefox reports a failed injection in the result rather than by rejecting.
  const [loaded] = await api.scripting.executeScript({ target: { tabId }, files: ['/content/content.js'] });
  if (loaded && loaded.error) throw new Error(String(loaded.error.message ?? loaded.error));
  const [res] = await api.scripting.executeScript({
    target: { tabId },
    func: () => globalThis.__messagingDoctor.runScan(),
  });
  if (res && res.error) throw new Error(String(res.error.message ?? res.error));
  const result = res && res.result;
  if (!result || result.kind !== 'md/page-scan') throw new Error('The page scan returned nothing.');
  return result;
}

function renderFinding(f) {
  const evidence = f.evidence.length
    ? h('dl', {}, f.evidence.map((e) => [
      h('dt', {}, e.label),
      h('dd', {}, e.value, e.location ? h('span', { class: 'md-where' }, ` — ${e.location}`) : null),
    ]))
    : null;
  const fix = f.fix.length ? h('ol', { class: 'md-fix', 'aria-label': 'How to fix' }, f.fix.map((s) => h('li', {}, s))) : null;
  const link = f.link
    ? (/^https:/.test(f.link.url)
      ? h('a', { href: f.link.url, target: '_blank', rel: 'noopener noreferrer' }, f.link.label)
      : h('span', { class: 'md-code' }, `In Setup: ${f.link.label}`))
    : null;
  return h('li', { class: 'md-finding', 'data-code': f.code, 'data-severity': f.severity, 'data-testid': 'finding' },
    h('h3', {}, h('span', { class: 'md-badge' }, f.severity.toUpperCase()), f.title),
    h('p', {}, f.message),
    evidence, fix, link,
    h('div', { class: 'md-code' }, f.code));
}

function render(diagnosis, scan) {
  $('status').hidden = true;
  const headline = $('headline');
  headline.hidden = false;
  headline.textContent = diagnosis.headline;
  replace($('findings'), diagnosis.findings.map(renderFinding));
  $('footer').textContent =
    `Core ${diagnosis.coreVersion} ranked this in the popup; the page was read by core ` +
    `${diagnosis.pageCoreVersion ?? '?'} (${scan.engine}) in the page's content script in ` +
    `${scan.ms.toFixed(1)} ms.`;
}

/** Wires "Copy as Markdown" and "Export JSON" to the report of this scan. */
function enableExport(report) {
  const status = $('action-status');
  const make = () => exportReport(report, new Date().toISOString());
  $('copy-md').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(make().markdown);
      status.textContent = 'Copied the report as Markdown.';
    } catch (e) {
      status.textContent = `Could not copy: ${e.message ?? e}`;
    }
  });
  $('export-json').addEventListener('click', () => {
    const json = JSON.stringify(make().report, null, 2);
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `messaging-doctor-report-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = 'Saved the report as JSON.';
  });
  $('actions').hidden = false;
}

function renderError(message) {
  replace($('status'), h('div', { class: 'md-error-box', 'data-testid': 'error' }, message));
}

async function main() {
  await init();
  $('footer').textContent = `Core ${coreVersion()}`;
  let tab;
  try {
    tab = await targetTab();
  } catch (e) {
    renderError(String(e.message ?? e));
    return;
  }
  $('target').textContent = tab.url ? `Page: ${tab.url}` : `Tab ${tab.id}`;
  document.body.dataset.tabId = String(tab.id);
  const openInTab = $('open-in-tab');
  if (!new URLSearchParams(location.search).has('tab')) {
    openInTab.hidden = false;
    openInTab.addEventListener('click', () => {
      api.tabs.create({ url: api.runtime.getURL(`popup/popup.html?tab=${tab.id}`) });
      window.close();
    });
  }
  let scan;
  try {
    scan = await scanTab(tab.id);
  } catch (e) {
    renderError(explainInjectionError(e));
    return;
  }
  if (!scan.ok) {
    renderError(`The page scan failed: ${scan.error}`);
    return;
  }
  try {
    render(diagnose(scan.report), scan);
    enableExport(scan.report);
  } catch (e) {
    renderError(`The page report could not be read: ${e.message ?? e}`);
  }
}

main();
