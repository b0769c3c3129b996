import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CableRestoreProtocol } from './cable-restore.protocol.js';
import type { RecoveryEvent } from './recovery-protocol.js';
import { SocketIoRecoveryProtocol } from './socket-io-recovery.protocol.js';

const read = (protocol: { read(frame: string, out: RecoveryEvent[]): void }, frame: string): RecoveryEvent[] => {
  const out: RecoveryEvent[] = [];
  protocol.read(frame, out);
  return out;
};
const sent = (events: RecoveryEvent[]): unknown[] => events.flatMap((event) => (event.type === 'send' ? [JSON.parse(event.frame)] : []));

test('cable: subscribe with history, track positions, restore with ?sid= and history from the last offset', () => {
  const id = '{"channel":"comments","post_id":"1"}';
  const cable = new CableRestoreProtocol(id);
  assert.equal(cable.connectUrl('ws://h/cable'), 'ws://h/cable');
  const first = sent(read(cable, '{"type":"welcome","sid":"s1"}'));
  assert.deepEqual(first, [{ command: 'subscribe', identifier: id, history: { since: (first[0] as { history: { since: number } }).history.since, streams: {} } }]);
  assert.deepEqual(read(cable, '{"type":"confirm_history","identifier":"x"}'), [{ type: 'caught-up', restored: false, historyRejected: false }]);
  assert.deepEqual(read(cable, `{"identifier":${JSON.stringify(id)},"message":{"seq":7,"t":1},"stream_id":"s","epoch":"E","offset":41}`), [{ type: 'broadcast', seq: 7 }]);
  assert.equal(cable.connectUrl('ws://h/cable?jwt=1'), 'ws://h/cable?jwt=1&sid=s1');
  const restore = sent(read(cable, `{"type":"welcome","sid":"s2","restored":true,"restored_ids":[${JSON.stringify(id)}]}`));
  assert.deepEqual((restore[0] as { command: string; history: { streams: unknown } }).command, 'history');
  assert.deepEqual((restore[0] as { history: { streams: unknown } }).history.streams, { s: { epoch: 'E', offset: 41 } });
  assert.deepEqual(read(cable, '{"type":"reject_history"}'), [{ type: 'caught-up', restored: true, historyRejected: true }]);
  read(cable, '{"type":"disconnect","reason":"server_restart","reconnect":true}');
  assert.equal(cable.connectUrl('ws://h/cable'), 'ws://h/cable', 'a disconnect frame forgets the sid');
  assert.equal(read(cable, '{"type":"reject_subscription"}')[0]!.type, 'failed');
});

test('cable with keepSidOnRestart: a server_restart disconnect keeps the sid (restore after a restart); one that says no reconnect forgets it and fails', () => {
  const id = '{"channel":"comments","post_id":"1"}';
  const cable = new CableRestoreProtocol(id, { keepSidOnRestart: true });
  read(cable, '{"type":"welcome","sid":"s1"}');
  assert.deepEqual(read(cable, '{"type":"disconnect","reason":"server_restart","reconnect":true}'), []);
  assert.equal(cable.connectUrl('ws://h/cable'), 'ws://h/cable?sid=s1');
  assert.deepEqual(sent(read(cable, `{"type":"welcome","sid":"s2","restored":true,"restored_ids":[${JSON.stringify(id)}]}`)).map((frame) => (frame as { command: string }).command), ['history']);
  assert.deepEqual(read(cable, '{"type":"confirm_history"}'), [{ type: 'caught-up', restored: true, historyRejected: false }]);
  assert.deepEqual(read(cable, '{"type":"disconnect","reason":"unauthorized","reconnect":false}'), [{ type: 'failed', reason: 'disconnect: unauthorized' }]);
  assert.equal(cable.connectUrl('ws://h/cable'), 'ws://h/cable');
});

test('socket.io: pid and last offset sent on the next CONNECT; recovered when the same pid comes back, else join again', () => {
  const io = new SocketIoRecoveryProtocol('room-1');
  assert.deepEqual(read(io, '0{"sid":"e1"}'), [{ type: 'send', frame: '40' }]);
  assert.deepEqual(read(io, '40{"sid":"a","pid":"P1"}'), [{ type: 'send', frame: '420["subscribe","room-1"]' }]);
  assert.deepEqual(read(io, '430[{"ok":true}]'), [{ type: 'caught-up', restored: false, historyRejected: false }]);
  assert.deepEqual(read(io, '42["message",{"seq":3,"t":5,"pad":""},"1700000000000-4"]'), [{ type: 'broadcast', seq: 3 }]);
  assert.deepEqual(read(io, '2'), [{ type: 'send', frame: '3' }]);
  io.connectUrl('ws://h/socket.io/');
  assert.deepEqual(read(io, '0{"sid":"e2"}'), [{ type: 'send', frame: '40{"pid":"P1","offset":"1700000000000-4"}' }]);
  assert.deepEqual(read(io, '40{"sid":"b","pid":"P1"}'), [{ type: 'caught-up', restored: true, historyRejected: false }]);
  io.connectUrl('ws://h/socket.io/');
  read(io, '0{"sid":"e3"}');
  assert.deepEqual(read(io, '40{"sid":"c","pid":"P2"}'), [{ type: 'send', frame: '420["subscribe","room-1"]' }], 'not recovered: join again');
});
