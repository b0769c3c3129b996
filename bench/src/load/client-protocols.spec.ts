import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionCableProtocol } from './action-cable.client-protocol.js';
import { targetFor } from './client-protocol.js';
import { socketIoProtocol } from './socket-io.client-protocol.js';

const target = { identifier: '{"channel":"comments","post_id":"1"}', stream: 'comments:post:1' };

test('Action Cable frames: welcome, confirm, reject, broadcast, transmission, ping, disconnect', () => {
  const classify = actionCableProtocol.classify;
  assert.deepEqual(classify('{"type":"welcome","sid":"s1"}'), { type: 'ready' });
  assert.deepEqual(classify('{"type":"ping","message":1}'), { type: 'ignore' });
  assert.deepEqual(classify(`{"identifier":${JSON.stringify(target.identifier)},"type":"confirm_subscription"}`), { type: 'subscribed' });
  assert.equal(classify('{"identifier":"x","type":"reject_subscription"}').type, 'rejected');
  assert.deepEqual(classify('{"identifier":"x","message":{"seq":3,"t":12.5,"pad":""}}'), { type: 'broadcast', stamp: { seq: 3, sentAtMicros: 12.5 } });
  assert.deepEqual(classify('{"identifier":"x","message":{"user":"u","message":"bench"}}'), { type: 'reply' });
  assert.deepEqual(classify('{"type":"disconnect","reason":"unauthorized","reconnect":false}'), { type: 'disconnect', reason: 'disconnect: unauthorized' });
});

test('Action Cable commands', () => {
  assert.deepEqual(JSON.parse(actionCableProtocol.subscribeFrame(target, 0)), { command: 'subscribe', identifier: target.identifier });
  assert.deepEqual(JSON.parse(actionCableProtocol.unsubscribeFrame(target)), { command: 'unsubscribe', identifier: target.identifier });
  assert.deepEqual(JSON.parse(actionCableProtocol.commandFrame(target, { action: 'speak' }, 1)), {
    command: 'message',
    identifier: target.identifier,
    data: '{"action":"speak"}',
  });
});

test('Socket.IO packets: open → namespace connect, ping → pong, acks by id, events with stamps', () => {
  const classify = socketIoProtocol.classify;
  assert.deepEqual(classify('0{"sid":"a","pingInterval":25000}'), { type: 'respond', frame: '40' });
  assert.deepEqual(classify('40{"sid":"b"}'), { type: 'ready' });
  assert.deepEqual(classify('2'), { type: 'respond', frame: '3' });
  assert.deepEqual(classify('430[{"ok":true}]'), { type: 'subscribed' });
  assert.deepEqual(classify('4312[{"echo":1}]'), { type: 'reply' });
  assert.deepEqual(classify('42["message",{"seq":7,"t":99,"pad":""}]'), { type: 'broadcast', stamp: { seq: 7, sentAtMicros: 99 } });
  assert.equal(classify('44{"message":"no"}').type, 'rejected');
  assert.equal(classify('41').type, 'disconnect');
  assert.equal(socketIoProtocol.subscribeFrame(target, 0), '420["subscribe","comments:post:1"]');
  assert.equal(socketIoProtocol.commandFrame(target, { action: 'speak' }, 5), '425["command",{"action":"speak"}]');
});

test('{client} in a target becomes the connection name; targets without it are shared', () => {
  assert.equal(targetFor(target, 'w0-c1'), target);
  assert.deepEqual(targetFor({ identifier: '{"id":"bench-{client}"}', stream: 'actuator_bench-{client}' }, 'w1-c9'), {
    identifier: '{"id":"bench-w1-c9"}',
    stream: 'actuator_bench-w1-c9',
  });
});
