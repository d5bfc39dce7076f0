// The org checks' only contact with the admin's Salesforce session.
//
// Rules this file keeps (tests/static/extension-policy.test.mjs and the E2E network log check
// them): the `sid` cookie value is read here, in the extension's own page, right before the
// requests; it is sent only as an Authorization header to the chosen org's API host over
// HTTPS, to paths under /services/data/; it is never stored, logged, put in a message, or
// handed to a content script or page. What leaves this file towards the Rust core is the
// cookie's host and the org id its value starts with — never the token.
// The background's live capture (extension/background/capture.js) uses `tokenFor` and `send`
// from here, under the same rules: it reads the cookie itself, right before each step.

import { isApiHost } from './hosts.js';

const api = globalThis.browser ?? globalThis.chrome;

/**
 * Salesforce API host families whose `sid` can call the API (the core re-checks): hosts.js,
 * the same rules as src/salesforce.rs, tested against one shared table. Kept as an object with
 * `test` so its callers (here and background/capture.js) read it as before.
 */
export const API_HOST = Object.freeze({ test: isApiHost });

/** The cookie store of a tab (Firefox containers, Chromium incognito). */
export async function cookieStoreFor(tab) {
  if (tab.cookieStoreId) return tab.cookieStoreId;
  try {
    const stores = await api.cookies.getAllCookieStores();
    const s = stores.find((st) => st.tabIds.includes(tab.id));
    return s ? s.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The logged-in orgs in this store as `{host, orgId}`: the org id is the part of the cookie
 * value before `!` (15 characters), the rest of the value stays here.
 */
export async function listSessions(storeId) {
  const query = { name: 'sid' };
  if (storeId) query.storeId = storeId;
  const cookies = await api.cookies.getAll(query);
  const out = [];
  for (const c of cookies) {
    const host = c.domain.replace(/^\./, '').toLowerCase();
    if (!API_HOST.test(host) || !c.secure) continue;
    const orgId = c.value.split('!')[0].slice(0, 18);
    if (!/^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/.test(orgId)) continue;
    out.push({ host, orgId });
  }
  return out;
}

/** Reads the token for `host` just before use. Returns null when the cookie is gone. */
export async function tokenFor(host, storeId) {
  const query = { url: `https://${host}/`, name: 'sid' };
  if (storeId) query.storeId = storeId;
  const c = await api.cookies.get(query);
  return c ? c.value : null;
}

const TIMEOUT_MS = 30000;

/**
 * A request that changes nothing in the org: a GET, or a composite whose every subrequest is a
 * GET (the query composites of the org checks and the capture). Anything else is a write.
 */
export function readOnly(req) {
  if (req.method === 'GET') return true;
  if (req.method !== 'POST' || !/\/composite$/.test(req.path)) return false;
  try {
    const subs = JSON.parse(req.body ?? '').compositeRequest;
    return Array.isArray(subs) && subs.length > 0 && subs.every((s) => s && s.method === 'GET');
  } catch {
    return false;
  }
}

/** One request to the org; never throws: failures come back as status 0 with a reason. */
export async function send(host, token, req) {
  if (!API_HOST.test(host) || !req.path.startsWith('/services/data/')) {
    return { request: req, status: 0, body: '', error: 'refused: not an API request for this org' };
  }
  const attempt = async () => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
    const started = performance.now();
    try {
      const res = await fetch(`https://${host}${req.path}`, {
        method: req.method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: req.accept ?? 'application/json',
          ...(req.body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: req.body ?? undefined,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        signal: ctrl.signal,
      });
      const body = await res.text();
      return { request: req, status: res.status, body, ms: Math.round(performance.now() - started) };
    } catch (e) {
      const error = e && e.name === 'AbortError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : `network error (${e && e.message ? e.message : e})`;
      return { request: req, status: 0, body: '', error, ms: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  };
  let ex = await attempt();
  // One retry for a lost connection or a busy server; never for 4xx, and never for a write: a
  // create whose answer was lost may have been applied, and a blind second try would either
  // make a second record or read "duplicate" as "nothing was created". The caller (the core)
  // finds a write with a lost answer again by name.
  if (readOnly(req) && (ex.status === 0 || ex.status === 502 || ex.status === 503)) {
    const again = await attempt();
    // Keep the org's own answer when the retry got none: Chromium holds back an extension's
    // repeated requests to a URL that just answered 503 (extension request throttling), and
    // that would turn "the org answered 503" into "the org did not answer".
    if (again.status !== 0 || ex.status === 0) ex = again;
  }
  return ex;
}

/**
 * Runs the org checks for `org` ({host, orgId}) with the core's plan: ask the core what to
 * request, send it, hand the answers back, until the core has all it asks for.
 * `onProgress(label)` is called before each round. Returns the exchanges.
 */
export async function runOrgChecks(core, org, storeId, page, onProgress) {
  const token = await tokenFor(org.host, storeId);
  if (!token) {
    // The cookie went away between listing and use (logout): the core explains a 401.
    return [{ request: core.orgPlan(page, [])[0], status: 401, body: '[{"errorCode":"INVALID_SESSION_ID","message":"The session cookie is gone (logged out?)"}]' }];
  }
  const exchanges = [];
  for (let round = 0; round < 8; round += 1) {
    const reqs = core.orgPlan(page, exchanges);
    if (!reqs.length) break;
    onProgress(reqs.map((r) => r.label).join(' · '));
    const results = await Promise.all(reqs.map((r) => send(org.host, token, r)));
    exchanges.push(...results);
  }
  return exchanges;
}
