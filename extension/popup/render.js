// How the diagnosis looks: the status header first, then one compact row per problem (badge,
// title, one line) that opens on click, Enter or Space, the likely cause already open; passed
// checks and notes grouped under "What was checked". Text only through dom.js. The core decides
// every word of the header (src/report/status.rs); this file only lays it out.
import { h, replace } from './dom.js';
import { isAllowedLink } from './hosts.js';

// A URL as written in page or org text (up to a space or a quote).
const URL_RE = /\bhttps?:\/\/[^\s"'<>]+/gi;
const LONG_URL = 56;

/**
 * A long URL as its authority (exactly as written, so a disguised `user@host` stays visible)
 * plus the end of its path; the whole value stays in the title and in copy/export.
 */
export function shortenUrl(u) {
  if (u.length <= LONG_URL) return u;
  const start = u.indexOf('//') + 2;
  const slash = u.indexOf('/', start);
  if (slash < 0) return `${u.slice(0, LONG_URL - 1)}…`;
  const authority = u.slice(0, slash);
  const tail = u.slice(-Math.max(16, LONG_URL - authority.length - 2));
  return authority.length + tail.length + 2 >= u.length ? u : `${authority}/…${tail}`;
}

/** `s` with every long URL in it shortened. */
export function shortText(s) {
  return String(s).replace(URL_RE, (u) => shortenUrl(u));
}

/** A small button that copies `value` and says so in the action status line. */
function copyButton(label, value, testid) {
  const b = h('button', { type: 'button', class: 'md-button md-button-small', 'data-testid': testid, title: value }, label);
  b.addEventListener('click', async () => {
    const status = document.getElementById('action-status');
    try {
      await navigator.clipboard.writeText(value);
      if (status) status.textContent = `Copied: ${value.length > 80 ? `${value.slice(0, 80)}…` : value}`;
    } catch (e) {
      if (status) status.textContent = `Could not copy: ${e.message ?? e}`;
    }
  });
  return b;
}

// Labels whose values an admin pastes elsewhere (Setup fields, allowlists, the snippet).
const COPYABLE = /host|origin|url|site|org id|deployment|allowlist|snippet|domain|address/i;

function renderEvidence(f, seen) {
  if (!f.evidence.length) return null;
  const rows = [];
  const repeated = new Map();
  for (const e of f.evidence) {
    const key = `${e.label}\u0000${e.value}\u0000${e.location ?? ''}`;
    const where = seen.get(key);
    if (where !== undefined && where !== f.title) {
      // Shown once: a later finding names where the line already is.
      repeated.set(where, (repeated.get(where) ?? 0) + 1);
      continue;
    }
    seen.set(key, f.title);
    const short = shortText(e.value);
    const copy = short !== e.value || COPYABLE.test(e.label);
    rows.push(h('dt', {}, e.label), h('dd', { title: short !== e.value ? e.value : null },
      short,
      e.location ? h('span', { class: 'md-where' }, ` — ${shortText(e.location)}`) : null,
      copy ? copyButton('Copy', e.value, 'copy-value') : null));
  }
  for (const [where, n] of repeated) {
    rows.push(h('dt', {}, 'Also'), h('dd', { class: 'md-where' }, `${n} line${n === 1 ? '' : 's'} listed under “${where}”`));
  }
  return h('details', { class: 'md-evidence' },
    h('summary', {}, `Evidence (${f.evidence.length})`),
    h('dl', {}, rows));
}

/** A fix step; a rule rewrite ("New formula: …") gets its own copy button. */
function renderStep(step) {
  const at = step.indexOf('New formula: ');
  return h('li', {}, step,
    at >= 0 ? h('span', { class: 'md-step-action' }, copyButton('Copy new formula', step.slice(at + 'New formula: '.length), 'copy-formula')) : null);
}

/**
 * The fix steps. When they are long (rule rewrites list several alternative formulas), the
 * first shows and the rest wait behind a button, so the first screen keeps the first step.
 */
function renderFix(fix) {
  if (!fix.length) return null;
  const items = fix.map(renderStep);
  const long = fix.length > 1 && fix.join('').length > 320;
  if (!long) return h('ol', { class: 'md-fix', 'aria-label': 'How to fix' }, items);
  const rest = items.slice(1);
  for (const li of rest) li.hidden = true;
  const id = `md-fix-${rowId += 1}`;
  const list = h('ol', { class: 'md-fix', id, 'aria-label': 'How to fix' }, items);
  const more = h('button', { type: 'button', class: 'md-button md-button-small md-more', 'aria-expanded': 'false', 'aria-controls': id, 'data-testid': 'more-steps' },
    `${rest.length} more step${rest.length === 1 ? '' : 's'}`);
  more.addEventListener('click', () => {
    const opening = rest[0].hidden;
    for (const li of rest) li.hidden = !opening;
    more.setAttribute('aria-expanded', String(opening));
    more.textContent = opening ? 'Fewer steps' : `${rest.length} more step${rest.length === 1 ? '' : 's'}`;
  });
  return [list, more];
}

/**
 * Where the fix is made: a link only to a Salesforce address (checked again in dom.js); a Setup
 * path becomes "Open in Setup" once the org's Lightning host is known, else it is named.
 */
function renderWhere(link, setupHost) {
  if (!link) return null;
  if (isAllowedLink(link.url)) {
    const setup = link.url.includes('/lightning/setup/');
    // "Open in Setup" names the page on hover: the row's title already says what is there.
    return h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer', class: 'md-where-link', 'data-testid': setup ? 'open-in-setup' : 'link', title: setup ? link.label : null },
      setup ? 'Open in Setup' : link.label);
  }
  if (link.url.startsWith('/') && !link.url.startsWith('//')) {
    const url = setupHost ? `https://${setupHost}${link.url}` : null;
    if (url && isAllowedLink(url)) {
      return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'md-where-link', 'data-testid': 'open-in-setup', title: link.label }, 'Open in Setup');
    }
    return h('span', { class: 'md-code' }, `In Setup: ${link.label}`);
  }
  return h('span', { class: 'md-code', 'data-testid': 'unlinked' }, `${link.label}: ${link.url} (not linked: not a Salesforce address)`);
}

