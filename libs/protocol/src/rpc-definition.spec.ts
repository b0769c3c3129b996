import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { loadRpcDefinition } from './rpc-definition.js';
import { RPC_LOADER_OPTIONS, RPC_PACKAGE, RPC_PROTO_PATH, RPC_SERVICE } from './rpc.constants.js';

const SERVICE = `${RPC_PACKAGE}.${RPC_SERVICE}`;
const env = { url: 'http://example.com/cable?x=1', headers: { cookie: 'a=b', 'x-api': 'é' }, cstate: { k: 'v' }, istate: {} };

/** One message of each type the gateway sends and receives, every field kind set (maps, repeated, enum, nested). */
const SAMPLES: Record<string, { request: object; response: object }> = {
  Connect: {
    request: { env },
    response: { status: 1, identifiers: '{"user":"1"}', transmissions: ['{"type":"welcome"}'], error_msg: '', env: { cstate: { a: '1' }, istate: {} } },
  },
  Command: {
    request: { command: 'message', identifier: '{"channel":"C"}', connection_identifiers: '{"u":1}', data: '{"action":"speak"}', env },
    response: { status: 2, disconnect: true, stop_streams: false, streams: ['s1', 's2'], transmissions: [], error_msg: 'no', env: null, stopped_streams: ['s0'] },
  },
  Disconnect: {
    request: { identifiers: '{"u":1}', subscriptions: ['{"channel":"C"}'], env },
    response: { status: 0, error_msg: 'boom' },
  },
};

test('the service built from the pre-generated descriptor serializes and reads messages as proto-loader does', () => {
  const expected = protoLoader.loadSync(RPC_PROTO_PATH, RPC_LOADER_OPTIONS)[SERVICE] as ServiceDefinition;
  const actual = loadRpcDefinition()[SERVICE] as ServiceDefinition;
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const [name, { request, response }] of Object.entries(SAMPLES)) {
    const [want, got] = [expected[name], actual[name]] as [MethodDefinition<object, object>, MethodDefinition<object, object>];
    assert.equal(got.path, want.path);
    assert.equal(got.originalName, want.originalName);
    assert.equal(got.requestStream, want.requestStream);
    assert.equal(got.responseStream, want.responseStream);
    const requestBytes = want.requestSerialize(request);
    const responseBytes = want.responseSerialize(response);
    assert.deepEqual(got.requestSerialize(request), requestBytes, `${name} request bytes`);
    assert.deepEqual(got.responseSerialize(response), responseBytes, `${name} response bytes`);
    assert.deepEqual(got.requestDeserialize(requestBytes), want.requestDeserialize(requestBytes), `${name} request object`);
    assert.deepEqual(got.responseDeserialize(responseBytes), want.responseDeserialize(responseBytes), `${name} response object`);
    // Defaults filled in as the loader options ask (an empty message reads as every field's default).
    assert.deepEqual(got.responseDeserialize(Buffer.alloc(0)), want.responseDeserialize(Buffer.alloc(0)), `${name} defaults`);
  }
});
