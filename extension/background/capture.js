// Live capture, owned by the background so it can always clean up (issue #7).
//
// The popup connects a port named 'md/capture' and sends {type:'start', host, orgId, storeId,
// deployments} (never the token), then {type:'tick'} every ~1.5 s while it is open (that
// keeps a Chromium service worker awake and paces the ApexLog polls) and {type:'cancel'} when
// the admin cancels. The Rust core (the popup's Wasm module, loaded here too) plans every
// request and reads every answer (src/capture/plan.rs); this file only sends them, with the
// `sid` read from the cookie store right before each step (org.js's rules: API host only,
// never stored, never in a message).
//
// Clean-up runs when the capture has its answer, on cancel, on any error, and when the popup's
// port disconnects (popup closed). The core's state (ids of what was created; no token) is
// written to storage.session before each step's requests go out, so a service worker that was
// stopped mid-capture finds it at its next start and cleans up (`recoverOrphan`). The trace
// flag's short expiry (≤ 30 min) is only the backstop.
import init, { captureBegin, captureStep } from '../popup/pkg/md_popup.js';
import { API_HOST, send, tokenFor } from '../popup/org.js';

const api = globalThis.browser ?? globalThis.chrome;
export const PORT_NAME = 'md/capture';
const KEY = 'md.capture';
/** Polls at most this often, whatever the popup's ticks say. */
const POLL_EVERY_MS = 2500;

let coreReady = null;
const loadCore = () => (coreReady ??= init());

/** The one capture at a time: {port, host, storeId, step, busy, cancel, tick, lastPoll}. */
let run = null;
/** The clean-up of a capture left over by an earlier service worker, while it runs. */
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
  users: step.state.users.map((u) => ({ name: u.name, role: u.role, site: u.site })),
  expiresMs: step.state.expiresMs,
  debugLevelName: step.state.debugLevelName,
});

async function save(r) {
  await api.storage.session.set({ [KEY]: { state: r.step.state, host: r.host, storeId: r.storeId ?? null } });
}

async function forget() {
  await api.storage.session.remove(KEY);
}

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
 * that arrive meanwhile (tick, cancel) are picked up by the running pump.
 */
async function pump(r) {
  if (r.busy) return;
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
        await forget();
        post(r, view(step));
        if (run === r) run = null;
        return;
      }
      if (step.waiting && r.tick && Date.now() - r.lastPoll >= POLL_EVERY_MS) {
        r.tick = false;
        r.lastPoll = Date.now();
        r.step = captureStep(step.state, { kind: 'tick', nowMs: Date.now() });
        continue;
      }
      return;
    }
  } catch (e) {
    // The core refused a value or the browser API failed: clean up from the stored state.
    post(r, { type: 'error', message: String(e && e.message ? e.message : e) });
    if (!r.failed) {
      r.failed = true;
      try {
        r.step = captureStep(r.step.state, { kind: 'recover', nowMs: Date.now(), reason: 'The capture stopped on an unexpected error' });
        r.busy = false;
        return await pump(r);
      } catch { /* nothing more to do: the trace flag expires by itself */ }
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

async function start(port, msg) {
  if (!validStart(msg)) {
    port.postMessage({ type: 'error', message: 'The capture request was not valid.' });
    return;
  }
  if (recovering) await recovering;
  if (run) {
    port.postMessage({ type: 'error', message: 'Another capture is running (in another Messaging Doctor window). Cancel it there first.' });
    return;
  }
  await loadCore();
  const r = { port, host: msg.host.toLowerCase(), storeId: msg.storeId ?? undefined, step: null, busy: false, cancel: null, tick: false, lastPoll: 0 };
  run = r;
  try {
    r.step = captureBegin({ apiHost: r.host, orgId: msg.orgId ?? null, deployments: msg.deployments ?? [], nowMs: Date.now() });
  } catch (e) {
    run = null;
    port.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
    return;
  }
  post(r, view(r.step));
  await pump(r);
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
    } else if (msg.type === 'recover') {
      // A popup whose capture lost its background: this connection started a new instance,
      // which cleans up what the old one left (recoverOrphan); report how it ended.
      recoverOrphan().then((step) => {
        try {
          port.postMessage(step ? view(step) : { type: 'recovered', nothing: true });
        } catch { /* the popup went away */ }
      });
    } else if (run && run.port === port) {
      if (msg.type === 'tick') run.tick = true;
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

/** The last orphan clean-up's final step, for a popup that asks after it started. */
let recovered = null;

/**
 * At every start of the background: a capture stored by an earlier instance (stopped while
 * the capture ran) is cleaned up from its stored state, with the token read now. Resolves with
 * the clean-up's last step (null when there was nothing to clean up).
 */
export function recoverOrphan() {
  if (recovering) return recovering;
  recovering = (async () => {
    const got = await api.storage.session.get(KEY);
    const stored = got && got[KEY];
    if (!stored || run) return recovered;
    await loadCore();
    const r = { port: null, host: stored.host, storeId: stored.storeId ?? undefined, step: null, busy: false, cancel: null, tick: false, lastPoll: 0 };
    if (!API_HOST.test(r.host ?? '')) {
      await forget();
      return null;
    }
    run = r;
    r.step = captureStep(stored.state, { kind: 'recover', nowMs: Date.now(), reason: 'The extension\'s background stopped during the capture' });
    await pump(r);
    recovered = r.step;
    return recovered;
  })().catch(() => null /* the trace flag expires by itself */).finally(() => { recovering = null; });
  return recovering;
}
