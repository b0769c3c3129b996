import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCookies, readCableRequest } from './cable-request.js';

test('reads URL, query, lower-cased headers, cookies and the peer address', () => {
  const request = readCableRequest({
    url: 'wss://example.com/cable?token=abc&sid=1',
    headers: { Cookie: 'a=1; b=two%20words', Authorization: 'Bearer x', REMOTE_ADDR: '10.0.0.1' },
    cstate: {},
    istate: {},
  });
  assert.equal(request.url.host, 'example.com');
  assert.equal(request.query.get('token'), 'abc');
  assert.equal(request.headers.authorization, 'Bearer x');
  assert.deepEqual(request.cookies, { a: '1', b: 'two words' });
  assert.equal(request.remoteAddress, '10.0.0.1');
});

test('a missing or broken env still gives a usable request', () => {
  for (const env of [undefined, null, { url: '', headers: {}, cstate: {}, istate: {} }, { url: 'http://[bad', headers: {}, cstate: {}, istate: {} }]) {
    const request = readCableRequest(env);
    assert.equal(request.url.href, 'http://localhost/');
    assert.deepEqual(request.cookies, {});
    assert.equal(request.remoteAddress, undefined);
  }
});

test('parseCookies: first occurrence wins, quotes dropped, bad escapes kept, junk ignored', () => {
  assert.deepEqual(parseCookies('token=1; token=2; q="quoted"; pct=100%; ; =x; noequals; e=; constructor=c; __proto__=p'), {
    token: '1',
    constructor: 'c',
    q: 'quoted',
    pct: '100%',
    e: '',
  });
});
