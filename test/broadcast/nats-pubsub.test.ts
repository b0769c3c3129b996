// The pub/sub layer over NATS (no Redis anywhere): what one gateway takes over HTTP reaches the
// clients of the other, once, and remote disconnects reach every gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BroadcastService } from '#libs/broadcaster';
import type { RawCableClient } from '../support/cable-clients.js';
import type { GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startNats, type TestService } from '../support/services.js';
import { ClientPool, NO_INHERITED_SERVERS, createPublisher, messagesOn, startGateways, waitForMessages, waitForRemoteDisconnect } from './broadcast-cluster.js';

describe('pub/sub between gateways over NATS', () => {
  let nats: TestService;
  let rpc: ScriptedRpcServer;
  let gateways: GatewayProcess[];
  let publisher: BroadcastService;
  const pool = new ClientPool();

  before(async () => {
    [nats, rpc] = await Promise.all([startNats(), ScriptedRpcServer.start()]);
    gateways = await startGateways(2, {
      ...NO_INHERITED_SERVERS,
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_PUBSUB: 'nats',
      ANYCABLE_NATS_SERVERS: nats.url,
    });
    publisher = createPublisher({ adapter: 'http', httpUrl: `http://127.0.0.1:${gateways[0].port}/_broadcast` }, {});
  });

  after(async () => {
    pool.closeAll();
    await publisher?.onModuleDestroy();
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    await Promise.all([rpc?.stop(), nats?.stop()]);
  });

  /** NATS says nothing about who subscribed: publish probes until the other gateway relays them. */
  async function waitForRelay(stream: string, clients: RawCableClient[]): Promise<number> {
    let probes = 0;
    await waitFor(
      async () => {
        if (clients.every((client) => messagesOn(client, stream).length > 0)) return true;
        await publisher.broadcast(stream, { probe: probes++ });
        await sleep(100);
        return false;
      },
      `the relay of ${stream} to every gateway`,
      15_000,
    );
    return probes;
  }

  test('an HTTP publication taken by one gateway reaches the other once, in order', async () => {
    const stream = 'nats-relay:1';
    const clients = await pool.subscribed(gateways, stream);
    const probes = await waitForRelay(stream, clients);
    for (const n of [1, 2, 3]) await publisher.broadcast(stream, { n });
    await waitForMessages(clients, stream, probes + 3);
    for (const client of clients) {
      const real = messagesOn(client, stream).filter((message) => !('probe' in (message as object)));
      assert.deepEqual(real, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    }
    // The taking gateway delivered each probe once: its echo from NATS was skipped.
    const onTaker = messagesOn(clients[0], stream).filter((message) => 'probe' in (message as object));
    assert.deepEqual(onTaker, Array.from({ length: probes }, (_, probe) => ({ probe })));
  });

  test('a remote disconnect posted to one gateway closes the sessions on both', async () => {
    const leaving = await pool.subscribed(gateways, 'nats-relay:2', 'leaving');
    await publisher.disconnect(JSON.stringify({ user: 'leaving' }), { reconnect: true });
    for (const client of leaving) assert.deepEqual(await waitForRemoteDisconnect(client), { type: 'disconnect', reason: 'remote', reconnect: true });
  });
});
