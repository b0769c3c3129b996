import type { NatsConnection } from 'nats';
import type { GatewayLogger } from '../log/logger.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';
import { closeNats, connectNats } from './nats-client.js';
import { settlesWithin } from './waits.js';

/** How long `start` waits for NATS before going on and connecting in the background. */
const FIRST_CONNECT_WAIT_MS = 5_000;

/**
 * anycable-go's `nats` broadcast adapter: subscribes to subject `nats_channel` on `nats_servers`;
 * every gateway receives every publication.
 */
export class NatsIntake implements BroadcastIntake {
  readonly name = 'nats';
  readonly fanout = true;
  private readonly stopping = new AbortController();
  private connection: Promise<NatsConnection | null> | null = null;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly servers: readonly string[],
    private readonly subject: string,
    private readonly logger: GatewayLogger,
  ) {}

  async start(sink: BroadcastSink): Promise<void> {
    this.connection = connectNats(this.servers, 'nats intake', this.logger, this.stopping.signal).then(async (connection) => {
      if (!connection) return null;
      connection.subscribe(this.subject, {
        callback: (error, message) => {
          if (error) this.logger.error({ intake: 'nats', subject: this.subject, err: error.message }, 'NATS subscription error');
          else sink.deliverPayload(this.decoder.decode(message.data), 'nats');
        },
      });
      // The server has the subscription once a PING sent after it is answered.
      await connection.flush().catch((error: Error) => this.logger.warn({ intake: 'nats', err: error.message }, 'NATS flush after SUB failed'));
      this.logger.info({ intake: 'nats', subject: this.subject, servers: this.servers }, 'Subscribed to NATS broadcasts');
      return connection;
    });
    await settlesWithin(this.connection, FIRST_CONNECT_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const connection = await this.connection;
    if (connection) await closeNats(connection, 'nats intake', this.logger);
  }
}
