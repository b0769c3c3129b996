import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway } from '../support/gateway.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';

describe('max_subscriptions_per_session', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('past the bound a subscribe is rejected without an RPC call and logged; unsubscribing makes room again', async () => {
    const rpc = await ScriptedRpcServer.start({});
    cleanups.push(() => rpc.stop());
    const gateway = await startGateway({ ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_MAX_SUBSCRIPTIONS_PER_SESSION: '3' });
    cleanups.push(() => gateway.stop());
    const client = await RawCableClient.welcomed(gateway.url());
    cleanups.push(() => client.close());
    const id = (n: number) => JSON.stringify({ channel: 'Chat', stream: `room-${n}` });
    for (const n of [1, 2, 3]) {
      client.subscribe(id(n));
      await client.waitForConfirm(id(n));
    }
    client.subscribe(id(4));
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.identifier === id(4), 'an answer to the fourth subscribe');
    assert.deepEqual(client.messages.at(-1), { identifier: id(4), type: 'reject_subscription' });
    assert.equal(rpc.callsOf('Command').length, 3, 'the refused subscribe cost no RPC call');
    assert.match(gateway.process.output(), /subscription limit reached \(max_subscriptions_per_session=3\): subscribe rejected.*room-4/);

    client.send({ command: 'unsubscribe', identifier: id(1) });
    await rpc.waitForCalls('Command', 4);
    client.subscribe(id(4));
    await client.waitForConfirm(id(4));
    await sleep(100);
    assert.equal(client.ws.readyState, client.ws.OPEN, 'the session goes on');
  });
});
