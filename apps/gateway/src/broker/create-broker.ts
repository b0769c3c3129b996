import type { BrokerConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { Broker } from './broker.js';
import { MemoryBroker } from './memory.broker.js';
import { NoBroker } from './no.broker.js';

/** The backend selected by the `broker` option. */
export function createBroker(config: BrokerConfig, logger: GatewayLogger): Broker {
  switch (config.name) {
    case 'none':
      return new NoBroker();
    case 'memory':
      return new MemoryBroker(config, logger);
  }
}
