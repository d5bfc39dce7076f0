// The popup's URL shortening (extension/popup/render.js): a long URL keeps its authority exactly
// as written — so a disguised `user@host` stays visible — and the end of its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortenUrl, shortText } from '../../extension/popup/render.js';

test('short URLs stay as they are', () => {
  assert.equal(shortenUrl('https://acme.my.site.com/ESW'), 'https://acme.my.site.com/ESW');
});

test('a long URL keeps its authority and the end of its path', () => {
  const u = 'https://acme.my.site.com/ESWWebChat1699999999999/assets/js/bootstrap.min.js?v=12345';
  const s = shortenUrl(u);
  assert.ok(s.length < u.length, s);
  assert.ok(s.startsWith('https://acme.my.site.com/…'), s);
  assert.ok(s.endsWith('bootstrap.min.js?v=12345'), s);
});

test('a disguised authority is shown as written, never as the host it resolves to', () => {
  const u = 'https://acme.my.salesforce.com@evil.example/some/very/long/path/that/goes/on/and/on/index.js';
  const s = shortenUrl(u);
  assert.ok(s.startsWith('https://acme.my.salesforce.com@evil.example/…'), s);
});

test('URLs inside text are shortened, the rest of the text kept', () => {
  const t = `loader https://acme.my.site.com/${'x'.repeat(80)}/bootstrap.min.js — HTTP 404`;
  const s = shortText(t);
  assert.ok(s.startsWith('loader https://acme.my.site.com/…'), s);
  assert.ok(s.endsWith('/bootstrap.min.js — HTTP 404'), s);
});
