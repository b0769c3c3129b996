import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MalformedIdentifiersError, parseIdentifiers, serializeIdentifiers } from './identifiers.js';

test('serializeIdentifiers sorts keys and writes undefined as null, so the string is canonical', () => {
  assert.equal(serializeIdentifiers({ sid: 'a', current_user_id: '7' }), '{"current_user_id":"7","sid":"a"}');
  assert.equal(serializeIdentifiers({ current_user_id: '7', sid: 'a' }), '{"current_user_id":"7","sid":"a"}');
  assert.equal(serializeIdentifiers({ user: undefined, n: 1 }), '{"n":1,"user":null}');
  assert.equal(serializeIdentifiers({}), '{}');
});

test('parseIdentifiers reads back what serializeIdentifiers wrote', () => {
  const identifiers = { current_user_id: null, sid: 's', nested: { a: [1, 2] } };
  assert.deepEqual(parseIdentifiers(serializeIdentifiers(identifiers)), identifiers);
  assert.deepEqual(parseIdentifiers(''), {});
});

test('parseIdentifiers refuses anything but a JSON object', () => {
  for (const raw of ['not json', '[1]', 'null', '"s"', '42']) {
    assert.throws(() => parseIdentifiers(raw), MalformedIdentifiersError, raw);
  }
});
