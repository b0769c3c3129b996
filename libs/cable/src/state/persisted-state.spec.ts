import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PersistedState } from './persisted-state.js';

interface State {
  count?: number;
  name?: string;
  tags?: string[];
  empty?: string;
}

test('loads JSON values per key and reports nothing when nothing changed', () => {
  const state = PersistedState.fromStringMap<State>({ count: '3', name: '"x"', tags: '["a"]' });
  assert.deepEqual(state.value, { count: 3, name: 'x', tags: ['a'] });
  assert.deepEqual(state.changes(), {});
});

test('reports changed and new keys JSON-encoded, deleted or undefined keys as ""', () => {
  const state = PersistedState.fromStringMap<State>({ count: '3', name: '"x"', tags: '["a"]' });
  state.value.count = 4;
  delete state.value.name;
  state.value.tags!.push('b');
  state.value.empty = '';
  assert.deepEqual(state.changes(), { count: '4', name: '', tags: '["a","b"]', empty: '""' });

  const other = PersistedState.fromStringMap<State>({ count: '1' });
  other.value.count = undefined;
  assert.deepEqual(other.changes(), { count: '' });
});

test('a key set to undefined that never existed is not sent', () => {
  const state = PersistedState.fromStringMap<State>({});
  state.value.name = undefined;
  assert.deepEqual(state.changes(), {});
});

test('an empty string in the map means "no key"; a non-JSON value is kept as a raw string', () => {
  const state = PersistedState.fromStringMap<Record<string, unknown>>({ gone: '', raw: 'plain text', ['__proto__']: '{"polluted":true}' });
  assert.deepEqual(state.value, { raw: 'plain text' });
  assert.equal(Object.getPrototypeOf(state.value), Object.prototype);
  assert.deepEqual(state.changes(), {}, 'reading a raw value does not rewrite it');
});

test('a value that cannot be JSON-encoded throws naming the key', () => {
  const state = PersistedState.fromStringMap<Record<string, unknown>>({});
  state.value.big = 1n;
  assert.throws(() => state.changes(), /state key "big" cannot be encoded as JSON/);
});

test('fromEncodedStringMap reads Disconnect istate entries (a JSON-encoded map of JSON values)', () => {
  const state = PersistedState.fromEncodedStringMap<State>(JSON.stringify({ count: '2', name: '"n"' }));
  assert.deepEqual(state?.value, { count: 2, name: 'n' });
  assert.deepEqual(PersistedState.fromEncodedStringMap<State>(undefined)?.value, {});
  assert.deepEqual(PersistedState.fromEncodedStringMap<State>('')?.value, {});
  for (const bad of ['nope', '[]', '{"count":2}', 'null']) {
    assert.equal(PersistedState.fromEncodedStringMap(bad), undefined, bad);
  }
});
