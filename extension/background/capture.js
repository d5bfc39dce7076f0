// Live capture, owned by the background so it can always clean up.
//
// The popup connects a port named 'md/capture' and sends {type:'start', host, orgId, storeId,
// deployments} (never the token), then {type:'tick'} every ~1.5 s while it is open (that keeps
// a Chromium service worker awake; the core decides when a poll is due and backs off),
// {type:'nudge'} when the admin starts a test chat (poll fast again), {type:'cancel'} when the
// admin cancels, and {type:'status'} to hear about clean-ups that could not finish. The Rust
// core (the popup's Wasm module, loaded here too) plans every request and reads every answer
// (src/capture/plan.rs); this file only sends them, with the `sid` read from the cookie store
// right before each step (org.js's rules: API host only, never stored, never in a message).
//
// One capture at a time, decided synchronously when the start message arrives (two windows
// confirming at once must not both write). Each capture's state (ids and names of what it
// wrote; no token) is kept in storage.local — which, unlike storage.session, survives a browser
// restart or crash — before each step's requests go out, and removed once its clean-up is
// confirmed. A capture whose clean-up could not finish (session expired, org refused, answer
// lost) stays on record and is retried at every capture start and every new `sid` cookie of its
// org (the admin logged in again), and at background starts and popup openings once its pause
// is over: the pause grows with each failed retry (1, 4, 16, 64 min … at most 6 h), so an org
// that keeps refusing (a permission taken away) is not asked again at every popup opening. The
// popup names what is left meanwhile. The trace flag's short expiry (≤ 30 min) is only the
// backstop.
import init, { captureBegin, captureStep } from '../popup/pkg/md_popup.js';
import { API_HOST, send, tokenFor } from '../popup/org.js';

const api = globalThis.browser ?? globalThis.chrome;
export const PORT_NAME = 'md/capture';
/** storage.local: {[debugLevelName]: {state, host, storeId, pending, tries, retryAfterMs}} */
const KEY = 'md.captures';
/** Where earlier versions kept the one running capture (storage.session). */
const OLD_KEY = 'md.capture';

/** The pause before the next unforced retry after `tries` failed clean-ups. */
const FIRST_PAUSE_MS = 60_000;
const MAX_PAUSE_MS = 6 * 3600_000;
const pauseAfter = (tries) => Math.min(FIRST_PAUSE_MS * 4 ** Math.max(0, tries - 1), MAX_PAUSE_MS);

let coreReady = null;
const loadCore = () => (coreReady ??= init());

/** The one capture an admin started: {port, host, storeId, step, busy, cancel, tick, nudge}. */
let run = null;
/** The clean-up of stored captures, while it runs. */
let recovering = null;

const post = (r, msg) => {
  if (!r.port) return;
  try {
    r.port.postMessage(msg);
  } catch {
    r.port = null; // the popup went away
  }
};

/** What the popup needs from a step (the core's state stays here). */
const view = (step) => ({
  type: 'step',
  phase: step.phase,
  progress: step.progress,
  waiting: step.waiting,
  cleaning: step.cleaning,
  done: step.done,
  finding: step.finding,
  staticCode: step.staticCode,
  cleanup: step.cleanup,
  cleanupPending: step.cleanupPending,
  apiCalls: step.apiCalls,
  users: step.state.users.map((u) => ({ name: u.name, role: u.role, site: u.site })),
  expiresMs: step.state.expiresMs,
  debugLevelName: step.state.debugLevelName,
});

// storage.local is read-modify-written from several tasks: one change at a time.
let storeQueue = Promise.resolve();
function change(fn) {
  const next = storeQueue.then(async () => {
    const got = await api.storage.local.get(KEY);
    const all = (got && got[KEY]) || {};
    fn(all);
    await api.storage.local.set({ [KEY]: all });
  });
  storeQueue = next.catch(() => {});
  return next;
}

async function stored() {
  await storeQueue;
  const got = await api.storage.local.get(KEY);
  return (got && got[KEY]) || {};
}

/** The stored record of a capture (never the token); `pending` adds the retry schedule. */
const record = ({ state, host, storeId }, pending = null) => ({
  state, host, storeId: storeId ?? null, pending: Boolean(pending), ...(pending ?? {}),
});

const save = (r) => change((all) => {
  all[r.step.state.debugLevelName] = record({ ...r, state: r.step.state });
});

/** Done: forget the capture, unless its clean-up could not finish (then it stays on record). */
const settle = (r) => change((all) => {
  const name = r.step.state.debugLevelName;
  if (r.step.cleanupPending) {
    const tries = (r.tries ?? 0) + 1;
    all[name] = record({ ...r, state: r.step.state }, { tries, retryAfterMs: Date.now() + pauseAfter(tries) });
  } else {
    delete all[name];
  }
});

