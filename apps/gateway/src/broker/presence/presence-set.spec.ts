import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPresence, expirePresence, nextDeadlineOf, PresenceRefusal, presenceInfoOf, removePresence, touchPresence } from './presence-set.js';

test('one id with two sessions: join once, leave after the last session', () => {
  let change = addPresence(null, 's1', 'u', { n: 1 }, 100);
  assert.deepEqual(change.result, { type: 'join', id: 'u', info: { n: 1 } });
  change = addPresence(change.set, 's2', 'u', { n: 2 }, 100);
  assert.equal(change.result, null);
  assert.deepEqual(presenceInfoOf(change.set), { type: 'info', total: 1, records: [{ id: 'u', info: { n: 2 } }] });
  change = removePresence(change.set, 's1');
  assert.equal(change.result, null);
  change = removePresence(change.set, 's2');
  assert.deepEqual(change.result, { type: 'leave', id: 'u' });
  assert.equal(change.set, null);
});

test('refusals: another id for the same session, leaving without joining', () => {
  const { set } = addPresence(null, 's1', 'u', undefined, 100);
  assert.throws(() => addPresence(set, 's1', 'v', undefined, 100), PresenceRefusal);
  assert.throws(() => removePresence(set, 's2'), PresenceRefusal);
});

test('expiry drops late sessions only; touched ones stay', () => {
  let { set } = addPresence(null, 's1', 'u', undefined, 100);
  set = addPresence(set, 's2', 'v', undefined, 100).set;
  set = touchPresence(set, new Set(['s2']), 500).set;
  assert.equal(nextDeadlineOf(set), 100);
  const expired = expirePresence(set, 200);
  assert.deepEqual(expired.result, [{ type: 'leave', id: 'u' }]);
  assert.deepEqual(presenceInfoOf(expired.set).records, [{ id: 'v' }]);
});

test('ids and sids named like Object.prototype members are ordinary keys', () => {
  let { set } = addPresence(null, '__proto__', '__proto__', 1, 100);
  set = addPresence(set, 'constructor', 'constructor', 2, 100).set;
  assert.equal(presenceInfoOf(set).total, 2);
  assert.deepEqual(removePresence(set, '__proto__').result, { type: 'leave', id: '__proto__' });
});
