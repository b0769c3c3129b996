import type { BrokerName, GatewayConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { Broker } from './broker.js';
import { MemoryBroker } from './memory.broker.js';
import { NoBroker } from './no.broker.js';
import { createPresenceStore } from './presence/create-presence-store.js';

/** True for the backends every gateway shares (a publication is then registered once, by the gateway that took it). */
export function isSharedBroker(name: BrokerName): boolean {
  return name === 'redis' || name === 'nats';
}

/**
 * The backend selected by the `broker` option (a distributed one reaches its servers through the
 * broadcast settings). The NATS and Redis backends are imported only when selected: their clients
 * are a separate chunk of the bundle that a gateway without them never reads (start time, RSS).
 */
export async function createBroker(gateway: GatewayConfig, logger: GatewayLogger, stats: GatewayStats): Promise<Broker> {
  const { broker: config, broadcast } = gateway;
  switch (config.name) {
    case 'none':
      return new NoBroker();
    case 'memory':
      return new MemoryBroker(config, logger, await createPresenceStore(gateway, logger, stats, 'memory'));
    case 'nats': {
      const { NatsBroker } = await import('./nats/nats.broker.js');
      return new NatsBroker({ ...config, servers: broadcast.natsServers }, logger, stats, await createPresenceStore(gateway, logger, stats, 'nats'));
    }
    case 'redis': {
      const { RedisBroker } = await import('./redis/redis.broker.js');
      return new RedisBroker({ ...config, url: broadcast.redisUrl }, logger, stats, await createPresenceStore(gateway, logger, stats, 'redis'));
    }
  }
}
