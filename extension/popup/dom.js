// The popup's only way to put text on screen. Every string from a page or an org is untrusted:
// it goes in through textContent / setAttribute on a fixed list of safe attributes, never as
// markup. tests/static/extension-policy.test.mjs fails the build if any extension file uses an
// API that parses a string as HTML (its HTML_SINKS pattern lists them).
// Two more rules for page text: a link is made only for a Salesforce address (hosts.js,
// isAllowedLink, checked here at the last step), and characters that change how text reads
// without being seen (bidi controls, zero-width characters) are shown as ⟨U+202E⟩, the form the
// core's Markdown uses too (src/report.rs, is_invisible).

import { isAllowedLink } from './hosts.js';

const SAFE_ATTRS = new Set(['class', 'id', 'role', 'title', 'href', 'target', 'rel', 'type',
  'aria-label', 'aria-live', 'aria-expanded', 'aria-controls', 'tabindex', 'data-testid',
  'data-code', 'data-severity', 'data-check', 'aria-hidden', 'data-org', 'data-current', 'data-logged-in']);

// The same set as src/report.rs is_invisible: bidi controls, zero-width and joiner characters,
// invisible fillers, tag characters.
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\uDB40[\uDC00-\uDC7F]/g;

/** `s` with every invisible character written out as ⟨U+XXXX⟩. */
export function visible(s) {
  return String(s).replace(INVISIBLE, (c) => `\u27E8U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}\u27E9`);
}

/** Sets an element's text (never markup), invisible characters shown. */
export function setText(el, s) {
  el.textContent = visible(s);
}

/**
 * Creates an element. `attrs` values are set as attributes (only SAFE_ATTRS; `href` only when
 * isAllowedLink accepts it: https to a Salesforce host, so a page can't smuggle a javascript: or
 * look-alike URL into a link); children are nodes or text.
 * @param {string} tag
 * @param {Record<string, string|undefined|null>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || !SAFE_ATTRS.has(k)) continue;
    if (k === 'href' && !isAllowedLink(String(v))) continue;
    el.setAttribute(k, k === 'href' ? String(v) : visible(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(visible(c)));
  }
  return el;
}

/** Replaces the children of `el` with `nodes`. */
export function replace(el, ...nodes) {
  el.replaceChildren(...nodes.flat(Infinity).filter(Boolean));
}
