// "Capture a failing chat": the popup's side of the live capture.
//
// The only feature that writes to the org, so it asks first and says exactly what it writes.
// The background (extension/background/capture.js) does the work and the clean-up; this page
// only connects a port, sends {start: host, org id, cookie store id, deployment names — never
// the token}, ticks while it is open (keeps the background awake, paces the polls), shows
// progress, offers to start a test chat through the widget's public API in the customer tab,
// and renders the result with the popup's renderFinding (text only, through dom.js). Closing
// this window mid-capture disconnects the port: the background then cleans up.
import { h, replace } from './dom.js';

const api = globalThis.browser ?? globalThis.chrome;
const PORT_NAME = 'md/capture';
const TICK_MS = 1500;
const TEST_MESSAGE = 'Test message from Messaging Doctor';

/** The org and page the capture is for, set by offerCapture; the running capture. */
let ctx = null;
let cap = null;

const $ = (id) => document.getElementById(id);
const setState = (s) => { document.body.dataset.capture = s; };

/** Deployment names the page's snippets name (their site's guest user is traced too). */
function deploymentsOf(page) {
  const out = [];
  for (const c of page?.initCalls ?? []) {
    const d = c?.call?.deployment;
    if (typeof d === 'string' && d && !out.includes(d)) out.push(d);
  }
  return out;
}

/**
 * Shows the capture button under the findings, for the org just checked. `next` is
 * {host, orgId, storeId, tab, page, renderFinding}, or null when no org was checked (the
 * section is then hidden, unless a capture is running).
 */
export function offerCapture(next) {
  const box = $('capture');
  if (!box) return;
  if (cap && !cap.done) return; // a capture is running: keep showing it
  cap = null;
  ctx = next;
  if (!next) {
    box.hidden = true;
    replace(box);
    delete document.body.dataset.capture;
  } else {
    box.hidden = false;
    showOffer();
  }
  checkPending();
}

/**
 * Asks the background about earlier captures whose clean-up has not finished (it retries them
 * first) and names what is left, above the offer.
 */
function checkPending() {
  let port;
  try {
    port = api.runtime.connect({ name: PORT_NAME });
  } catch {
    return;
  }
  port.onMessage.addListener((msg) => {
    if (!msg || msg.type !== 'pending') return;
    try { port.disconnect(); } catch { /* already */ }
    showPending(Array.isArray(msg.items) ? msg.items : []);
  });
  port.postMessage({ type: 'status' });
}

/** When the next retry on opening may go out, if the org refused the last one ("" when due). */
function retryNote(items) {
  const next = Math.max(0, ...items.map((it) => (it && Number.isFinite(it.retryAfterMs) ? it.retryAfterMs : 0)));
  if (next <= Date.now()) return '';
  const at = new Date(next).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return ` (after a pause, as the last try failed: from ${at})`;
}

function showPending(items) {
  const box = $('capture');
  if (!box) return;
  const old = box.querySelector('[data-testid=capture-pending]');
  if (old) old.remove();
  if (!items.length) return;
  const list = h('ol', { class: 'md-findings' });
  for (const it of items) {
    const f = it && it.cleanup;
    const li = f && ctx && ctx.renderFinding
      ? ctx.renderFinding(f)
      : h('li', {}, `${it.debugLevelName} in ${it.host}: ${f && f.message ? f.message : 'its clean-up has not finished.'}`);
    for (const e of (f && !(ctx && ctx.renderFinding) ? f.evidence ?? [] : [])) {
      li.append(h('p', {}, `${e.label}: ${e.value}`));
    }
    list.append(li);
  }
  const section = h('div', { class: 'md-capture-pending', role: 'status', 'data-testid': 'capture-pending' },
    h('p', {}, h('strong', {}, 'An earlier capture could not finish its clean-up. '),
      `Messaging Doctor keeps it on record and tries again when you start a capture or log in to that org, and when you open it${retryNote(items)}. What is left:`),
    list);
  box.hidden = false;
  box.prepend(section);
}

