// Popup glue: find the tab to check, run the page scan there, hand its report to the Rust core
// (popup wasm) and render the ranked diagnosis as text. Also runs, unchanged, as a full tab
// (popup.html?tab=<id>) so the admin can keep it open while reproducing.
import init, * as core from './pkg/md_popup.js';
import { h, replace, setText } from './dom.js';
import { renderFinding, renderFindings, renderState, shortText } from './render.js';
import { cookieStoreFor, listSessions, runOrgChecks } from './org.js';
import { offerCapture } from './capture.js';
import { offerWatch } from './watch.js';

const { diagnose, exportReport, coreVersion, chooseSession, orgAnalyze } = core;

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

/** What the popup knows; the export buttons read it when clicked. */
const state = { page: null, scan: null, org: null, session: [], chosen: null };

function renderChecks(checks) {
  if (!checks.length) return null;
  return h('div', { class: 'md-checks', 'data-testid': 'checks' },
    h('h3', {}, 'What the org checks covered'),
    h('ul', {}, checks.map((c) => h('li', { 'data-check': c.id },
      h('span', { class: `md-check md-check-${c.status}` }, c.status), ` ${c.title}: ${shortText(c.summary)}`))));
}

function render() {
  const diagnosis = diagnose(state.page, state.org, state.session);
  const headline = $('headline');
  headline.hidden = false;
  $('summary').hidden = false;
  setText(headline, diagnosis.headline);
  replace($('state'), renderState(diagnosis));
  renderFindings(diagnosis, $('findings'), $('checks'), renderChecks);
  const parts = [`Core ${diagnosis.coreVersion}.`];
  if (state.scan) {
    parts.push(`Page read by core ${diagnosis.pageCoreVersion ?? '?'} (${state.scan.engine}) in ${state.scan.ms.toFixed(1)} ms.`);
  }
  if (state.org) {
    parts.push(`Org ${state.org.org.name ?? state.org.org.apiHost} checked with ${state.org.apiCalls} API call(s) in ${state.org.apiMs} ms, ${state.org.rounds} round(s).`);
  }
  $('footer').textContent = parts.join(' ');
  $('actions').hidden = false;
}

function setProgress(text) {
  const p = $('status');
  p.hidden = false;
  replace(p, h('span', { class: 'md-spinner', 'aria-hidden': 'true' }), ` ${text}`);
}

function doneProgress() {
  $('status').hidden = true;
  document.body.dataset.state = 'done';
}

/** Wires "Copy as Markdown" and "Export JSON" to what the popup knows at click time. */
function enableExport() {
  const status = $('action-status');
  const make = () => exportReport(state.page, state.org, state.session, new Date().toISOString());
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
}

/** Offers the logged-in orgs as buttons; picking one runs the org checks for it. */
function renderChoice(candidates, tab, storeId) {
  replace($('org-choice'), h('div', { class: 'md-choice', role: 'group', 'aria-label': 'Choose the org to check', 'data-testid': 'org-choice' },
    h('p', {}, 'You are logged into several orgs. Which one runs this chat?'),
    candidates.map((c) => {
      const b = h('button', { type: 'button', class: 'md-button', 'data-testid': 'choose-org' }, `${c.orgId} — ${c.host}`);
      b.addEventListener('click', () => {
        state.chosen = c.host;
        replace($('org-choice'));
        checkOrg(tab, storeId);
      });
      return b;
    })));
}

/** One page org in words: its id, host and deployments. */
function describeOrg(o) {
  const deps = o.deployments.length ? ` (${o.deployments.join(', ')})` : '';
  return `org ${o.orgId}${o.host ? ` at ${o.host}` : ''}${deps}`;
}

/**
 * The page's snippets name several orgs: says which one the org checks ran for (and whether
 * the widget loaded its deployment), and offers the others. A button runs the checks for that
 * org with that org's own session only (the core picks the session by org id); when the
 * browser is not logged into it, the org checks say where to log in.
 */
function renderSwitch(orgs, tab, storeId) {
  if (orgs.length < 2) {
    replace($('org-switch'));
    return;
  }
  const cur = orgs.find((o) => o.current);
  const anyLoaded = orgs.some((o) => o.loaded);
  const loadedNote = (o) => {
    if (o.loaded) return ' The widget loaded this org\'s deployment.';
    return anyLoaded ? ' The widget did not load this org\'s deployment.' : ' Which deployment the widget loaded is not known (no configuration request seen).';
  };
  const now = cur.loggedIn ? `Org checks for ${describeOrg(cur)}.` : `Not logged in to ${describeOrg(cur)}: the org checks did not run.`;
  replace($('org-switch'), h('section', { class: 'md-choice md-switch', 'data-testid': 'org-switch', 'data-current': cur.orgId, 'aria-label': 'Orgs named on this page' },
    h('p', {}, `This page's snippets name ${orgs.length} orgs. ${now}${loadedNote(cur)}`),
    orgs.filter((o) => !o.current).map((o) => {
      const b = h('button', { type: 'button', class: 'md-button', 'data-testid': 'switch-org', 'data-org': o.orgId, 'data-logged-in': String(o.loggedIn) },
        `Run the org checks for org ${o.orgId} instead${o.loggedIn ? '' : ' (not logged in)'}`);
      b.title = `${describeOrg(o)}.${loadedNote(o)}`;
      b.addEventListener('click', () => {
        state.chosen = o.orgId;
        checkOrg(tab, storeId);
      });
      return b;
    })));
}