let rowId = 0;

/**
 * Runs `fn` on a click and on Enter or Space. The keys are handled here (and their default
 * prevented, so the button's own activation does not run it twice) because a browser only turns
 * them into a click while its window has focus, and a disclosure must open from the keyboard
 * whatever the window does.
 */
function onActivate(button, fn) {
  button.addEventListener('click', fn);
  button.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && !e.repeat && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      fn();
    }
  });
}

/**
 * One finding as a compact row. `open`: shown expanded; `seen`: evidence lines already shown
 * (so each is shown once); `setupHost`: the org's Lightning host, when known.
 */
export function renderFinding(f, { open = false, seen = new Map(), setupHost = null, cause = false } = {}) {
  rowId += 1;
  const detailId = `md-detail-${rowId}`;
  const toggle = h('button', { type: 'button', class: 'md-toggle', 'aria-expanded': String(open), 'aria-controls': detailId },
    h('span', { class: 'md-badge' }, f.severity.toUpperCase()),
    h('span', { class: 'md-title' }, f.title));
  const fix = renderFix(f.fix);
  const more = Array.isArray(fix) ? fix[1] : null;
  const detail = h('div', { class: 'md-detail', id: detailId },
    h('p', {}, f.message),
    f.whyRanked ? h('p', { class: 'md-why', 'data-testid': 'why-ranked' }, f.whyRanked) : null,
    Array.isArray(fix) ? fix[0] : fix,
    // One line of actions under the steps: more steps, where to make the fix.
    h('div', { class: 'md-acts' }, more, renderWhere(f.link, setupHost), h('span', { class: 'md-code' }, f.code)),
    renderEvidence(f, seen));
  detail.hidden = !open;
  const li = h('li', { class: 'md-finding', 'data-code': f.code, 'data-severity': f.severity, 'data-testid': 'finding' },
    h('h3', {}, toggle),
    h('div', { class: 'md-line', 'aria-hidden': 'true' }, shortText(f.message)),
    detail);
  if (open) li.dataset.open = '';
  if (cause) li.dataset.cause = '';
  onActivate(toggle, () => {
    const opening = detail.hidden;
    detail.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) li.dataset.open = '';
    else delete li.dataset.open;
  });
  return li;
}

function stateLine(testid, state, text, extra = null) {
  const li = h('li', { class: `md-state-line md-state-${state}${extra ? ` ${extra}` : ''}`, 'data-testid': testid }, text);
  li.dataset.state = state;
  return li;
}

/**
 * The status header's lines: widget and org. The likely cause is the headline, and its row,
 * open right below, starts with what to fix: the header does not repeat it.
 */
export function renderState(d) {
  const st = d.status;
  if (!st) return [];
  return [
    stateLine('widget-state', st.widget.state, st.widgetText),
    stateLine('org-state', st.org.state, st.orgText, st.org.state === 'checked' && st.org.problems > 0 ? 'md-state-problems' : null),
  ];
}

/** A disclosure button for a group (What was checked). */
export function disclosure(label, body) {
  const id = `md-group-${rowId += 1}`;
  body.id = id;
  body.hidden = true;
  const b = h('button', { type: 'button', class: 'md-group-toggle', 'aria-expanded': 'false', 'aria-controls': id, 'data-testid': 'checked-toggle' }, label);
  onActivate(b, () => {
    body.hidden = !body.hidden;
    b.setAttribute('aria-expanded', String(!body.hidden));
  });
  return b;
}

/**
 * The findings: problems (error, warning) as rows in the main list, the likely cause open (or,
 * with no cause, the first problem when the widget fails); notes and passed checks, with the
 * org's checks, grouped under "What was checked".
 */
export function renderFindings(d, mainList, checkedBox, renderChecks) {
  const st = d.status ?? {};
  const setupHost = st.setupHost ?? null;
  const seen = new Map();
  const failing = st.widget && (st.widget.state === 'stalled' || st.widget.state === 'blocked');
  const problems = [];
  const checked = [];
  d.findings.forEach((f, i) => {
    (f.severity === 'error' || f.severity === 'warning' ? problems : checked).push([f, i]);
  });
  const openIndex = st.likelyCause ? st.likelyCause.index : (failing && problems.length ? problems[0][1] : -1);
  // The open row renders first so its evidence is the one shown in full.
  const order = [...problems, ...checked].sort(([, a], [, b]) => (a === openIndex ? -1 : b === openIndex ? 1 : 0));
  const rows = new Map();
  for (const [f, i] of order) {
    rows.set(i, renderFinding(f, { open: i === openIndex, seen, setupHost, cause: st.likelyCause && i === st.likelyCause.index }));
  }
  replace(mainList, problems.map(([, i]) => rows.get(i)));
  const checks = renderChecks(d.checks ?? []);
  if (!checked.length && !checks) {
    replace(checkedBox);
    return;
  }
  const body = h('div', { class: 'md-checked-body' },
    checked.length ? h('ol', { class: 'md-findings', 'aria-label': 'Notes and passed checks' }, checked.map(([, i]) => rows.get(i))) : null,
    checks);
  const n = checked.length + (d.checks ?? []).length;
  replace(checkedBox, h('section', { class: 'md-checked', 'aria-label': 'What was checked' },
    h('h2', { class: 'md-group-title' }, disclosure(`What was checked (${n})`, body)),
    body));
}
