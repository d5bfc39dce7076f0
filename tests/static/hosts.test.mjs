// The extension's host rules (extension/popup/hosts.js: which cookies the org checks use, which
// URLs become links) against the one table the Rust core is tested against too
// (tests/fixtures/salesforce-hosts.json; src/salesforce.rs), so the two cannot drift apart.
// Also: org.js's API_HOST (used by background/capture.js's start-message check) is that rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isApiHost, isAllowedLink } from '../../extension/popup/hosts.js';
import { API_HOST } from '../../extension/popup/org.js';

const table = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/salesforce-hosts.json'), 'utf8'));

test('API host families agree with the Rust core', () => {
  assert.ok(table.api.length > 5 && table.notApi.length > 10);
  for (const host of table.api) {
    assert.equal(isApiHost(host), true, host);
    assert.equal(API_HOST.test(host), true, host);
  }
  for (const host of table.notApi) {
    assert.equal(isApiHost(host), false, host);
    assert.equal(API_HOST.test(host), false, host);
  }
});

test('links are made only for Salesforce addresses, as the Rust core decides', () => {
  assert.ok(table.link.length > 5 && table.notLink.length > 10);
  for (const url of table.link) assert.equal(isAllowedLink(url), true, url);
  for (const url of table.notLink) assert.equal(isAllowedLink(url), false, url);
  for (const odd of [undefined, null, 42, {}]) assert.equal(isAllowedLink(odd), false);
});

test('background/capture.js checks the start message with the same API_HOST', () => {
  const src = fs.readFileSync(path.resolve(import.meta.dirname, '../../extension/background/capture.js'), 'utf8');
  assert.match(src, /import \{[^}]*\bAPI_HOST\b[^}]*\} from '\.\.\/popup\/org\.js'/);
  assert.doesNotMatch(src, /API_HOST\s*=/, 'capture.js must not define its own host pattern');
});

test('the popup writes invisible and bidi characters out, as the Markdown does', async () => {
  const { visible } = await import('../../extension/popup/dom.js');
  assert.equal(visible('Rule\u202Ella\u202C'), 'Rule\u27E8U+202E\u27E9lla\u27E8U+202C\u27E9');
  for (const c of ['\u200B', '\u200E', '\u200F', '\u2066', '\u2069', '\uFEFF', '\u061C', '\u{E0041}']) {
    const cp = c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    assert.equal(visible(`a${c}b`), `a\u27E8U+${cp}\u27E9b`);
  }
  assert.equal(visible('Chat für Kunden — 客服 🙂'), 'Chat für Kunden — 客服 🙂');
});
