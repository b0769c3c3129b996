import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { EXT, sharedFailoverTests, sharedRestoreTests, useBrokerBed, type BrokerBackend } from '../support/broker-suite.js';
import { streamFrames, type Frame } from '../support/cable-clients.js';
import { startHalfOpenProxy } from '../support/half-open-proxy.js';
import { waitFor } from '../support/ports.js';
import { RestoringClient, SequencePublisher } from '../support/restoring-client.js';
import { feed } from '../support/scripted-rpc-server.js';
import { startRedis } from '../support/services.js';

const redis: BrokerBackend = {
  name: 'redis',
  startService: startRedis,
  gatewayEnv: (service) => ({
    ANYCABLE_BROKER: 'redis',
    ANYCABLE_REDIS_URL: service.url,
    ANYCABLE_PUBSUB: 'redis',
    ANYCABLE_HISTORY_LIMIT: '500',
    ANYCABLE_BROKER_TIMEOUT_MILLISECONDS: '500',
  }),
  registersInPostOrder: true,
};

describe('broker=redis: history in Redis Streams, sessions as keys, shared by two gateways', () => {
  const bed = useBrokerBed(redis);

  test('offsets come from Redis: one position per publication, the same on both gateways and both sub-protocols; the stream is bounded and expires', async () => {
    const stream = 'redis:positions';
    const [ext, plain] = await bed.subscribedOnBoth(stream);
    // Taken by both gateways in turn: every publication is registered once, by the gateway that took it.
    for (let n = 1; n <= 4; n++) await bed.cluster.publish(n % 2, { stream, data: JSON.stringify({ n }) });
    const frames = await bed.sameFramesOnBoth(ext, plain, stream, 4);
    assert.deepEqual(frames.map((frame) => [frame.message, frame.stream_id, frame.offset]), [1, 2, 3, 4].map((n) => [{ n }, stream, n]));

    const direct = new Redis(bed.service.url);
    try {
      assert.equal(await direct.xlen(`_ac_h:${stream}`), 4, 'stored once each');
      assert.equal(await direct.get(`_ac_e:${stream}`), frames[0]!.epoch, 'the epoch lives in Redis');
      const ttl = await direct.pttl(`_ac_h:${stream}`);
      assert.ok(ttl > 290_000 && ttl <= 300_000, `history expires after history_ttl (pttl ${ttl})`);
    } finally {
      direct.disconnect();
    }
  });

  sharedRestoreTests(bed, redis);

  test('half-open on gateway 1, restore on gateway 2 under traffic taken by both gateways: exactly once, in order; the session is restored once', async () => {
    const stream = 'redis:half-open';
    const proxy = bed.track(await startHalfOpenProxy(bed.cluster.gateways[0]!.port));
    const client = bed.track(await RestoringClient.subscribe(proxy.url(), feed(stream), stream));
    const publisher = new SequencePublisher([() => bed.cluster.broadcastUrl(0), () => bed.cluster.broadcastUrl(1)], stream, 3);
    let sent: number;
    try {
      await waitFor(() => client.received.length >= 20, 'traffic reaching the client');
      const oldSid = client.sessionId;
      proxy.cut();
      await client.restore(bed.url(1));
      const second = await bed.raw(1, EXT, `?sid=${encodeURIComponent(oldSid)}`);
      assert.equal((second.frames[0] as Frame).restored, false, 'a session is restored once, whichever gateway asks');
      const mark = publisher.sent;
      await waitFor(() => publisher.sent >= mark + 20, 'traffic after the restore');
    } finally {
      sent = await publisher.stop();
    }
    await client.waitForCount(sent);
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.assertExactlyOnce(sent);
  });

  sharedFailoverTests(bed, redis);

  test('Redis down: live delivery goes on without positions, history refused, no restore; counted, logged once; back by itself (a Redis that lost its data gives a new epoch)', async () => {
    const stream = 'redis:outage';
    const client = await bed.restoring(0, stream);
    await bed.publishAll(0, stream, 1, 1);
    await client.waitForCount(1);
    const [first] = streamFrames(client.connection, feed(stream));
    const sid = client.sessionId;
    await bed.service.kill();
    try {
      const started = Date.now();
      await bed.publishAll(0, stream, 2, 3);
      await client.waitForCount(3);
      assert.ok(Date.now() - started < 3_000, 'live delivery does not wait for Redis');
      await bed.assertRunsWithoutBroker(client, stream, sid, 3_000);
      const errors = bed.cluster.gateways[0]!.process.output().match(/Redis broker unreachable/g) ?? [];
      assert.equal(errors.length, 1, 'logged once for the episode');
    } finally {
      await bed.service.restart();
    }
    await waitFor(
      async () => {
        await bed.cluster.publish(0, { stream, data: JSON.stringify({ n: 99 }) });
        return streamFrames(client.connection, feed(stream)).slice(3).some((frame) => typeof frame.offset === 'number');
      },
      'positions again once Redis is back',
      15_000,
    );
    assert.match(bed.cluster.gateways[0]!.process.output(), /Redis broker reachable again: registration resumed/);
    const positioned = streamFrames(client.connection, feed(stream)).slice(3).filter((frame) => typeof frame.offset === 'number');
    assert.notEqual(positioned[0]!.epoch, first!.epoch, 'the restarted Redis kept nothing (no persistence): a new epoch, so old offsets are refused, not misread');
  });
});
