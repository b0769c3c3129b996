import type { BrokerName, GatewayConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { Broker } from './broker.js';
import { MemoryBroker } from './memory.broker.js';
import { NatsBroker } from './nats/nats.broker.js';
import { NoBroker } from './no.broker.js';
import { createPresenceStore } from './presence/create-presence-store.js';
import { RedisBroker } from './redis/redis.broker.js';

/** True for the backends every gateway shares (a publication is then registered once, by the gateway that took it). */
export function isSharedBroker(name: BrokerName): boolean {
  return name === 'redis' || name === 'nats';
}

/** The backend selected by the `broker` option (a distributed one reaches its servers through the broadcast settings). */
export function createBroker(gateway: GatewayConfig, logger: GatewayLogger, stats: GatewayStats): Broker {
  const { broker: config, broadcast } = gateway;
  switch (config.name) {
    case 'none':
      return new NoBroker();
    case 'memory':
      return new MemoryBroker(config, logger, createPresenceStore(gateway, logger, stats, 'memory'));
    case 'nats':
      return new NatsBroker({ ...config, servers: broadcast.natsServers }, logger, stats, createPresenceStore(gateway, logger, stats, 'nats'));
    case 'redis':
      return new RedisBroker({ ...config, url: broadcast.redisUrl }, logger, stats, createPresenceStore(gateway, logger, stats, 'redis'));
  }
}