/** Sends one step's requests (in parallel) with a freshly read token. */
async function sendAll(r, requests) {
  const token = await tokenFor(r.host, r.storeId);
  if (!token) {
    const body = '[{"errorCode":"INVALID_SESSION_ID","message":"The session cookie is gone (logged out?)"}]';
    return requests.map((request) => ({ request, status: 401, body }));
  }
  return Promise.all(requests.map((q) => send(r.host, token, q)));
}

/**
 * Drives the core until it waits for the admin, or is done. One pump at a time per run; events
 * that arrive meanwhile (tick, nudge, cancel) are picked up by the running pump.
 */
async function pump(r) {
  if (r.busy || !r.step) return;
  r.busy = true;
  try {
    for (;;) {
      let step = r.step;
      if (r.cancel && !step.cleaning && !step.done) {
        const reason = r.cancel;
        r.cancel = null;
        step = r.step = captureStep(step.state, { kind: 'cancel', nowMs: Date.now(), reason });
        post(r, view(step));
      }
      if (step.requests.length) {
        await save(r);
        const exchanges = await sendAll(r, step.requests);
        r.step = captureStep(step.state, { kind: 'answers', exchanges, nowMs: Date.now() });
        post(r, view(r.step));
        continue;
      }
      if (step.done) {
        await settle(r);
        post(r, view(step));
        if (run === r) run = null;
        return;
      }
      if (step.waiting && r.nudge) {
        r.nudge = false;
        r.step = captureStep(step.state, { kind: 'nudge', nowMs: Date.now() });
        continue;
      }
      if (step.waiting && r.tick) {
        // The core decides whether a poll is due (it backs off over the window).
        r.tick = false;
        r.step = captureStep(step.state, { kind: 'tick', nowMs: Date.now() });
        continue;
      }
      return;
    }
  } catch (e) {
    // The core refused a value or the browser API failed: clean up from the stored state.
    post(r, { type: 'error', message: String(e && e.message ? e.message : e) });
    if (!r.failed && r.step) {
      r.failed = true;
      try {
        r.step = captureStep(r.step.state, { kind: 'recover', nowMs: Date.now(), reason: 'The capture stopped on an unexpected error' });
        r.busy = false;
        return await pump(r);
      } catch { /* it stays on record; the next start retries */ }
    }
    if (run === r) run = null;
  } finally {
    r.busy = false;
  }
}

function validStart(msg) {
  return typeof msg.host === 'string' && API_HOST.test(msg.host) &&
    (msg.storeId === undefined || msg.storeId === null || typeof msg.storeId === 'string') &&
    (msg.orgId === undefined || msg.orgId === null || typeof msg.orgId === 'string') &&
    Array.isArray(msg.deployments ?? []) && (msg.deployments ?? []).every((d) => typeof d === 'string');
}

const newRun = (port, host, storeId, tries = 0) => ({ port, host, storeId: storeId ?? undefined, step: null, busy: false, cancel: null, tick: false, nudge: false, tries });

/** Not async: whether this start may run is decided before anything is awaited. */
function start(port, msg) {
  if (!validStart(msg)) {
    port.postMessage({ type: 'error', message: 'The capture request was not valid.' });
    return;
  }
  if (run) {
    port.postMessage({ type: 'error', message: 'Another capture is running (in another Messaging Doctor window). Cancel it there first.' });
    return;
  }
  const r = newRun(port, msg.host.toLowerCase(), msg.storeId);
  run = r;
  (async () => {
    // First what earlier captures left (their clean-up is retried with the token read now,
    // paused or not: this capture is about to write to the org anyway).
    await recoverStored({ force: true });
    await loadCore();
    r.step = captureBegin({ apiHost: r.host, orgId: msg.orgId ?? null, deployments: msg.deployments ?? [], nowMs: Date.now() });
    post(r, view(r.step));
    await pump(r);
  })().catch((e) => {
    if (run === r && !r.step) run = null;
    post(r, { type: 'error', message: String(e && e.message ? e.message : e) });
  });
}

/** What the popup shows about captures whose clean-up has not finished. */
async function pendingView() {
  const all = await stored();
  const running = run && run.step ? run.step.state.debugLevelName : null;
  return Object.entries(all)
    .filter(([name, rec]) => rec && rec.pending && name !== running)
    .map(([name, rec]) => ({ host: rec.host, debugLevelName: name, cleanup: rec.state && rec.state.cleanup, retryAfterMs: rec.retryAfterMs ?? null }));
}

