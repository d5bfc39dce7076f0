// org.js send(): a read may be retried once on a lost answer or a busy server; a write never is
// (a lost create may have been applied; a second try would make a duplicate or read "duplicate"
// as "nothing was created"). Runs org.js in Node with a counting fetch.
import test from 'node:test';
import assert from 'node:assert/strict';

const { send, readOnly } = await import('../../extension/popup/org.js');

const HOST = 'acme.my.salesforce.com';
const V = '/services/data/v65.0';

/** A fetch that answers from `answers` in turn (an Error rejects) and counts its calls. */
function fakeFetch(answers) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, method: init.method });
    const a = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (a instanceof Error) throw a;
    return { status: a, text: async () => (a === 201 ? '{"id":"7dl000000000001AAA","success":true}' : '[]') };
  };
  return calls;
}

const lost = () => new TypeError('Failed to fetch');
const composite = (...methods) => ({
  id: 'c', method: 'POST', path: `${V}/composite`, label: '',
  body: JSON.stringify({ allOrNone: false, compositeRequest: methods.map((method, i) => ({ method, url: `${V}/query?q=x`, referenceId: `r${i}` })) }),
});

test('a write whose answer is lost is sent once and comes back as "no answer"', async () => {
  for (const [method, path] of [['POST', `${V}/tooling/sobjects/DebugLevel`], ['POST', `${V}/tooling/sobjects/TraceFlag`],
    ['PATCH', `${V}/tooling/sobjects/TraceFlag/7tf000000000001AAA`], ['DELETE', `${V}/tooling/sobjects/DebugLevel/7dl000000000001AAA`]]) {
    for (const first of [lost(), 502, 503]) {
      const calls = fakeFetch([first, 201]);
      const ex = await send(HOST, 'tok', { id: 'w', method, path, body: method === 'DELETE' ? undefined : '{}', label: '' });
      assert.equal(calls.length, 1, `${method} ${path} after ${first}: sent ${calls.length} times`);
      assert.equal(ex.status, first instanceof Error ? 0 : first);
    }
  }
});

test('a read is retried once on a lost answer or 502/503, never on 4xx', async () => {
  let calls = fakeFetch([lost(), 200]);
  let ex = await send(HOST, 'tok', { id: 'r', method: 'GET', path: `${V}/query?q=x`, label: '' });
  assert.equal(calls.length, 2);
  assert.equal(ex.status, 200);
  calls = fakeFetch([503, 200]);
  ex = await send(HOST, 'tok', composite('GET', 'GET'));
  assert.equal(calls.length, 2);
  calls = fakeFetch([400, 200]);
  ex = await send(HOST, 'tok', { id: 'r', method: 'GET', path: `${V}/query?q=x`, label: '' });
  assert.equal(calls.length, 1);
  assert.equal(ex.status, 400);
});

test('only GETs and all-GET composites count as reads', () => {
  assert.equal(readOnly({ method: 'GET', path: `${V}/query` }), true);
  assert.equal(readOnly(composite('GET', 'GET')), true);
  assert.equal(readOnly(composite('GET', 'PATCH')), false);
  assert.equal(readOnly(composite()), false);
  assert.equal(readOnly({ method: 'POST', path: `${V}/composite`, body: '{not json' }), false);
  assert.equal(readOnly({ method: 'POST', path: `${V}/tooling/sobjects/DebugLevel`, body: '{}' }), false);
});
