import type { BroadcastConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';
import { RedisPubSubIntake } from './redis-pubsub.intake.js';

/** The intakes selected by `broadcast_adapter`; config validation already refused the others. */
export function createBroadcastIntakes(config: BroadcastConfig, logger: GatewayLogger): BroadcastIntake[] {
  return config.adapters.map((name): BroadcastIntake => {
    switch (name) {
      case 'redis':
        return new RedisPubSubIntake(config.redisUrl, config.redisChannel, logger);
      default:
        throw new Error(`broadcast adapter "${name}" is not implemented yet`);
    }
  });
}

/** Starts and stops every intake of the gateway. */
export class BroadcastIntakes {
  constructor(
    private readonly intakes: readonly BroadcastIntake[],
    private readonly sink: BroadcastSink,
    private readonly logger: GatewayLogger,
  ) {}

  get names(): string[] {
    return this.intakes.map((intake) => intake.name);
  }

  async start(): Promise<void> {
    if (this.intakes.length === 0) this.logger.warn('no broadcast adapter configured: broadcasts will not be received');
    await Promise.all(this.intakes.map((intake) => intake.start(this.sink)));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.intakes.map((intake) =>
        intake.stop().catch((error: Error) => this.logger.warn({ intake: intake.name, err: error.message }, 'broadcast intake stop failed')),
      ),
    );
  }
}
