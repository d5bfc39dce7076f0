// The popup's only way to put text on screen. Every string from a page or an org is untrusted:
// it goes in through textContent / setAttribute on a fixed list of safe attributes, never as
// markup. tests/static/extension-policy.test.mjs fails the build if any extension file uses an
// API that parses a string as HTML (its HTML_SINKS pattern lists them).

const SAFE_ATTRS = new Set(['class', 'id', 'role', 'title', 'href', 'target', 'rel', 'type',
  'aria-label', 'aria-live', 'aria-expanded', 'aria-controls', 'tabindex', 'data-testid',
  'data-code', 'data-severity', 'data-check', 'aria-hidden']);

/**
 * Creates an element. `attrs` values are set as attributes (only SAFE_ATTRS; `href` only when it
 * is https:, so a page can't smuggle a javascript: URL into a link); children are nodes or text.
 * @param {string} tag
 * @param {Record<string, string|undefined|null>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || !SAFE_ATTRS.has(k)) continue;
    if (k === 'href' && !/^https:\/\//i.test(String(v))) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the children of `el` with `nodes`. */
export function replace(el, ...nodes) {
  el.replaceChildren(...nodes.flat(Infinity).filter(Boolean));
}
