// "Watch this site": the popup's side of watch mode.
//
// A late scan sees only what the page kept: the browser's first 250 requests, no CSP reports in
// Firefox, none of the widget's events or console messages. Watch mode records all of it from
// the page's first request, on the one site the admin chose and nowhere else:
//   1. in the click's user gesture, ask the browser for access to that site (the optional host
//      permission `<scheme>://<host>/*`; the browser shows its own prompt);
//   2. register two content scripts at document_start for it (content/watch.js in the isolated
//      world, content/watch-main.js in the page's world for the loader's console messages);
//   3. reload the tab; popup.js re-scans once the page has loaded.
// "Stop watching" unregisters both scripts and gives the site access back. The registration is
// the state (it survives browser restarts); storage.local keeps only when watching started.
import { h, replace } from './dom.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const PREFIX = 'md-watch|';

/** The site of a tab URL as a match pattern (any port: match patterns carry none), or null. */
export function sitePattern(url) {
  let u;
  try {
    u = new URL(url);
  } catch (e) {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  return `${u.protocol}//${u.hostname}/*`;
}

const ids = (pattern) => ({ isolated: `${PREFIX}isolated|${pattern}`, main: `${PREFIX}main|${pattern}` });
const siteOf = (pattern) => pattern.replace(/\/\*$/, '');

/** The sites watched now: [{pattern, console: bool}]. */
export async function watchedSites() {
  const all = await api.scripting.getRegisteredContentScripts();
  const out = [];
  for (const s of all) {
    if (!s.id.startsWith(`${PREFIX}isolated|`)) continue;
    const pattern = s.id.slice(`${PREFIX}isolated|`.length);
    out.push({ pattern, console: all.some((m) => m.id === ids(pattern).main) });
  }
  return out;
}

async function since(pattern) {
  const key = `watch:${pattern}`;
  const got = await api.storage.local.get(key);
  return typeof got[key] === 'number' ? new Date(got[key]) : null;
}

/** Registers the recorder for `pattern`; returns whether the console part could be registered. */
async function register(pattern) {
  const id = ids(pattern);
  const common = { matches: [pattern], runAt: 'document_start', allFrames: false, persistAcrossSessions: true };
  await unregister(pattern);
  await api.scripting.registerContentScripts([{ ...common, id: id.isolated, js: ['/content/watch.js'] }]);
  let consoleRecorded = true;
  try {
    await api.scripting.registerContentScripts([{ ...common, id: id.main, js: ['/content/watch-main.js'], world: 'MAIN' }]);
  } catch (e) {
    consoleRecorded = false; // a browser without page-world registration: the rest is still recorded
  }
  await api.storage.local.set({ [`watch:${pattern}`]: Date.now() });
  return consoleRecorded;
}

async function unregister(pattern) {
  const id = ids(pattern);
  const present = new Set((await api.scripting.getRegisteredContentScripts()).map((s) => s.id));
  const gone = [id.isolated, id.main].filter((x) => present.has(x));
  if (gone.length) await api.scripting.unregisterContentScripts({ ids: gone });
  await api.storage.local.remove(`watch:${pattern}`);
}

/** Stops watching `pattern` and gives the site access back (kept when the manifest requires it). */
async function stop(pattern) {
  await unregister(pattern);
  try {
    await api.permissions.remove({ origins: [pattern] });
  } catch (e) {
    // Chromium refuses to remove a permission the manifest requires: nothing to give back.
  }
}

/**
 * Shows the watch section for the tab. `ctx` = {tab, recorded (the last scan read a watch
 * record), onReload (reloads the tab and re-scans)}. Never throws.
 */
export async function offerWatch(ctx) {
  const box = $('watch');
  if (!box) return;
  const pattern = ctx.tab?.url ? sitePattern(ctx.tab.url) : null;
  if (!pattern) {
    box.hidden = true;
    replace(box);
    return;
  }
  try {
    await render(box, pattern, ctx);
  } catch (e) {
    box.hidden = false;
    replace(box, h('p', { class: 'md-capture-note' }, `Watch mode is not available here: ${e.message ?? e}`));
  }
}

async function render(box, pattern, ctx, note) {
  let sites = await watchedSites();
  // Access to a watched site removed in the browser's settings: the recorder can no longer run.
  const lost = [];
  for (const s of sites) {
    if (!(await api.permissions.contains({ origins: [s.pattern] }))) lost.push(s.pattern);
  }
  for (const p of lost) await unregister(p);
  sites = sites.filter((s) => !lost.includes(s.pattern));
  const here = sites.find((s) => s.pattern === pattern);
  const site = siteOf(pattern);
  box.hidden = false;
  document.body.dataset.watch = here ? (ctx.recorded ? 'recorded' : 'watching') : 'off';
  const parts = [h('h2', { class: 'md-capture-title' }, 'Watch mode')];
  if (note) parts.push(h('p', { class: 'md-capture-note', 'data-testid': 'watch-note' }, note));
  if (!here) {
    // The explanation waits behind its summary: the question is the one line most admins need.
    parts.push(h('details', { class: 'md-capture-help' },
      h('summary', {}, 'Did the chat stall before you opened Messaging Doctor?'),
      `Watch mode records the chat's start-up on ${site} ` +
      'from the page\'s first request: every request, Content-Security-Policy blocks, the widget\'s events and the ' +
      'chat loader\'s console messages. It runs only on this site, only until you stop it, and keeps nothing ' +
      'after the page closes. Your browser will ask you to allow access to this site.'));
    const start = h('button', { type: 'button', class: 'md-button md-button-brand', 'data-testid': 'watch-start' }, 'Watch this site and reload');
    start.addEventListener('click', () => {
      // First, inside the click: the browser only shows its prompt during a user gesture.
      const asked = api.permissions.request({ origins: [pattern] });
      start.disabled = true;
      asked.then(async (granted) => {
        if (!granted) {
          await render(box, pattern, ctx, `Watch mode needs access to ${site}; it was not granted, so nothing changed.`);
          return;
        }
        const consoleRecorded = await register(pattern);
        await render(box, pattern, { ...ctx, recorded: false },
          consoleRecorded ? null : 'This browser cannot record the chat loader\'s console messages; everything else is recorded.');
        ctx.onReload();
      }).catch(async (e) => {
        await render(box, pattern, ctx, `Watch mode could not start: ${e.message ?? e}`);
      });
    });
    parts.push(h('div', { class: 'md-consent-actions' }, start));
  } else {
    const when = await since(pattern);
    const started = when ? ` since ${when.toLocaleString()}` : '';
    parts.push(h('p', { class: 'md-capture-help', 'data-testid': 'watch-status' }, ctx.recorded
      ? `Watching ${site}${started}. This page was recorded from its first request.`
      : `Watching ${site}${started}, but this page was opened before recording started. Reload it to record the chat's start-up.`));
    const reload = h('button', { type: 'button', class: 'md-button md-button-brand', 'data-testid': 'watch-reload' },
      ctx.recorded ? 'Reload and record again' : 'Reload and record');
    reload.addEventListener('click', () => ctx.onReload());
    const stopButton = h('button', { type: 'button', class: 'md-button', 'data-testid': 'watch-stop' }, 'Stop watching');
    stopButton.addEventListener('click', async () => {
      stopButton.disabled = true;
      await stop(pattern);
      await render(box, pattern, { ...ctx, recorded: false },
        `Stopped watching ${site}. Messaging Doctor no longer runs on its pages and gave its access back.`);
    });
    parts.push(h('div', { class: 'md-consent-actions' }, reload, stopButton));
  }
  const others = sites.filter((s) => s.pattern !== pattern);
  if (others.length) {
    parts.push(h('p', { class: 'md-capture-note' }, 'Also watching:'), h('ul', { class: 'md-watch-list' }, others.map((s) => {
      const b = h('button', { type: 'button', class: 'md-button', 'data-testid': 'watch-stop-other' }, 'Stop');
      b.addEventListener('click', async () => {
        b.disabled = true;
        await stop(s.pattern);
        await render(box, pattern, ctx, `Stopped watching ${siteOf(s.pattern)}.`);
      });
      return h('li', {}, `${siteOf(s.pattern)} `, b);
    })));
  }
  replace(box, parts);
}
