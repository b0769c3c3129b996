// The pub/sub layer over NATS (no Redis anywhere): what one gateway takes over HTTP reaches the
// clients of the other, once, and remote disconnects reach every gateway; NATS killed and
// restarted: the nats intake and the relay deliver again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
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
  let natsPublisher: BroadcastService;
  const pool = new ClientPool();

  before(async () => {
    // The in-process publishers log NATS reconnects through Nest's logger: keep the test output to errors.
    Logger.overrideLogger(['error']);
    [nats, rpc] = await Promise.all([startNats(), ScriptedRpcServer.start()]);
    gateways = await startGateways(2, {
      ...NO_INHERITED_SERVERS,
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_PUBSUB: 'nats',
      ANYCABLE_BROADCAST_ADAPTER: 'http,nats',
      ANYCABLE_NATS_SERVERS: nats.url,
    });
    publisher = createPublisher({ adapter: 'http', httpUrl: `http://127.0.0.1:${gateways[0].port}/_broadcast` }, {});
    natsPublisher = createPublisher({ adapter: 'nats', natsServers: [nats.url], publishTimeoutMs: 1_000 });
  });

  after(async () => {
    pool.closeAll();
    await publisher?.onModuleDestroy();
    await natsPublisher?.onModuleDestroy();
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    await Promise.all([rpc?.stop(), nats?.stop()]);
  });

  /** NATS says nothing about who subscribed: publish probes until every client got one. */
  async function waitForRelay(stream: string, clients: RawCableClient[], via = publisher): Promise<number> {
    let probes = 0;
    await waitFor(
      async () => {
        if (clients.every((client) => messagesOn(client, stream).some((message) => 'probe' in (message as object)))) return true;
        await via.broadcast(stream, { probe: probes++ }).catch(() => undefined);
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

  test('NATS killed and restarted: no crash, the nats intake and the relay deliver again', async () => {
    if (!nats.private) throw new Error('this test kills NATS: install nats-server so it gets a private one');
    const stream = 'nats-relay:3';
    const clients = await pool.subscribed(gateways, stream);
    await waitForRelay(stream, clients);
    await nats.kill();
    for (const gateway of gateways) await waitFor(() => /NATS connection lost/.test(gateway.process.output()), 'the gateway noticed the loss', 15_000);
    await nats.restart();
    // Only what arrives from now on counts.
    const forget = (): void => clients.forEach((client) => (client.frames.length = 0));
    forget();
    await waitForRelay(stream, clients);
    forget();
    await waitForRelay(stream, clients, natsPublisher);
    for (const gateway of gateways) {
      assert.equal(gateway.process.child.exitCode, null, 'no crash');
      await waitFor(() => /NATS connection restored/.test(gateway.process.output()), 'the restore is logged');
    }
  });
});
