import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedFailoverTests, sharedRestoreTests, useBrokerBed, type BrokerBackend } from '../support/broker-suite.js';
import { streamFrames } from '../support/cable-clients.js';
import { waitFor } from '../support/ports.js';
import { feed } from '../support/scripted-rpc-server.js';
import { startNats } from '../support/services.js';

const nats: BrokerBackend = {
  name: 'nats',
  startService: () => startNats({ jetstream: true }),
  gatewayEnv: (service) => ({ ANYCABLE_BROKER: 'nats', ANYCABLE_NATS_SERVERS: service.url, ANYCABLE_PUBSUB: 'nats' }),
  registersInPostOrder: false,
};

describe('broker=nats: history and sessions in NATS JetStream, shared by two gateways', () => {
  const bed = useBrokerBed(nats);

  test('one position per publication (its JetStream sequence number), the same on both gateways and both sub-protocols', async () => {
    const stream = 'nats:positions';
    const [ext, plain] = await bed.subscribedOnBoth(stream);
    await bed.publishAll(0, stream, 1, 2);
    // Publications taken by two gateways at the same moment reach each gateway in its own order:
    // the third goes in at the other gateway once the first two are there.
    await waitFor(() => streamFrames(plain, feed(stream)).length >= 2, 'two relayed messages');
    await bed.publishAll(1, stream, 3, 3);
    const first = await bed.sameFramesOnBoth(ext, plain, stream, 3);
    assert.deepEqual(first.map((frame) => [frame.message, frame.stream_id, frame.offset]), [[{ n: 1 }, stream, 1], [{ n: 2 }, stream, 2], [{ n: 3 }, stream, 3]]);
    assert.match(String(first[0]!.epoch), /^[\w-]{4}$/);
  });

  sharedRestoreTests(bed, nats);
  sharedFailoverTests(bed, nats);

  test('NATS down: live delivery goes on without positions, history refused, no restore; counted, logged once; back by itself', async () => {
    const stream = 'nats:outage';
    const client = await bed.restoring(0, stream);
    await bed.publishAll(0, stream, 1, 1);
    await client.waitForCount(1);
    const sid = client.sessionId;
    await bed.service.kill();
    try {
      await bed.publishAll(0, stream, 2, 3);
      await client.waitForCount(3);
      await bed.assertRunsWithoutBroker(client, stream, sid, 8_000);
      const warnings = bed.cluster.gateways[0]!.process.output().match(/NATS broker unavailable/g) ?? [];
      assert.equal(warnings.length, 1, 'logged once for the episode');
    } finally {
      await bed.service.restart();
    }
    await waitFor(
      async () => {
        await bed.cluster.publish(0, { stream, data: JSON.stringify({ n: 99 }) });
        return streamFrames(client.connection, feed(stream)).some((frame) => typeof frame.offset === 'number' && frame.offset > 1);
      },
      'positions again once NATS is back',
      15_000,
    );
    assert.match(bed.cluster.gateways[0]!.process.output(), /NATS broker available again/);
  });
});
