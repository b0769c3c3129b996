/**
 * The shared presence stores against real servers, two store instances standing for two gateways:
 * the Redis document store (broker=redis) and the NATS KV one (broker=nats). Exactly one of the two
 * sees each join and each expiry's leave, even when both change one set at the same moment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DocumentPresenceStore } from '../../apps/gateway/src/broker/presence/document-presence.store.js';
import type { PresenceDocuments } from '../../apps/gateway/src/broker/presence/presence-documents.js';
import { NatsPresenceDocuments } from '../../apps/gateway/src/broker/presence/nats-presence.documents.js';
import { RedisPresenceDocuments } from '../../apps/gateway/src/broker/presence/redis-presence.documents.js';
import { createLogger } from '../../apps/gateway/src/log/logger.js';
import { GatewayStats } from '../../apps/gateway/src/metrics/gateway-stats.js';
import { waitFor } from '../support/ports.js';
import { startNats, startRedis, type TestService } from '../support/services.js';

const logger = createLogger('error', 'text');

for (const backend of ['redis', 'nats'] as const) {
  describe(`presence documents on ${backend}, two gateways`, () => {
    let server: TestService;
    let stores: DocumentPresenceStore[] = [];

    before(async () => {
      server = backend === 'redis' ? await startRedis() : await startNats({ jetstream: true });
      const documents = (): PresenceDocuments =>
        backend === 'redis' ? new RedisPresenceDocuments(server.url, logger) : new NatsPresenceDocuments([server.url], 1000, logger);
      stores = [new DocumentPresenceStore(documents(), true, logger, new GatewayStats()), new DocumentPresenceStore(documents(), true, logger, new GatewayStats())];
      await Promise.all(stores.map((store) => store.start()));
      // NATS sets its bucket up in the background: wait until both answer.
      await waitFor(async () => (await Promise.all(stores.map((store) => store.info('warmup')))).every((info) => info !== null), `${backend} ready`);
    });

    after(async () => {
      await Promise.all(stores.map((store) => store.stop()));
      await server?.stop();
    });

    test('concurrent joins of one id from both gateways: exactly one join; leave after the last session', async () => {
      const [a, b] = stores as [DocumentPresenceStore, DocumentPresenceStore];
      const far = Date.now() + 60_000;
      const outcomes = await Promise.all([a.add('room', 's-a', 'ann', { g: 'a' }, far), b.add('room', 's-b', 'ann', { g: 'b' }, far)]);
      assert.ok(outcomes.every((outcome) => outcome.ok));
      const joins = outcomes.filter((outcome) => outcome.ok && outcome.event?.type === 'join');
      assert.equal(joins.length, 1, `one join announced, got ${JSON.stringify(outcomes)}`);
      assert.equal((await b.info('room'))?.total, 1);
      assert.deepEqual(await a.remove('room', 's-a'), { ok: true, event: null });
      assert.deepEqual(await b.remove('room', 's-b'), { ok: true, event: { type: 'leave', id: 'ann' } });
      assert.equal((await a.info('room'))?.total, 0);
    });

    test('an expired session: both gateways sweep, one of them announces the leave', async () => {
      const [a, b] = stores as [DocumentPresenceStore, DocumentPresenceStore];
      await a.add('ttl', 's-1', 'bob', undefined, Date.now() + 300);
      await a.add('ttl', 's-2', 'cat', undefined, Date.now() + 60_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const swept = await waitFor(async () => {
        const [fromA, fromB] = await Promise.all([a.expire(Date.now()), b.expire(Date.now())]);
        const all = [...fromA, ...fromB];
        return all.length > 0 ? all : null;
      }, 'an expiry');
      assert.deepEqual(swept, [{ stream: 'ttl', event: { type: 'leave', id: 'bob' } }]);
      assert.deepEqual([...(await a.expire(Date.now())), ...(await b.expire(Date.now()))], [], 'nothing left to expire');
      assert.deepEqual((await b.info('ttl'))?.records, [{ id: 'cat' }]);
    });
  });
}
