import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../log/logger.js';
import { GatewayStats } from '../../metrics/gateway-stats.js';
import { DocumentPresenceStore } from './document-presence.store.js';
import { MemoryPresenceDocuments } from './memory-presence.documents.js';
import type { PresenceDocuments } from './presence-documents.js';

const logger = createLogger('error', 'text');

test('interleaved changes of one stream are all kept (the store re-reads when a write lost the race)', async () => {
  const store = new DocumentPresenceStore(new MemoryPresenceDocuments(), false, logger, new GatewayStats());
  const far = Date.now() + 60_000;
  const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add('s', `sid-${i}`, `u-${i % 5}`, { i }, far)));
  assert.equal(outcomes.filter((outcome) => outcome.ok && outcome.event?.type === 'join').length, 5, 'one join per id');
  const info = await store.info('s');
  assert.equal(info?.total, 5);
});

test('a backend that fails is a refusal, counted, never a rejection', async () => {
  const broken: PresenceDocuments = {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    read: () => Promise.reject(new Error('down')),
    write: () => Promise.reject(new Error('down')),
    due: () => Promise.reject(new Error('down')),
  };
  const stats = new GatewayStats();
  const store = new DocumentPresenceStore(broken, true, logger, stats);
  assert.deepEqual(await store.add('s', 'sid', 'u', undefined, 1), { ok: false, error: 'presence backend failed: down' });
  assert.equal(await store.info('s'), null);
  assert.deepEqual(await store.expire(Date.now()), []);
  assert.equal(stats.brokerErrors, 3);
});
