import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { RPC_PROTO_PATH } from './rpc.constants.js';
import { RPC_DESCRIPTOR } from './rpc.descriptor.js';

test('the generated descriptor is proto/anycable/rpc.proto as protobufjs reads it (else run node scripts/rpc-descriptor.mjs)', () => {
  const parsed = new protobuf.Root().loadSync(RPC_PROTO_PATH, { keepCase: true }).toJSON();
  assert.deepEqual(JSON.parse(JSON.stringify(RPC_DESCRIPTOR)), JSON.parse(JSON.stringify(parsed)));
});
