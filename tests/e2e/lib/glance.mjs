// The popup's first screen, read and judged the same way by glance.test.mjs (the five header
// states) and first-screen.test.mjs (every page fixture and demo page): what the status header
// says, where the likely cause and its first fix step sit, and whether the header's words agree
// with the finding rows below it.
import assert from 'node:assert/strict';

/** The popup's width (extension/popup/popup.css) and the first screen's height. */
export const WIDTH = 520;
export const FIRST_SCREEN = 600;

/**
 * In the popup: the header and the rows as data, with positions in CSS pixels from the top of
 * the document (null until the popup is done).
 */
export const READ_HEADER = () => {
  if (document.body.dataset.state !== 'done') return null;
  const q = (s, root = document) => root.querySelector(s);
  const bottom = (el) => (el ? Math.round(el.getBoundingClientRect().bottom + window.scrollY) : null);
  const cause = q('[data-cause]');
  const firstFix = cause ? q('.md-fix li', cause) : null;
  const summary = q('#summary');
  return {
    headline: q('#headline').textContent,
    headerShown: !!summary && !summary.hidden && summary.getBoundingClientRect().height > 0,
    widget: q('[data-testid=widget-state]')?.dataset.state ?? null,
    widgetText: q('[data-testid=widget-state]')?.textContent ?? '',
    org: q('[data-testid=org-state]')?.dataset.state ?? null,
    orgText: q('[data-testid=org-state]')?.textContent ?? '',
    orgMarkedProblems: q('[data-testid=org-state]')?.classList.contains('md-state-problems') ?? false,
    headerBottom: bottom(summary),
    error: q('[data-testid=error]')?.textContent ?? null,
    checks: document.querySelectorAll('[data-check]').length,
    cause: cause ? {
      code: cause.dataset.code,
      severity: cause.dataset.severity,
      title: q('.md-title', cause).textContent,
      open: 'open' in cause.dataset,
      titleBottom: bottom(q('.md-title', cause)),
      firstFix: firstFix ? firstFix.firstChild.textContent : null,
      firstFixBottom: bottom(firstFix),
    } : null,
    rows: [...document.querySelectorAll('[data-testid=finding]')].map((li) => ({
      code: li.dataset.code,
      severity: li.dataset.severity,
      title: q('.md-title', li).textContent,
      expanded: q('.md-toggle', li).getAttribute('aria-expanded'),
      detailHidden: q('.md-detail', li).hidden,
      inMainList: li.parentElement.id === 'findings',
    })),
    height: document.documentElement.scrollHeight,
    viewport: [window.innerWidth, window.innerHeight],
    blocks: [...document.querySelectorAll('header, main > *, #findings > li, footer')].filter((el) => !el.hidden)
      .map((el) => `${el.id || el.dataset.code || el.tagName.toLowerCase()}=${Math.round(el.getBoundingClientRect().height)}`).join(' '),
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  };
};

// Findings that report what the page shows went wrong (a symptom), or that the org could not be
// checked: never "the likely cause" themselves.
const NOT_A_CAUSE = new Set([
  'page/widget-stalled', 'page/widget-starting', 'page/widget-ready', 'page/request-failed', 'page/message-not-sent',
  'page/cors-blocked', 'page/snippet-found', 'page/no-chat-widget', 'page/button-hidden', 'page/watch-recorded',
  'page/timeline-incomplete', 'page/scan-truncated', 'org/checks-summary', 'org/not-logged-in', 'org/no-session',
  'org/session-expired', 'org/api-disabled', 'org/api-access-control', 'org/request-limit', 'org/unreachable',
  'org/setup-access', 'org/check-failed',
]);
// Findings about reaching the org or about how the page was read: not counted as problems of
// the chat.
const ACCESS_OR_READING = new Set([
  'org/not-logged-in', 'org/no-session', 'org/session-expired', 'org/api-disabled', 'org/api-access-control',
  'org/request-limit', 'org/unreachable', 'org/setup-access', 'org/check-failed', 'page/watch-recorded',
]);
// Findings that say the widget did not get to Ready (or is not there yet).
const NOT_READY = new Set([
  'page/widget-stalled', 'page/widget-starting', 'page/csp-blocked', 'page/cors-blocked', 'page/request-failed',
  'page/message-not-sent', 'page/no-chat-widget',
]);

/**
 * The header agrees with the rows below it and the first screen answers first: header shown
 * within the first 600 px, the likely cause's title and first fix step there too, "Likely
 * cause" only for a finding that is a cause, "ready" only without a stall/blocked finding,
 * "Nothing is wrong" only without a problem row, the org line as the org rows say. `text`
 * describes the findings for failure messages.
 */