function showOffer(note) {
  const button = h('button', { type: 'button', class: 'md-button md-button-brand', 'data-testid': 'capture-start' }, 'Capture a failing chat');
  button.addEventListener('click', showConsent);
  replace($('capture'),
    h('h2', { class: 'md-capture-title' }, 'Live capture'),
    h('p', { class: 'md-capture-help' },
      `Reproduce the failure once and read its exact cause from ${ctx.host}'s debug log.`),
    note ? h('p', { class: 'md-capture-note', 'data-testid': 'capture-note', role: 'status' }, note) : null,
    button);
  setState('offered');
}

function showConsent() {
  const confirm = h('button', { type: 'button', class: 'md-button md-button-brand', 'data-testid': 'capture-confirm' },
    'Turn on debug logs and capture');
  const decline = h('button', { type: 'button', class: 'md-button', 'data-testid': 'capture-decline' }, 'Cancel');
  confirm.addEventListener('click', startCapture);
  decline.addEventListener('click', () => showOffer('Cancelled: nothing was written to the org.'));
  const guest = deploymentsOf(ctx.page).length
    ? ` and on the guest user of the site of the deployment ${deploymentsOf(ctx.page).join(', ')} (if it has one)`
    : '';
  replace($('capture'),
    h('h2', { class: 'md-capture-title' }, 'Live capture'),
    h('div', { class: 'md-consent', role: 'group', 'aria-label': 'What the capture writes to the org', 'data-testid': 'capture-consent' },
      h('p', {}, h('strong', {}, 'This writes to your org '), `(${ctx.host}) — the only Messaging Doctor feature that does. If you continue, it will:`),
      h('ul', {},
        h('li', {}, 'create a debug level named MessagingDoctor_<time> (Apex code FINEST, Validation INFO, Workflow FINER, Database INFO, System DEBUG, everything else off);'),
        h('li', {}, `turn on a trace flag with that level on the Automated Process user${guest}, for at most 30 minutes. If a trace flag is already on for that user, it is switched to this level and extended instead, and put back as it was afterwards;`),
        h('li', {}, 'read the new debug logs of those users while you start a chat in the customer tab;'),
        h('li', {}, 'delete the trace flag and the debug level when the capture ends, fails, is cancelled, or this window is closed. The debug logs themselves stay in the org (Setup › Debug Logs);'),
        h('li', {}, 'first delete what an earlier Messaging Doctor capture may have left: debug levels named MessagingDoctor_<time> older than 32 minutes, and the trace flags that use them. Nothing else is touched.')),
      h('p', {}, 'It makes at most 60 API calls in all (polling slows down after the first minutes).'),
      h('p', {}, 'It uses your Salesforce session in this browser, as the org checks do.'),
      h('div', { class: 'md-consent-actions' }, confirm, decline)));
  setState('consent');
  confirm.focus();
}

function startCapture() {
  const progress = h('p', { class: 'md-status md-capture-progress', role: 'status', 'aria-live': 'polite', 'data-testid': 'capture-progress' },
    h('span', { class: 'md-spinner', 'aria-hidden': 'true' }), ' Starting the capture…');
  const cancel = h('button', { type: 'button', class: 'md-button', 'data-testid': 'capture-cancel' }, 'Cancel capture');
  const chat = h('div', { class: 'md-capture-chat', 'data-testid': 'capture-chat' });
  const results = h('ol', { class: 'md-findings md-capture-results', 'data-testid': 'capture-results', 'aria-label': 'What the capture found' });
  const calls = h('p', { class: 'md-capture-note', 'data-testid': 'capture-calls' });
  replace($('capture'), h('h2', { class: 'md-capture-title' }, 'Live capture'), progress, calls, chat, h('div', { class: 'md-consent-actions' }, cancel), results);
  chat.hidden = true;
  setState('running');

  const port = api.runtime.connect({ name: PORT_NAME });
  cap = { port, done: false, timer: null, progress, calls, cancel, chat, results, shown: new Set() };
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    try { port.postMessage({ type: 'cancel' }); } catch { /* disconnected */ }
  });
  port.onMessage.addListener(onMessage);
  port.onDisconnect.addListener(() => {
    if (cap && cap.port === port && !cap.done) recoverAfterLoss();
  });
  port.postMessage({
    type: 'start',
    host: ctx.host,
    orgId: ctx.orgId ?? null,
    storeId: ctx.storeId ?? null,
    deployments: deploymentsOf(ctx.page),
  });
  cap.timer = setInterval(() => {
    try { port.postMessage({ type: 'tick' }); } catch { /* disconnected */ }
  }, TICK_MS);
}

