// Helpers for the org checks E2E tests and the benchmark: the admin's login in the browser,
// the customer's part on the demo site, and functions that run in the popup document to read
// what it shows (findings with links, the checks list, the org choice) and whether any of it
// became live markup.
import { CHAT_SETTLED, START_AND_SEND } from './demo-site.mjs';

/** The API host of a simulated org (a `--` sandbox stem gets the .sandbox. form). */
export const API_HOST = (stem) => (stem.includes('--') ? `${stem}.sandbox.my.salesforce.com` : `${stem}.my.salesforce.com`);

/**
 * The admin logs into the org in this browser: /__sim/login sets the host-only `sid` on the
 * API host and lands on Setup (lightning host, its own UI `sid`). Returns the page title.
 */
export async function loginAdmin(driver, stem) {
  const page = await driver.openPage(`https://${API_HOST(stem)}/__sim/login`);
  try {
    return await page.evaluate(() => `${document.title} @ ${location.host}`);
  } finally {
    await page.close();
  }
}

/** The admin logs out (drops the session; the browser deletes the cookie). */
export async function logoutAdmin(driver, stem) {
  const page = await driver.openPage(`https://${API_HOST(stem)}/__sim/logout`);
  await page.close();
}

/** The API `sid` the browser holds for the org (read by the test, never by the page). */
export async function apiSid(driver, stem) {
  const all = await driver.cookies(API_HOST(stem));
  const c = all.find((k) => k.name === 'sid' && k.value);
  return c ? c.value : null;
}

/**
 * The customer's part on an open demo-site page: wait for the widget, and when it is ready,
 * open the chat and send a message. Returns {settled, started, status, failed}.
 */
export async function customerChats(page, orgId, { timeoutMs = 15000 } = {}) {
  const settled = await page.waitFor(CHAT_SETTLED, { timeoutMs }).catch(() => null);
  if (!settled || !settled.includes('onEmbeddedMessagingReady')) return { settled, started: false };
  const r = await page.evaluate(START_AND_SEND, orgId);
  return { settled, ...r };
}