export function assertFirstScreen(h, text = '') {
  const codes = new Set(h.rows.map((r) => r.code));
  const say = (m) => `${m}\n  headline: ${h.headline}\n  ${h.widgetText}\n  ${h.orgText}\n  rows: ${h.rows.map((r) => `${r.code}(${r.severity})`).join(', ')}\n${text}`;
  assert.equal(h.error, null, say(`the popup shows an error: ${h.error}`));
  // Positions are read from the document's top, so they hold for any window at least as wide
  // as the popup's body (a headless toolbar popup's window need not be exactly 520×600).
  assert.ok(h.viewport[0] >= WIDTH, say(`the popup was laid out narrower than ${WIDTH} px: ${h.viewport}`));
  assert.ok(h.headerShown && h.widget && h.org, say('no status header'));
  assert.ok(h.headerBottom <= FIRST_SCREEN, say(`the header ends at ${h.headerBottom} px`));
  assert.ok(h.scrollWidth <= h.clientWidth, say(`scrolls sideways at ${WIDTH} px: ${h.scrollWidth} > ${h.clientWidth}`));
  assert.ok(h.bodyScrollWidth <= WIDTH, say(`content wider than the ${WIDTH} px popup: ${h.bodyScrollWidth} px`));
  const failing = h.widget === 'stalled' || h.widget === 'blocked';
  if (h.headline.startsWith('Likely cause: ')) {
    assert.ok(h.cause, say('"Likely cause" without a cause row'));
    assert.equal(h.headline, `Likely cause: ${h.cause.title}`);
    assert.ok(!NOT_A_CAUSE.has(h.cause.code), say(`${h.cause.code} is named the likely cause, but it is not a cause`));
    assert.ok(h.cause.severity === 'error' || (h.cause.severity === 'warning' && failing),
      say(`a ${h.cause.severity} is named the likely cause while the widget is ${h.widget}`));
    // A ready widget got its deployment's configuration: a deployment finding then concerns
    // another snippet's deployment and explains no failure.
    assert.ok(!(h.widget === 'ready' && h.cause.code.startsWith('org/deployment-')),
      say(`${h.cause.code} is named the likely cause although the widget loaded its deployment and is ready`));
    assert.ok(h.cause.open, say('the cause is not open'));
    assert.ok(h.cause.titleBottom <= FIRST_SCREEN, say(`the cause's title ends at ${h.cause.titleBottom} px`));
    if (h.cause.firstFix) {
      assert.ok(h.cause.firstFixBottom <= FIRST_SCREEN, say(`the first fix step ends at ${h.cause.firstFixBottom} px`));
    }
  } else {
    assert.equal(h.cause, null, say('a cause row without "Likely cause" in the headline'));
  }
  if (h.widget === 'ready') {
    const contra = [...codes].filter((c) => NOT_READY.has(c));
    assert.deepEqual(contra, [], say('"ready" next to a stall or blocked finding'));
  }
  if (h.widget === 'absent') assert.ok(codes.has('page/no-chat-widget'), say('"not on this page" without page/no-chat-widget'));
  if (codes.has('page/no-chat-widget')) assert.equal(h.widget, 'absent', say('page/no-chat-widget but the widget is not "absent"'));
  // "N warnings to review" counts warnings only; errors are named as errors.
  const review = /^No cause of failure found; (?:(\d+) errors? and )?(?:(\d+) warnings?|(\d+) errors?) to review/.exec(h.headline);
  if (review) {
    const main = h.rows.filter((r) => r.inMainList && !ACCESS_OR_READING.has(r.code));
    const errors = main.filter((r) => r.severity === 'error').length;
    const said = Number(review[1] ?? review[3] ?? 0);
    assert.equal(said, errors, say(`the headline counts ${said} errors, the rows show ${errors}`));
  }
  if (/^Nothing is wrong/.test(h.headline)) {
    // "Nothing is wrong on the page" speaks for the page only (the org line says why the org
    // was not checked); plain "Nothing is wrong" for everything.
    const pageOnly = /^Nothing is wrong on the page/.test(h.headline);
    const problems = h.rows.filter((r) => (r.severity === 'error' || r.severity === 'warning') && (!pageOnly || r.code.startsWith('page/')));
    assert.deepEqual(problems.map((r) => r.code), [], say('"Nothing is wrong" above a problem'));
    assert.equal(h.widget, 'ready', say('"Nothing is wrong" while the widget is not ready'));
    if (pageOnly) assert.notEqual(h.org, 'checked', say('"on the page" only, although the org was checked'));
  }
  if (codes.has('org/not-logged-in') || codes.has('org/no-session')) {
    assert.equal(h.org, 'notLoggedIn', say('a log-in finding but the org line does not say "not logged in"'));
  }
  if (h.org === 'checked') {
    assert.ok(h.checks > 0, say('"checked" with no checks listed'));
    // The org line's mark is the all-clear green only when the checks found nothing.
    const problems = /checked, \d+ checks, (\d+) problems?/.exec(h.orgText);
    assert.equal(h.orgMarkedProblems, !!problems && Number(problems[1]) > 0, say('the org line\'s mark does not match its problem count'));
  }
  if (h.org === 'notLoggedIn') assert.equal(h.checks, 0, say('"not logged in" above org checks'));
  // Problems in the main list; notes and passed checks grouped under "What was checked".
  for (const r of h.rows) {
    assert.equal(r.inMainList, r.severity === 'error' || r.severity === 'warning', say(`${r.code} (${r.severity}) in the wrong group`));
  }
  // Every row but the open one is collapsed.
  for (const r of h.rows.filter((x) => !h.cause || x.code !== h.cause.code)) {
    assert.equal(r.expanded, 'false', say(`${r.code} is open`));
    assert.equal(r.detailHidden, true, say(`${r.code} shows its details`));
  }
}