/**
 * The background stopped mid-capture (a Chromium service worker can be stopped): connecting
 * again starts a new instance, which cleans up from the state the old one stored; show how
 * that ended.
 */
function recoverAfterLoss() {
  clearInterval(cap.timer);
  cap.cancel.disabled = true;
  cap.chat.hidden = true;
  setProgress('The extension\'s background stopped during the capture. Removing what the capture created…', true);
  setState('recovering');
  let port;
  try {
    port = api.runtime.connect({ name: PORT_NAME });
  } catch {
    finish('The capture stopped. The trace flag expires by itself within 30 minutes; check Setup › Debug Logs.');
    setState('error');
    return;
  }
  cap.port = port;
  port.onMessage.addListener((msg) => {
    if (msg && msg.type === 'pending') {
      showPending(Array.isArray(msg.items) ? msg.items : []);
    } else if (msg && msg.type === 'recovered') {
      finish('The capture stopped; nothing was left to remove.');
      setState('done');
    } else {
      onMessage(msg);
    }
  });
  port.onDisconnect.addListener(() => {
    if (cap && cap.port === port && !cap.done) {
      finish('The capture stopped and the clean-up could not be confirmed. The trace flag expires by itself within 30 minutes; check Setup › Debug Logs.');
      setState('error');
    }
  });
  port.postMessage({ type: 'recover' });
}

function setProgress(text, spinning) {
  replace(cap.progress, spinning ? h('span', { class: 'md-spinner', 'aria-hidden': 'true' }) : null, spinning ? ` ${text}` : text);
}

function showResult(f, testid) {
  if (!f || cap.shown.has(testid)) return;
  cap.shown.add(testid);
  const li = ctx.renderFinding(f);
  li.setAttribute('data-testid', testid);
  cap.results.append(li);
}

/** Marks the org check's finding the capture confirms. */
function markConfirmed(code) {
  if (!code) return;
  for (const li of document.querySelectorAll('#findings [data-testid=finding]')) {
    if (li.dataset.code !== code || li.querySelector('[data-testid=confirmed-by-capture]')) continue;
    li.append(h('p', { class: 'md-confirmed', 'data-testid': 'confirmed-by-capture' }, 'Confirmed by the live capture below.'));
  }
}

function onMessage(msg) {
  if (!cap || !msg || typeof msg !== 'object') return;
  if (msg.type === 'error') {
    setProgress(`The capture reported a problem: ${msg.message}`, false);
    if (!cap.started) {
      finish(null);
      setState('error');
    }
    return;
  }
  if (msg.type !== 'step') return;
  cap.started = true;
  setProgress(msg.progress, !msg.done && !msg.waiting);
  // The test-chat offer appears once the trace flags are on and stays (with its status) while
  // the polls run; it goes when the clean-up starts.
  if (msg.waiting && !cap.chatShown) showTestChat(msg);
  if (msg.cleaning || msg.done) cap.chat.hidden = true;
  if (msg.waiting) setState('waiting');
  else if (!msg.done) setState('running');
  if (msg.cleaning) {
    cap.cancel.disabled = true;
  }
  if (msg.finding) {
    showResult(msg.finding, 'capture-finding');
    markConfirmed(msg.staticCode);
  }
  if (typeof msg.apiCalls === 'number') {
    cap.calls.textContent = `API calls so far: ${msg.apiCalls} (a capture uses at most 60).`;
  }
  if (msg.cleanup) showResult(msg.cleanup, 'capture-cleanup');
  if (msg.done && msg.cleanupPending) {
    cap.results.after(h('p', { class: 'md-capture-note', 'data-testid': 'capture-cleanup-pending', role: 'status' },
      'Messaging Doctor keeps this capture on record and finishes the clean-up when you log in to the org again, open Messaging Doctor or start another capture.'));
  }
  if (msg.done) {
    finish(null);
    setState('done');
  }
}