/** In the popup: everything it shows, as data (null until data-state=done). */
export const READ_ALL = () => {
  if (document.body.dataset.state !== 'done') return null;
  const text = (el) => (el ? el.textContent : '');
  return {
    headline: text(document.getElementById('headline')),
    orgTarget: text(document.getElementById('org-target')),
    footer: text(document.getElementById('footer')),
    error: text(document.querySelector('[data-testid=error]')) || null,
    choices: [...document.querySelectorAll('[data-testid=choose-org]')].map((b) => b.textContent),
    checks: [...document.querySelectorAll('[data-check]')].map((li) => ({
      id: li.dataset.check,
      status: text(li.querySelector('.md-check')),
      text: li.textContent,
    })),
    findings: [...document.querySelectorAll('[data-testid=finding]')].map((li) => ({
      code: li.dataset.code,
      severity: li.dataset.severity,
      title: text(li.querySelector('h3')),
      message: text(li.querySelector('p')),
      why: text(li.querySelector('[data-testid=why-ranked]')),
      evidence: [...li.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`),
      fix: [...li.querySelectorAll('.md-fix li')].map((x) => x.textContent),
      links: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      text: li.textContent,
    })),
  };
};

/**
 * In the popup: markup that page or org strings could have smuggled in. Lists every element
 * that can run or load something, every inline handler attribute and every non-https link.
 */
export const LIVE_MARKUP = () => {
  const root = document.body;
  const bad = [];
  for (const el of root.querySelectorAll('img, script, iframe, object, embed, svg, math, style, link, form, input, video, audio, base, meta')) {
    bad.push(`<${el.tagName.toLowerCase()}> in ${el.parentElement?.id || el.parentElement?.tagName}`);
  }
  for (const el of root.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
      if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && !/^https:\/\//i.test(a.value)) {
        bad.push(`${el.tagName.toLowerCase()}[${a.name}=${a.value}]`);
      }
    }
  }
  return { bad, pwned: window.__pwned ?? null, text: root.textContent };
};

/** In the popup: clicks the choice button whose text contains `host`; false when none. */
export const CHOOSE_ORG = (host) => {
  const b = [...document.querySelectorAll('[data-testid=choose-org]')].find((x) => x.textContent.includes(host));
  if (!b) return false;
  b.click();
  return true;
};

/** In the popup: clicks Run again (the diagnosis restarts; data-state is cleared at once). */
export const RUN_AGAIN = () => {
  document.getElementById('rerun').click();
  return document.body.dataset.state ?? null;
};

/**
 * In the popup: resolves with performance.now() at the moment data-state becomes 'done'
 * (a MutationObserver, so no polling granularity), or at once when it already is.
 */
export const TIME_TO_DONE = () => new Promise((resolve) => {
  if (document.body.dataset.state === 'done') { resolve({ ms: performance.now(), late: true }); return; }
  const obs = new MutationObserver(() => {
    if (document.body.dataset.state === 'done') { obs.disconnect(); resolve({ ms: performance.now(), late: false }); }
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
});

/** Waits in node until the popup shows its result (READ_ALL non-null). */
export async function waitForAll(popup, { timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await popup.evaluate(READ_ALL);
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const shown = await popup.evaluate(() => document.body.innerText).catch(() => '?');
  throw new Error(`the popup did not finish within ${timeoutMs} ms; it shows:\n${shown}`);
}

/** True when the finding names `cause` in its title, message or evidence. */
export function mentions(f, cause) {
  return f.title.includes(cause) || f.message.includes(cause) || f.evidence.some((e) => e.includes(cause));
}

/** Findings as short lines, for assertion messages. */
export function describeFindings(shown) {
  return shown.findings.map((f, i) => `  ${i + 1}. [${f.severity}] ${f.code} — ${f.title}`).join('\n') +
    `\n  checks: ${shown.checks.map((c) => `${c.id}=${c.status}`).join(', ')}\n  org: ${shown.orgTarget}`;
}

/**
 * In the customer page: every place a script on the page could read a string from (DOM, both
 * storages, cookies, window globals one level deep) — to prove the token is not there.
 */
export const PAGE_STRINGS = () => {
  const parts = [document.documentElement.outerHTML, document.cookie];
  for (const st of [sessionStorage, localStorage]) {
    for (let i = 0; i < st.length; i++) parts.push(st.key(i), st.getItem(st.key(i)));
  }
  const seen = new Set();
  const dump = (v, depth) => {
    if (v === null || v === undefined) return;
    if (typeof v === 'string') { parts.push(v); return; }
    if (typeof v !== 'object' || depth > 2 || seen.has(v)) return;
    seen.add(v);
    let keys = [];
    try { keys = Object.keys(v); } catch { return; }
    for (const k of keys.slice(0, 500)) {
      let x;
      try { x = v[k]; } catch { continue; }
      if (typeof x === 'function' || (typeof Node !== 'undefined' && x instanceof Node)) continue;
      dump(x, depth + 1);
    }
  };
  for (const k of Object.getOwnPropertyNames(window)) {
    let v;
    try { v = window[k]; } catch { continue; }
    if (typeof v === 'string') parts.push(v);
    else if (v && typeof v === 'object' && !(v instanceof Node) && v !== window) dump(v, 0);
  }
  return parts.join('\n');
};

/**
 * Firefox only: records every HTTP request the browser makes (any tab, the popup, the
 * extension) in the parent process (`http-on-modify-request`), with its Authorization and
 * Cookie headers, until `read()` is called. The log lives in the test browser's chrome window.
 */
export async function firefoxNetLog(driver) {
  const session = driver.session;
  await session.chromeEval(`
    const win = Services.wm.getMostRecentWindow('navigator:browser');
    win.__mdNet = [];
    if (!win.__mdNetObs) {
      win.__mdNetObs = { observe(subject) {
        try {
          const ch = subject.QueryInterface(Ci.nsIHttpChannel);
          const header = (n) => { try { return ch.getRequestHeader(n); } catch { return null; } };
          const p = ch.loadInfo && ch.loadInfo.triggeringPrincipal;
          win.__mdNet.push({ url: ch.URI.spec, method: ch.requestMethod, auth: header('Authorization'),
            cookie: header('Cookie'), origin: p ? p.origin : '' });
        } catch (e) { /* not an HTTP channel */ }
      } };
      Services.obs.addObserver(win.__mdNetObs, 'http-on-modify-request');
    }`);
  return {
    read: () => session.chromeEval(`return Services.wm.getMostRecentWindow('navigator:browser').__mdNet.slice();`),
    stop: () => session.chromeEval(`
      const win = Services.wm.getMostRecentWindow('navigator:browser');
      if (win.__mdNetObs) { Services.obs.removeObserver(win.__mdNetObs, 'http-on-modify-request'); win.__mdNetObs = null; }`),
  };
}

/**
 * Markdown characters that would make markup if left unescaped: `<`, `>`, `[`, `]` outside a
 * backslash escape. Lines `Code: \`…\`` (the finding code, written by the product) are skipped.
 * Returns the offending lines.
 */
export function unescapedMarkdown(md) {
  const bad = [];
  for (let line of md.split('\n')) {
    if (/^Code: `[^`]*`$/.test(line)) continue;
    // A finding's link that passed the core's Salesforce-host check is an autolink <https://…>.
    const autolink = line.match(/^Where: .*: (<https:\/\/[^\s<>]+>)$/);
    if (autolink) line = line.slice(0, -autolink[1].length);
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '\\') { i++; continue; }
      if ('<>[]'.includes(line[i])) { bad.push(line); break; }
    }
  }
  return bad;
}
