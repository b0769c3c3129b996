import type { GatewayConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { Broker } from './broker.js';
import { MemoryBroker } from './memory.broker.js';
import { NatsBroker } from './nats/nats.broker.js';
import { NoBroker } from './no.broker.js';

/** The backend selected by the `broker` option (a distributed one reaches its servers through the broadcast settings). */
export function createBroker({ broker: config, broadcast }: GatewayConfig, logger: GatewayLogger, stats: GatewayStats): Broker {
  switch (config.name) {
    case 'none':
      return new NoBroker();
    case 'memory':
      return new MemoryBroker(config, logger);
    case 'nats':
      return new NatsBroker({ ...config, servers: broadcast.natsServers }, logger, stats);
  }
}
