/**
 * The pub/sub layer between gateways (option `pubsub`): per-stream channels, so a gateway receives
 * only the streams it has subscribers for, plus one channel every gateway follows for remote
 * commands. Implemented over Redis and NATS; used by StreamRelay.
 */
export interface PubsubTransport {
  readonly name: 'redis' | 'nats';
  /**
   * Connects and subscribes to the command channel and the streams followed so far. Resolves once
   * subscribed, or after logging why not yet (it goes on trying in the background). Never throws.
   */
  start(onMessage: (payload: string) => void): Promise<void>;
  /** Subscribes to a stream's channel (idempotent; remembered across reconnects and before start). */
  followStream(stream: string): void;
  unfollowStream(stream: string): void;
  /** Resolves once handed to the server (or its client's buffer); rejects with the cause otherwise. */
  publishToStream(stream: string, payload: string): Promise<void>;
  publishCommand(payload: string): Promise<void>;
  stop(): Promise<void>;
}

/** anycable-go's channel (Redis) / subject (NATS) for remote commands between gateways. */
export const INTERNAL_CHANNEL = '__anycable_internal__';
