import type { GatewayConfig } from '../../config/gateway-config.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { GatewayStats } from '../../metrics/gateway-stats.js';
import { DocumentPresenceStore } from './document-presence.store.js';
import { MemoryPresenceDocuments } from './memory-presence.documents.js';
import type { PresenceStore } from './presence-store.js';

/**
 * The presence sets of the `broker` backend: this process's for memory, the shared server's for redis
 * and nats (their clients imported only then, as in createBroker).
 */
export async function createPresenceStore(config: GatewayConfig, logger: GatewayLogger, stats: GatewayStats, backend: 'memory' | 'nats' | 'redis'): Promise<PresenceStore> {
  switch (backend) {
    case 'memory':
      return new DocumentPresenceStore(new MemoryPresenceDocuments(), false, logger, stats);
    case 'nats': {
      const { NatsPresenceDocuments } = await import('./nats-presence.documents.js');
      return new DocumentPresenceStore(new NatsPresenceDocuments(config.broadcast.natsServers, config.broker.presenceTtlMs, logger), true, logger, stats);
    }
    case 'redis': {
      const { RedisPresenceDocuments } = await import('./redis-presence.documents.js');
      return new DocumentPresenceStore(new RedisPresenceDocuments(config.broadcast.redisUrl, logger), true, logger, stats);
    }
  }
}
