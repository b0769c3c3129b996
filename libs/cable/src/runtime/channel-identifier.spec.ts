import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannelIdentifier } from './channel-identifier.js';

test('splits the channel name from the params', () => {
  assert.deepEqual(parseChannelIdentifier('{"channel":"CommentsChannel","post_id":1,"x":{"y":2}}'), {
    ok: true,
    channel: 'CommentsChannel',
    params: { post_id: 1, x: { y: 2 } },
  });
});

test('refuses what is not an object with a channel string, never throwing', () => {
  for (const identifier of ['', 'nope', '[]', 'null', '{}', '{"channel":""}', '{"channel":5}']) {
    const result = parseChannelIdentifier(identifier);
    assert.equal(result.ok, false, identifier);
  }
});