/** Finds the session, runs the org checks, re-renders. Never throws. */
async function checkOrg(tab, storeId) {
  delete document.body.dataset.state;
  let orgs = [];
  for (const b of document.querySelectorAll('[data-testid=switch-org]')) b.disabled = true;
  try {
    setProgress('Looking for your Salesforce session…');
    const sessions = await listSessions(storeId);
    const choice = chooseSession(sessions, state.page, tab.url ?? '', state.chosen);
    state.session = choice.findings;
    state.org = null;
    orgs = choice.pageOrgs ?? [];
    setText($('org-target'), '');
    const d = choice.decision;
    if (d.kind === 'choose') {
      render();
      renderChoice(d.candidates, tab, storeId);
      doneProgress();
      return;
    }
    if (d.kind === 'use') {
      const { orgId } = d;
      setText($('org-target'), `Org: ${orgId} at ${d.host} (${d.why})`);
      const exchanges = await runOrgChecks(core, d, storeId, state.page, (label) => setProgress(`${label}…`));
      setProgress('Judging the answers…');
      state.org = orgAnalyze({ apiHost: d.host, orgId }, state.page, exchanges);
    }
  } catch (e) {
    state.session = [{
      code: 'org/check-failed', severity: 'warning', title: 'The org checks stopped',
      message: `The org checks stopped with an unexpected error: ${e.message ?? e}. The page findings above are complete.`,
      evidence: [], fix: ['Click Run again; if it keeps failing, copy the report into a support case.'],
    }];
  }
  render();
  renderSwitch(orgs, tab, storeId);
  // Live capture (capture.js): offered below the findings once an org was checked.
  offerCapture(state.org ? { host: state.org.org.apiHost, orgId: state.org.org.id, storeId, tab, page: state.page, renderFinding: (f) => renderFinding(f, { open: true, setupHost: state.org.org.lightningHost }) } : null);
  doneProgress();
}

function renderError(message) {
  replace($('page-error'), h('div', { class: 'md-error-box', 'data-testid': 'error' }, message));
}

async function main() {
  await init();
  $('footer').textContent = `Core ${coreVersion()}`;
  let tab;
  try {
    tab = await targetTab();
  } catch (e) {
    renderError(String(e.message ?? e));
    document.body.dataset.state = 'done';
    return;
  }
  setText($('target'), tab.url ? `Page: ${shortText(tab.url)}` : `Tab ${tab.id}`);
  if (tab.url) $('target').title = tab.url;
  document.body.dataset.tabId = String(tab.id);
  if (new URLSearchParams(location.search).has('tab')) document.body.classList.add('md-in-tab');
  const openInTab = $('open-in-tab');
  if (!new URLSearchParams(location.search).has('tab')) {
    openInTab.hidden = false;
    openInTab.addEventListener('click', () => {
      api.tabs.create({ url: api.runtime.getURL(`popup/popup.html?tab=${tab.id}`) });
      window.close();
    });
  }
  enableExport();
  const storeId = await cookieStoreFor(tab);
  $('rerun').addEventListener('click', () => runAll(tab, storeId));
  await runAll(tab, storeId);
}

/** The page scan, then the org checks. */
async function runAll(tab, storeId) {
  delete document.body.dataset.state;
  $('rerun').disabled = true;
  setProgress('Reading this page…');
  state.page = null;
  state.scan = null;
  try {
    const scan = await scanTab(tab.id);
    if (!scan.ok) throw new Error(`The page scan failed: ${scan.error}`);
    state.scan = scan;
    state.page = scan.report;
    render();
    await offerWatch({ tab, recorded: scan.watched === true, onReload: () => reloadAndRecord(tab, storeId) });
  } catch (e) {
    state.session = [];
    renderError(explainInjectionError(e));
    await offerWatch({ tab: null });
  }
  await checkOrg(tab, storeId);
  $('rerun').disabled = false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Reloads the tab and resolves once it has loaded (or after 30 s). */
function reloadTab(tabId) {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      api.tabs.onUpdated.removeListener(onUpdated);
      clearTimeout(timer);
      resolve();
    };
    const onUpdated = (id, info) => {
      if (id === tabId && info.status === 'complete') finish();
    };
    const timer = setTimeout(finish, 30000);
    api.tabs.onUpdated.addListener(onUpdated);
    api.tabs.reload(tabId).catch(finish);
  });
}

/**
 * Watch mode's reload: reload the tab (the recorder starts with the page), wait while the
 * widget is still starting (the stall threshold; a recorded InitError or Ready decides sooner),
 * then run everything again on the recorded page.
 */
async function reloadAndRecord(tab, storeId) {
  delete document.body.dataset.state;
  $('rerun').disabled = true;
  setProgress('Reloading the page and recording the chat\'s start-up…');
  await reloadTab(tab.id);
  const current = await api.tabs.get(tab.id).catch(() => tab);
  const deadline = Date.now() + 12000;
  for (;;) {
    let scan;
    try {
      scan = await scanTab(current.id);
    } catch (e) {
      break;
    }
    const starting = scan.ok && scan.report.findings.some((f) => f.code === 'page/widget-starting');
    if (!starting || Date.now() > deadline) break;
    setProgress(`Recording the chat's start-up… (up to ${Math.ceil((deadline - Date.now()) / 1000)} s)`);
    await sleep(1000);
  }
  await runAll(current, storeId);
}

main();