/** Wires a popup's port. Only the extension's own pages may drive a capture. */
export function onConnect(port) {
  if (port.name !== PORT_NAME) return;
  const sender = port.sender ?? {};
  if (sender.id !== api.runtime.id || (sender.url && !sender.url.startsWith(api.runtime.getURL('')))) {
    port.disconnect();
    return;
  }
  port.onMessage.addListener((msg) => {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'start') {
      start(port, msg);
    } else if (msg.type === 'recover' || msg.type === 'status') {
      // 'recover': a popup whose capture lost its background (this connection started a new
      // instance, which cleans up what the old one stored). 'status': a popup opening. Both
      // retry the stored clean-ups, then hear how they ended.
      recoverStored().then(async (steps) => {
        const pending = await pendingView();
        try {
          if (msg.type === 'recover') {
            const last = steps.length ? steps[steps.length - 1] : null;
            port.postMessage(last ? view(last) : { type: 'recovered', nothing: true });
          }
          port.postMessage({ type: 'pending', items: pending });
        } catch { /* the popup went away */ }
      });
    } else if (run && run.port === port) {
      if (msg.type === 'tick') run.tick = true;
      if (msg.type === 'nudge') run.nudge = true;
      if (msg.type === 'cancel') run.cancel = 'You cancelled the capture';
      pump(run);
    }
  });
  port.onDisconnect.addListener(() => {
    if (run && run.port === port) {
      run.port = null;
      run.cancel = 'The Messaging Doctor window was closed during the capture';
      pump(run);
    }
  });
}

/**
 * Cleans up every capture on record except the running one: one an earlier background
 * instance left mid-capture (the service worker was stopped, the browser closed or crashed),
 * and one whose clean-up could not finish. Resolves with their last steps. A clean-up that
 * failed before waits out its pause unless `force` (a capture start, a new login).
 */
export function recoverStored({ force = false } = {}) {
  if (recovering) return force ? recovering.then(() => recoverStored({ force })) : recovering;
  recovering = (async () => {
    await migrateOld();
    const all = await stored();
    const running = run && run.step ? run.step.state.debugLevelName : null;
    const out = [];
    for (const [name, rec] of Object.entries(all)) {
      if (name === running || !rec || !rec.state) continue;
      if (!API_HOST.test(rec.host ?? '')) {
        await change((a) => { delete a[name]; });
        continue;
      }
      if (rec.pending && !force && (rec.retryAfterMs ?? 0) > Date.now()) continue;
      // Without a session for that org there is nothing to try yet (it stays on record).
      if (!(await tokenFor(rec.host, rec.storeId ?? undefined))) continue;
      await loadCore();
      const r = newRun(null, rec.host, rec.storeId, rec.tries ?? 0);
      r.step = captureStep(rec.state, { kind: 'recover', nowMs: Date.now(), reason: 'The extension\'s background stopped during the capture' });
      await pump(r);
      out.push(r.step);
    }
    return out;
  })().catch(() => [] /* stays on record; retried at the next trigger */).finally(() => { recovering = null; });
  return recovering;
}

/** A capture an earlier version kept in storage.session moves to storage.local. */
async function migrateOld() {
  if (!api.storage.session) return;
  const got = await api.storage.session.get(OLD_KEY);
  const old = got && got[OLD_KEY];
  if (old && old.state && old.state.debugLevelName) {
    await change((all) => { all[old.state.debugLevelName] = record(old); });
  }
  if (old) await api.storage.session.remove(OLD_KEY);
}

let listening = false;
/**
 * At every background start: clean up what is on record, and again after each new login.
 * Called synchronously at the background's top level: the listeners registered here are what
 * make the browser start the background at all after a browser restart (onStartup) or an
 * extension update/reload (onInstalled), so that a capture the browser interrupted is cleaned
 * up without waiting for the admin to open the popup.
 */
export function recoverOrphan() {
  if (!listening) {
    listening = true;
    api.runtime.onStartup?.addListener(() => { recoverStored(); });
    api.runtime.onInstalled?.addListener(() => { recoverStored(); });
  }
  if (api.cookies && api.cookies.onChanged && !listening.cookies) {
    listening = { cookies: true };
    api.cookies.onChanged.addListener((c) => {
      if (c.removed || !c.cookie || c.cookie.name !== 'sid') return;
      const host = c.cookie.domain.replace(/^\./, '').toLowerCase();
      if (!API_HOST.test(host)) return;
      stored().then((all) => {
        if (Object.values(all).some((rec) => rec && rec.pending && rec.host === host)) recoverStored({ force: true });
      });
    });
  }
  return recoverStored();
}
