import type { NatsConnection, Subscription } from 'nats';
import type { GatewayLogger } from '../../log/logger.js';
import { closeNats, connectNats } from '../nats-client.js';
import { settlesWithin } from '../waits.js';
import { INTERNAL_CHANNEL, type PubsubTransport } from './pubsub-transport.js';
import { natsSubjectOf } from './relay-message.js';

/** How long `start` waits for NATS before going on and connecting in the background. */
const FIRST_CONNECT_WAIT_MS = 5_000;

/**
 * NATS pub/sub between gateways, as anycable-go's: a stream's subject is the stream name (see
 * natsSubjectOf for names that are not literal subjects), remote commands go to
 * `__anycable_internal__`. nats.js re-sends the subscriptions after a reconnect and buffers
 * publishes while it reconnects.
 */
export class NatsPubsubTransport implements PubsubTransport {
  readonly name = 'nats';
  private readonly stopping = new AbortController();
  private connection: NatsConnection | null = null;
  private connecting: Promise<NatsConnection | null> | null = null;
  private onMessage: (payload: string) => void = () => {};
  /** Followed streams and their subscription (null until connected). */
  private readonly streams = new Map<string, Subscription | null>();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly servers: readonly string[],
    private readonly logger: GatewayLogger,
  ) {}

  async start(onMessage: (payload: string) => void): Promise<void> {
    this.onMessage = onMessage;
    this.connecting = connectNats(this.servers, 'pubsub', this.logger, this.stopping.signal).then((connection) => {
      if (!connection) return null;
      this.connection = connection;
      this.subscribe(INTERNAL_CHANNEL);
      for (const stream of this.streams.keys()) this.streams.set(stream, this.subscribe(natsSubjectOf(stream)));
      this.logger.info({ pubsub: 'nats', servers: this.servers }, 'NATS pub/sub between gateways ready');
      return connection;
    });
    await settlesWithin(this.connecting, FIRST_CONNECT_WAIT_MS);
  }

  followStream(stream: string): void {
    if (this.streams.has(stream)) return;
    this.streams.set(stream, this.connection ? this.subscribe(natsSubjectOf(stream)) : null);
  }

  unfollowStream(stream: string): void {
    const subscription = this.streams.get(stream);
    this.streams.delete(stream);
    subscription?.unsubscribe();
  }

  async publishToStream(stream: string, payload: string): Promise<void> {
    this.publish(natsSubjectOf(stream), payload);
  }

  async publishCommand(payload: string): Promise<void> {
    this.publish(INTERNAL_CHANNEL, payload);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const connection = await this.connecting;
    this.connection = null;
    if (connection) await closeNats(connection, 'pubsub', this.logger);
  }

  private publish(subject: string, payload: string): void {
    if (!this.connection) throw new Error('not connected to NATS yet');
    this.connection.publish(subject, payload);
  }

  private subscribe(subject: string): Subscription {
    return (this.connection as NatsConnection).subscribe(subject, {
      callback: (error, message) => {
        if (error) this.logger.error({ pubsub: 'nats', subject, err: error.message }, 'NATS subscription error');
        else this.onMessage(this.decoder.decode(message.data));
      },
    });
  }
}
