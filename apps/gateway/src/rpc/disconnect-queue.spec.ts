import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { pino } from 'pino';
import { RPC_LOADER_OPTIONS, RPC_PROTO_PATH, Status, type DisconnectRequest, type DisconnectResponse } from '#libs/protocol';
import { GatewayStats } from '../metrics/gateway-stats.js';
import { disconnectCodecOf } from './disconnect-codec.js';
import { DisconnectQueue } from './disconnect-queue.js';
import { RpcCallError } from './rpc-call.error.js';

const codec = disconnectCodecOf(protoLoader.loadSync(RPC_PROTO_PATH, RPC_LOADER_OPTIONS));

const requestOf = (i: number): DisconnectRequest => ({
  identifiers: JSON.stringify({ current_user_id: `user-${i}` }),
  subscriptions: [`{"channel":"comments","post_id":${i}}`],
  env: {
    url: `http://127.0.0.1:8080/cable?n=${i}`,
    headers: { cookie: `session=${i}`, REMOTE_ADDR: '10.0.0.1' },
    cstate: { since: String(i) },
    istate: { [`{"channel":"comments","post_id":${i}}`]: '{"seen":"1"}' },
  },
});

/** Records the calls; answers each after `answerMs` (never when null). */
function recordingRpc(answerMs: number | null) {
  const calls: Array<{ sid: string; request: DisconnectRequest }> = [];
  return {
    calls,
    disconnect(sid: string, request: DisconnectRequest): Promise<DisconnectResponse> {
      calls.push({ sid, request });
      if (answerMs === null) return new Promise(() => undefined);
      return new Promise((resolve) => setTimeout(() => resolve({ status: Status.SUCCESS, error_msg: '' }), answerMs));
    },
  };
}

test('the codec gives back every field of the call', () => {
  const decoded = codec.decode(codec.encode({ sid: 'sid-7', request: requestOf(7) }));
  assert.equal(decoded.sid, 'sid-7');
  assert.deepEqual(decoded.request, requestOf(7));
});

test('past disconnect_backlog_size nothing is dropped: every call is sent once, in the order of closes, at the rate', async () => {
  const rpc = recordingRpc(0);
  const stats = new GatewayStats();
  const queue = new DisconnectQueue(rpc, codec, { rate: 2000, backlogSize: 10, flushConcurrency: 4 }, pino({ level: 'silent' }), stats);
  for (let i = 0; i < 300; i++) queue.enqueue(`sid-${i}`, requestOf(i));
  assert.equal(stats.disconnectOverflowed, 290);
  assert.ok(queue.overflowBytes > 0);
  assert.equal(rpc.calls.length, 0, 'sent by the rate limiter, not at once');
  const started = Date.now();
  while (queue.pending > 0 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(queue.pending, 0);
  assert.deepEqual(rpc.calls.map((call) => call.sid), Array.from({ length: 300 }, (_, i) => `sid-${i}`));
  assert.deepEqual(rpc.calls[250].request, requestOf(250), 'a call that waited encoded carries every field');
  assert.equal(queue.overflowBytes, 0, 'a drained overflow holds no memory');
});

test('flush at shutdown: sends without the rate limit within the timeout and counts what is left', async () => {
  const hanging = recordingRpc(null);
  const queue = new DisconnectQueue(hanging, codec, { rate: 1, backlogSize: 2, flushConcurrency: 3 }, pino({ level: 'silent' }), new GatewayStats());
  for (let i = 0; i < 10; i++) queue.enqueue(`sid-${i}`, requestOf(i));
  assert.equal(await queue.flush(50), 10, 'three in flight unanswered, seven never sent');
  assert.equal(hanging.calls.length, 3);

  const answering = recordingRpc(1);
  const fast = new DisconnectQueue(answering, codec, { rate: 1, backlogSize: 2, flushConcurrency: 3 }, pino({ level: 'silent' }), new GatewayStats());
  for (let i = 0; i < 10; i++) fast.enqueue(`sid-${i}`, requestOf(i));
  assert.equal(await fast.flush(5000), 0);
  assert.equal(answering.calls.length, 10);
});

test('a call the RPC app did not run (down past its deadline) is queued again; one it may have run is not', async () => {
  const calls: string[] = [];
  let failures = 2;
  const rpc = {
    disconnect(sid: string): Promise<DisconnectResponse> {
      calls.push(sid);
      if (sid === 'unrun' && failures-- > 0) return Promise.reject(new RpcCallError('grpc', 'UNAVAILABLE', status.UNAVAILABLE, false));
      if (sid === 'maybe-run') return Promise.reject(new RpcCallError('deadline', 'DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED, true));
      return Promise.resolve({ status: Status.SUCCESS, error_msg: '' });
    },
  };
  const queue = new DisconnectQueue(rpc, codec, { rate: 1000, backlogSize: 10, flushConcurrency: 1 }, pino({ level: 'silent' }), new GatewayStats());
  queue.enqueue('unrun', requestOf(1));
  queue.enqueue('maybe-run', requestOf(2));
  const started = Date.now();
  while (queue.pending > 0 && Date.now() - started < 3000) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(calls, ['unrun', 'maybe-run', 'unrun', 'unrun']);
});