function finish(text) {
  clearInterval(cap.timer);
  cap.done = true;
  if (text) setProgress(text, false);
  const again = h('button', { type: 'button', class: 'md-button', 'data-testid': 'capture-again' }, 'Capture again');
  again.addEventListener('click', () => {
    cap = null;
    showConsent();
  });
  cap.cancel.replaceWith(again);
  try { cap.port.disconnect(); } catch { /* already */ }
}

function showTestChat(msg) {
  const who = msg.users.map((u) => u.name).join(' and ');
  const button = h('button', { type: 'button', class: 'md-button', 'data-testid': 'capture-test-chat' }, 'Start a test chat for me');
  const status = h('p', { class: 'md-capture-note', 'data-testid': 'capture-test-chat-status', role: 'status' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    // The chat starts now: the background polls fast again for a while.
    try { cap.port.postMessage({ type: 'nudge' }); } catch { /* disconnected */ }
    status.textContent = 'Starting a chat in the customer tab…';
    status.textContent = await startTestChat(ctx.tab.id);
  });
  cap.chatShown = true;
  const inTab = new URLSearchParams(location.search).has('tab');
  replace(cap.chat,
    h('p', {}, `Debug logs of ${who} are on. Start a chat in the customer tab now, as a customer would, and send a message.`),
    inTab ? null : h('p', { class: 'md-capture-note', 'data-testid': 'capture-popup-note' },
      'Closing this popup cancels the capture (what it created is removed). Clicking into the customer tab closes the popup: ' +
      'to chat there by hand, cancel, click "Open in a tab" and capture from the tab — or use the button below.'),
    h('p', { class: 'md-capture-help' },
      'Or let Messaging Doctor start it: this runs the chat widget\'s public API in the customer tab ' +
      '(embeddedservice_bootstrap.utilAPI.launchChat(), then sendTextMessage with one message, ' +
      `"${TEST_MESSAGE}"). It creates a real conversation in your org, as a customer's chat would.`),
    button, status);
  cap.chat.hidden = false;
}

/** Runs in the customer's page (main world): the widget's public API, nothing else. */
async function launchInPage(message) {
  const b = window.embeddedservice_bootstrap;
  const util = b && b.utilAPI;
  if (!util || typeof util.launchChat !== 'function') return { api: false };
  const started = new Promise((resolve) => {
    window.addEventListener('onEmbeddedMessagingConversationStarted', () => resolve(true), { once: true });
    window.addEventListener('onEmbeddedMessagingInitError', () => resolve(false), { once: true });
    setTimeout(() => resolve(false), 15000);
  });
  try {
    await util.launchChat();
  } catch (e) {
    return { api: true, started: false, error: String(e && e.message ? e.message : e) };
  }
  const ok = await started;
  let sent = null;
  if (ok && typeof util.sendTextMessage === 'function') {
    try {
      const r = await util.sendTextMessage(message);
      sent = r && typeof r.status === 'string' ? r.status : 'sent';
    } catch (e) {
      sent = `failed (${e && e.message ? e.message : e})`;
    }
  }
  return { api: true, started: ok, sent };
}

async function startTestChat(tabId) {
  try {
    const [res] = await api.scripting.executeScript({ target: { tabId }, world: 'MAIN', func: launchInPage, args: [TEST_MESSAGE] });
    if (res && res.error) throw new Error(String(res.error.message ?? res.error));
    const r = res && res.result;
    if (!r || !r.api) {
      return 'The customer tab has no chat widget API (embeddedservice_bootstrap.utilAPI is missing: the widget did not reach Ready). Start the chat there by hand.';
    }
    if (!r.started) {
      return `The widget did not start a new conversation${r.error ? ` (${r.error})` : ''}. If a conversation is already open there, reload the customer tab and try again.`;
    }
    return r.sent
      ? `Started a chat and sent "${TEST_MESSAGE}": the widget says ${r.sent}. Waiting for its debug log…`
      : 'Started a chat. Send a message in the customer tab if the widget asks for one.';
  } catch (e) {
    return `Could not start a chat in the customer tab: ${e && e.message ? e.message : e}. Start it there by hand.`;
  }
}
