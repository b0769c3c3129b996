import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubSubscriber } from '../hub/hub.js';
import { streamsOf, SubscriptionSet, type Subscription } from './subscription-set.js';

/** A hub stand-in recording follow/unfollow calls (SubscriptionSet only calls those two). */
function recordingHub(): { hub: { follow: (stream: string, identifier: string) => void; unfollow: (stream: string, identifier: string) => void }; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hub: {
      follow: (stream, identifier) => void calls.push(`follow ${identifier} ${stream}`),
      unfollow: (stream, identifier) => void calls.push(`unfollow ${identifier} ${stream}`),
    },
  };
}

const subscriber = {} as HubSubscriber;
const fresh = (): Subscription => ({ istate: null, streams: null, local: false });

test('one subscription, then more: lookups, order and Disconnect data stay those of an ordered map', () => {
  const { hub } = recordingHub();
  const set = new SubscriptionSet(hub, subscriber);
  assert.equal(set.size, 0);
  assert.equal(set.get('A'), undefined);
  const a = fresh();
  set.add('A', a);
  assert.equal(set.size, 1);
  assert.equal(set.get('A'), a);
  assert.equal(set.has('B'), false);
  const b = { ...fresh(), istate: { x: '1' } };
  const c = { ...fresh(), local: true };
  set.add('B', b);
  set.add('C', c);
  assert.deepEqual(set.identifiers(), ['A', 'B', 'C']);
  set.remove('A', a);
  assert.deepEqual(set.identifiers(), ['B', 'C']);
  set.add('A', a);
  assert.deepEqual(set.identifiers(), ['B', 'C', 'A']);
  assert.deepEqual(set.forDisconnect(), { subscriptions: ['B', 'A'], istate: { B: '{"x":"1"}', A: '{}' } });
  set.remove('B', b);
  set.remove('C', c);
  set.remove('A', a);
  assert.equal(set.size, 0);
  assert.deepEqual(set.identifiers(), []);
});

test('the only subscription replaced and removed', () => {
  const { hub } = recordingHub();
  const set = new SubscriptionSet(hub, subscriber);
  const first = fresh();
  const second = fresh();
  set.add('A', first);
  set.add('A', second);
  assert.equal(set.size, 1);
  assert.equal(set.get('A'), second);
  set.remove('B', second);
  assert.equal(set.size, 1, 'another identifier removes nothing');
  set.remove('A', second);
  assert.equal(set.size, 0);
  set.add('B', first);
  assert.deepEqual(set.identifiers(), ['B']);
});

test('streams: one, several, stopped one by one or all; the hub follows exactly those', () => {
  const { hub, calls } = recordingHub();
  const set = new SubscriptionSet(hub, subscriber);
  const a = fresh();
  set.add('A', a);
  set.follow('A', a, 's1');
  set.follow('A', a, 's1');
  assert.deepEqual(streamsOf(a), ['s1']);
  set.follow('A', a, 's2');
  set.follow('A', a, 's3');
  assert.deepEqual(streamsOf(a), ['s1', 's2', 's3']);
  set.stop('A', a, 's2');
  set.stop('A', a, 'unknown');
  assert.deepEqual(streamsOf(a), ['s1', 's3']);
  assert.deepEqual(set.snapshot(), [{ identifier: 'A', istate: null, streams: ['s1', 's3'] }]);
  set.stopEveryStream();
  assert.deepEqual(streamsOf(a), []);
  assert.equal(set.size, 1, 'the subscription stays for Disconnect');
  const b = fresh();
  set.add('B', b);
  set.follow('B', b, 't');
  set.stop('B', b, 't');
  set.stop('B', b, 't');
  assert.deepEqual(streamsOf(b), []);
  assert.deepEqual(calls, [
    'follow A s1',
    'follow A s1',
    'follow A s2',
    'follow A s3',
    'unfollow A s2',
    'unfollow A s1',
    'unfollow A s3',
    'follow B t',
    'unfollow B t',
  ]);
});
