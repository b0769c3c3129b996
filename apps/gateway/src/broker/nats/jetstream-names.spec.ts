import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jetStreamNameOf, sessionKeyOf } from './jetstream-names.js';

test("broadcast streams keep anycable-go's _ac_ name when JetStream allows it", () => {
  assert.equal(jetStreamNameOf('comments:post:1'), '_ac_comments:post:1');
  assert.equal(jetStreamNameOf('chat_42'), '_ac_chat_42');
});

test('names JetStream refuses are encoded, distinct from plain names and bounded', () => {
  for (const stream of ['a.b', 'a b', 'x/y', 'a*', 'a>', '', 'tab\t']) {
    const name = jetStreamNameOf(stream);
    assert.match(name, /^_acx_[\w-]*$/, stream);
    assert.notEqual(name, jetStreamNameOf(`${stream}!`));
  }
  assert.equal(jetStreamNameOf('a.b'), `_acx_${Buffer.from('a.b').toString('base64url')}`);
  const long = jetStreamNameOf('x.'.repeat(300));
  assert.match(long, /^_acx_sha256-[\w-]{43}$/);
  assert.ok(jetStreamNameOf('y'.repeat(300)).length <= 200);
});

test('session keys: plain sids as is, others hex-encoded', () => {
  assert.equal(sessionKeyOf('Ab3-_x'), 'Ab3-_x');
  assert.equal(sessionKeyOf('a b'), `x.${Buffer.from('a b').toString('hex')}`);
  assert.equal(sessionKeyOf('x.41'), `x.${Buffer.from('x.41').toString('hex')}`, 'no collision with an encoded key');
});
