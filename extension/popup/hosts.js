// Salesforce host families, for the two decisions the extension makes on its own:
//   - which `sid` cookies name an API host the org checks may send that cookie back to
//     (isApiHost; org.js and background/capture.js), and
//   - which URLs may become a clickable link in the popup (isAllowedLink; dom.js), checked at
//     the last step before an <a> is made, whatever the Rust core already checked.
// The same rules are written in Rust (src/salesforce.rs: is_api_host, is_link_host,
// is_allowed_link); tests/fixtures/salesforce-hosts.json is the one table both sides are tested
// against (cargo test and tests/static/hosts.test.mjs), so they cannot drift apart.

/** One DNS label: 1–63 letters, digits and inner hyphens. */
const LDH = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** My Domain host families and the role of each (src/salesforce.rs, parse_my_domain_host). */
const MY_DOMAIN_ROLES = [
  ['.my.salesforce.com', 'api'],
  ['.lightning.force.com', 'lightning'],
  ['.my.salesforce-setup.com', 'setup'],
  ['.my.site.com', 'site'],
  ['.my.salesforce-scrt.com', 'scrt2'],
];

/** The generic login hosts and Salesforce's documentation. */
const FIXED_LINK_HOSTS = ['login.salesforce.com', 'test.salesforce.com', 'help.salesforce.com', 'developer.salesforce.com'];

function clean(host) {
  if (typeof host !== 'string') return null;
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.length <= 253 && h.split('.').every((l) => LDH.test(l)) ? h : null;
}

/** The role of a My Domain host ('api', 'lightning', 'setup', 'site', 'scrt2') or null. */
export function myDomainRole(host) {
  const h = clean(host);
  if (!h) return null;
  for (const [suffix, role] of MY_DOMAIN_ROLES) {
    if (!h.endsWith(suffix)) continue;
    const labels = h.slice(0, -suffix.length).split('.');
    if (labels.length > 2 || labels[0] === '') return null;
    const [first, kind] = labels;
    const cut = first.indexOf('--');
    if (cut >= 0) {
      // `<stem>--<sandbox>.sandbox`: a sandbox name is letters and digits only.
      if (kind === undefined || !LDH.test(first.slice(0, cut))) return null;
      if (kind === 'sandbox' && !/^[a-z0-9]+$/.test(first.slice(cut + 2))) return null;
    }
    return role;
  }
  return null;
}

/**
 * True for a host whose `sid` the org checks may use and send back to (the core re-checks):
 * the commercial My Domain API host, sandbox and Developer Edition forms included. Government
 * Cloud Plus, China, legacy instance hosts and cloudforce are not supported (no host
 * permission; the session findings say so).
 */
export function isApiHost(host) {
  return myDomainRole(typeof host === 'string' ? host.replace(/^\./, '') : host) === 'api';
}

/** True for a host a link may point to: any My Domain role, the login hosts, the docs. */
export function isLinkHost(host) {
  const h = clean(host);
  return h !== null && (FIXED_LINK_HOSTS.includes(h) || myDomainRole(h) !== null);
}

/**
 * The last check before a URL becomes a link: https, no user name, no port, a Salesforce host
 * as the browser itself reads it (new URL: the WHATWG parser), written plainly (no escapes,
 * look-alike dots or backslashes), and no character that could hide in it.
 */
export function isAllowedLink(url) {
  if (typeof url !== 'string' || !/^https:\/\/[\x21-\x7e]+$/.test(url) || /[<>"\\`]/.test(url)) return false;
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  const written = url.slice('https://'.length).split(/[/?#]/)[0].toLowerCase();
  return written === u.hostname && isLinkHost(u.hostname);
}
