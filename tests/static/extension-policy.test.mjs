// Rules the extension holds itself to, checked on the sources and the built extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILD = path.join(ROOT, 'build/extension');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8'));

function jsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.js'))
    .map((d) => path.join(d.parentPath ?? d.path, d.name));
}

// Page and org strings are untrusted: no API that parses a string as HTML may appear.
const HTML_SINKS = /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write(ln)?\s*\(|createContextualFragment|\.setHTML(Unsafe)?\s*\(|parseFromString\s*\([^)]*text\/html/;

test('no HTML sinks in the extension sources or the built extension', () => {
  const files = [...jsFiles(path.join(ROOT, 'extension')), ...jsFiles(BUILD)];
  assert.ok(files.length >= 4, `expected extension JS files, found ${files.length}`);
  const offenders = files.filter((f) => HTML_SINKS.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('the sink check itself catches each sink', () => {
  for (const bad of ['el.innerHTML = x', 'el.outerHTML= x', 'el.insertAdjacentHTML("a", x)',
    'document.write(x)', 'r.createContextualFragment(x)', 'el.setHTML(x)',
    'new DOMParser().parseFromString(x, "text/html")']) {
    assert.ok(HTML_SINKS.test(bad), bad);
  }
  assert.ok(!HTML_SINKS.test('el.textContent = x'));
});

test('extension pages allow only self and wasm-unsafe-eval', () => {
  const csp = manifest.content_security_policy.extension_pages;
  const scriptSrc = /script-src ([^;]*)/.exec(csp)[1].trim().split(/\s+/);
  assert.deepEqual(scriptSrc.sort(), ["'self'", "'wasm-unsafe-eval'"]);
  assert.ok(!/unsafe-inline|unsafe-eval'|https?:/.test(csp.replace("'wasm-unsafe-eval'", '')), csp);
});

test('no host access to every site at install time', () => {
  const granted = [...(manifest.permissions ?? []), ...(manifest.host_permissions ?? [])];
  for (const p of granted) {
    assert.ok(!['<all_urls>', '*://*/*', 'https://*/*', 'http://*/*', 'tabs', 'webRequestBlocking'].includes(p), p);
  }
  assert.ok(manifest.permissions.includes('activeTab'));
  assert.ok(!manifest.content_scripts, 'no content script may be injected into every page');
  for (const h of manifest.host_permissions) assert.match(h, /^https:\/\/\*\.[a-z.-]+\/\*$/, h);
});

test('both browsers: background has service_worker and scripts, gecko id and min version', () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.background.service_worker, manifest.background.scripts[0]);
  assert.ok(manifest.browser_specific_settings.gecko.id);
  assert.ok(Number.parseFloat(manifest.browser_specific_settings.gecko.strict_min_version) >= 128);
});

test('every permission is justified in the README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Permissions'));
  assert.ok(section, 'README has a "Permissions" section');
  const all = [...manifest.permissions, ...manifest.host_permissions, ...(manifest.optional_host_permissions ?? [])];
  for (const p of all) {
    const row = section.split('\n').find((l) => l.startsWith('|') && l.includes('`' + p + '`'));
    assert.ok(row, `README's permission table has no row for ${p}`);
    const why = row.split('|').map((c) => c.trim()).filter(Boolean).at(-1);
    assert.ok(why.length > 30, `the reason for ${p} is too short: ${why}`);
  }
});

test('every file the manifest names exists in the build', () => {
  const named = [manifest.action.default_popup, manifest.background.service_worker,
    ...Object.values(manifest.icons), ...Object.values(manifest.action.default_icon)];
  for (const f of named) assert.ok(fs.existsSync(path.join(BUILD, f)), f);
  assert.ok(fs.existsSync(path.join(BUILD, 'content/content.js')));
  assert.ok(fs.existsSync(path.join(BUILD, 'popup/pkg/md_popup_bg.wasm')));
});

// Watch mode: the recorders are registered at run time for one site the admin chose, never
// listed in the manifest, and only popup/watch.js registers them.
test('watch mode: recorders built, registered only by popup/watch.js, for one site', () => {
  for (const f of ['content/watch.js', 'content/watch-main.js']) assert.ok(fs.existsSync(path.join(BUILD, f)), f);
  const sources = jsFiles(path.join(ROOT, 'extension'));
  const registering = sources.filter((f) => /registerContentScripts\s*\(/.test(fs.readFileSync(f, 'utf8').replace(/unregisterContentScripts/g, '')));
  assert.deepEqual(registering.map((f) => path.relative(ROOT, f)), ['extension/popup/watch.js']);
  const watch = fs.readFileSync(path.join(ROOT, 'extension/popup/watch.js'), 'utf8');
  // One site per registration: the pattern built from the tab's URL, never a wildcard host.
  assert.match(watch, /matches: \[pattern\]/);
  assert.match(watch, /return `\$\{u\.protocol\}\/\/\$\{u\.hostname\}\/\*`;/);
  // The page-world part forwards only the loader's signatures, never the whole console.
  const main = fs.readFileSync(path.join(ROOT, 'extension/content/watch-main.js'), 'utf8');
  assert.match(main, /if \(SIGNATURE\.test\(text\)\)/);
});
