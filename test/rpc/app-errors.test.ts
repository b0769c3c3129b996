import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Status } from '#libs/protocol';
import { cableGrpcOptions } from '#libs/cable';
import { freePort, waitFor } from '../support/index.js';
import { FaultyAppModule, HeldCalls, Journal } from './support/faulty-app.module.js';
import { RecordingLogger } from './support/recording-logger.js';
import { createRpcClient, env, type RpcClient } from './support/rpc-client.js';

const IDS = '{"user":"u1"}';
const FAULTY = '{"channel":"faulty"}';
const MAX_CALLS = 2;

// An app of the test's own, built on the cable framework and served over real gRPC in this process,
// whose code throws on demand: the RPC app's demo has no code path that throws.
describe('app exceptions and the call bound, over gRPC', () => {
  let app: INestMicroservice;
  let client: RpcClient;
  const logs = new RecordingLogger();

  before(async () => {
    const address = `127.0.0.1:${await freePort()}`;
    app = await NestFactory.createMicroservice(FaultyAppModule.register(MAX_CALLS), {
      ...cableGrpcOptions({ url: address }),
      logger: logs,
    });
    await app.listen();
    client = createRpcClient(address);
  });
  after(async () => {
    client?.close();
    app.get(HeldCalls).releaseAll();
    await app?.close();
  });

  const message = (data: object, istate: Record<string, string> = {}, sid = 'gw-x') =>
    client.command({ command: 'message', identifier: FAULTY, connection_identifiers: IDS, data: JSON.stringify(data), env: env(undefined, {}, { istate }) }, { sid });

  function assertLoggedWithStack(pattern: RegExp): void {
    const entries = logs.find('error', pattern);
    assert.equal(entries.length >= 1, true, `no error log matching ${pattern}: ${JSON.stringify(logs.entries.slice(-5))}`);
    assert.match(String(entries[0]!.rest[0]), /\n\s+at /, 'the stack is logged');
  }

  test('an exception in connect: ERROR with error_msg, logged with the stack', async () => {
    const response = await client.connect({ env: env('ws://h/cable?explode=1') }, { sid: 'gw-c' });
    assert.equal(response.status, Status.ERROR);
    assert.equal(response.error_msg, 'connect exploded');
    assert.deepEqual(response.transmissions, []);
    assertLoggedWithStack(/Connect failed sid=gw-c: connect exploded/);
  });

  test('identify() with a name not in identifiedBy is a programming error: ERROR naming it', async () => {
    const response = await client.connect({ env: env('ws://h/cable?undeclared=1') });
    assert.equal(response.status, Status.ERROR);
    assert.match(response.error_msg, /"nope" is not declared in identifiedBy/);
  });

  test('connection state written in connect comes back as cstate; identifiers as declared', async () => {
    const first = await client.connect({ env: env('ws://h/cable?user=u1') });
    assert.equal(first.status, Status.SUCCESS, first.error_msg);
    assert.equal(first.identifiers, IDS);
    assert.deepEqual(first.env?.cstate, { visits: '1' });
    const second = await client.connect({ env: env('ws://h/cable', {}, { cstate: { visits: '1' } }) });
    assert.equal(second.identifiers, '{"user":null}');
    assert.deepEqual(second.env?.cstate, { visits: '2' });
  });

  test('an exception in subscribed: ERROR with error_msg and no transmission', async () => {
    const identifier = '{"channel":"faulty","explode":true}';
    const response = await client.command({ command: 'subscribe', identifier, connection_identifiers: IDS, env: env() }, { sid: 'gw-s' });
    assert.equal(response.status, Status.ERROR);
    assert.equal(response.error_msg, 'subscribed exploded');
    assert.deepEqual(response.transmissions, []);
    assert.deepEqual(response.streams, []);
    assertLoggedWithStack(/Command failed sid=gw-s subscribe \{"channel":"faulty","explode":true\}: subscribed exploded/);
  });

  test('an exception in an action: ERROR with error_msg, logged with the stack', async () => {
    const response = await message({ action: 'boom' }, {}, 'gw-a');
    assert.equal(response.status, Status.ERROR);
    assert.equal(response.error_msg, 'kaboom');
    assertLoggedWithStack(/Command failed sid=gw-a message .*: kaboom/);
  });

  test('a rejection with a non-Error value: ERROR with its text', async () => {
    const response = await message({ action: 'reject-non-error' });
    assert.equal(response.status, Status.ERROR);
    assert.equal(response.error_msg, 'a plain string');
  });

  test('state that cannot be encoded as JSON: ERROR naming the key', async () => {
    const response = await message({ action: 'unencodable' });
    assert.equal(response.status, Status.ERROR);
    assert.match(response.error_msg, /state key "big" cannot be encoded as JSON/);
  });

  test('malformed connection identifiers: ERROR (the gateway must send back what Connect returned)', async () => {
    const response = await client.command({ command: 'message', identifier: FAULTY, connection_identifiers: 'not-json', data: '{"action":"count","by":1}', env: env() });
    assert.equal(response.status, Status.ERROR);
    assert.match(response.error_msg, /connection identifiers are not a JSON object/);
  });

  test('a DTO with a number: state round trip, transmit, and the call runs in the session context', async () => {
    const first = await message({ action: 'count', by: 2 }, {}, 'gw-ctx');
    assert.equal(first.status, Status.SUCCESS, first.error_msg);
    assert.deepEqual(first.env?.istate, { count: '2' });
    assert.deepEqual(first.transmissions.map((frame) => JSON.parse(frame)), [{ identifier: FAULTY, message: { count: 2, session: 'gw-ctx' } }]);
    const second = await message({ action: 'count', by: 3 }, first.env!.istate, 'gw-ctx');
    assert.deepEqual(second.env?.istate, { count: '5' });
    const invalid = await message({ action: 'count', by: 0 }, second.env!.istate);
    assert.equal(invalid.status, Status.FAILURE);
    assert.equal(JSON.parse(invalid.transmissions[0]!).message.details[0].property, 'by');
  });

  test('Disconnect: an exception in one unsubscribed does not keep the others from running; the answer is ERROR', async () => {
    const exploding = '{"channel":"faulty","explode_on_leave":true}';
    const response = await client.disconnect(
      {
        identifiers: IDS,
        subscriptions: [exploding, FAULTY],
        env: env(undefined, {}, { cstate: { visits: '3' }, istate: { [exploding]: '{"count":"4"}', [FAULTY]: '{"count":"9"}' } }),
      },
      { sid: 'gw-d' },
    );
    assert.deepEqual(
      app.get(Journal).events.filter((event) => event.includes('sid=gw-d')),
      [`unsubscribed sid=gw-d ${FAULTY} count=9 user=u1`, 'disconnect sid=gw-d user=u1 visits=3'],
    );
    assert.equal(response.status, Status.ERROR);
    assert.match(response.error_msg, /unsubscribed exploded with count 4/);
    assertLoggedWithStack(/unsubscribed .* failed on disconnect sid=gw-d: unsubscribed exploded with count 4/);
  });

  test(`more than ${MAX_CALLS} calls in flight: RESOURCE_EXHAUSTED (retried by anycable-go), then served again`, async () => {
    const held = app.get(HeldCalls);
    const parked = Array.from({ length: MAX_CALLS }, () => message({ action: 'hold' }));
    await waitFor(() => held.count === MAX_CALLS, `${MAX_CALLS} calls parked`);
    await assert.rejects(message({ action: 'count', by: 1 }), (error: ServiceError) => {
      assert.equal(error.code, GrpcStatus.RESOURCE_EXHAUSTED);
      assert.match(error.details, /more than 2 RPC calls in flight/);
      return true;
    });
    held.releaseAll();
    for (const response of await Promise.all(parked)) {
      assert.equal(response.status, Status.SUCCESS);
      assert.deepEqual(response.transmissions, [JSON.stringify({ identifier: FAULTY, message: 'released' })]);
    }
    const after = await message({ action: 'count', by: 1 });
    assert.equal(after.status, Status.SUCCESS, after.error_msg);
  });
});
