import { DEFAULT_BROADCAST_CHANNEL } from '#libs/protocol';

/** Transports an app can publish through, as anycable-go names them. */
export const BROADCAST_ADAPTER_NAMES = ['redis', 'http', 'redisx', 'nats'] as const;

/** One of `BROADCAST_ADAPTER_NAMES`. */
export type BroadcastAdapterName = (typeof BROADCAST_ADAPTER_NAMES)[number];

/**
 * Every setting of the broadcaster, resolved and validated (see `resolveBroadcasterOptions`).
 * Each field names the environment variable it is read from when not given explicitly, and its default.
 */
export interface BroadcasterOptions {
  /**
   * Transport. Env `ANYCABLE_BROADCAST_ADAPTER`. Default: `redis` when a Redis URL is configured
   * (`redisUrl`, `ANYCABLE_REDIS_URL` or `REDIS_URL`), else `http` (the gateway's embedded intake).
   */
  adapter: BroadcastAdapterName;
  /** Redis server for `redis` and `redisx`. Env `ANYCABLE_REDIS_URL`, then `REDIS_URL`. Default `redis://localhost:6379`. */
  redisUrl: string;
  /**
   * Redis pub/sub channel (`redis`) or Redis stream key (`redisx`), as the gateway's `redis_channel`.
   * Env `ANYCABLE_REDIS_CHANNEL`. Default `__anycable__`.
   */
  redisChannel: string;
  /**
   * `redisx` only: the stream is trimmed with `XADD ... MAXLEN ~ <redisxMaxLen>` so it cannot grow without
   * bound when no gateway consumes it. Approximate (`~`) trimming keeps XADD O(1). It must exceed what the
   * gateways can fall behind by (messages published while every gateway is down): older entries are lost.
   * `0` disables trimming. Env `ANYCABLE_REDISX_MAXLEN`. Default `10000`.
   */
  redisxMaxLen: number;
  /** Gateway broadcast endpoint for `http`. Env `ANYCABLE_HTTP_BROADCAST_URL`. Default `http://localhost:8080/_broadcast`. */
  httpUrl: string;
  /**
   * The gateway's presence endpoint, read by `PresenceService` (whatever the adapter). Env
   * `ANYCABLE_HTTP_PRESENCE_URL`. Default: `/presence` on the origin of `httpUrl`.
   */
  presenceUrl: string;
  /**
   * Bearer key for `http`. Env `ANYCABLE_BROADCAST_KEY`, else derived from `ANYCABLE_SECRET` as
   * hex(HMAC-SHA256(secret, "broadcast-cable")) like anycable-go does. Unset: no Authorization header.
   */
  broadcastKey?: string;
  /**
   * `http` only: requests in flight at once. `1` (default) sends publications one after another, so their
   * order is kept even when callers do not await each broadcast; raise it to trade order for throughput.
   * Env `ANYCABLE_HTTP_BROADCAST_CONCURRENCY`. Range 1–64.
   */
  httpConcurrency: number;
  /** NATS servers for `nats` (comma list in env). Env `ANYCABLE_NATS_SERVERS`. Default `nats://localhost:4222`. */
  natsServers: string[];
  /** NATS subject for `nats`, as the gateway's `nats_channel`. Env `ANYCABLE_NATS_CHANNEL`. Default `__anycable__`. */
  natsChannel: string;
  /**
   * Upper bound, in ms, for one publish attempt to be confirmed: the Redis reply (`commandTimeout`, also
   * while the command waits in the offline queue), one HTTP request, or the NATS flush (PONG). A publish
   * that exceeds it rejects. Env `ANYCABLE_BROADCAST_TIMEOUT_MS`. Default `5000`. Range 10–600000.
   */
  publishTimeoutMs: number;
  /**
   * Retries after the first attempt before a publish rejects: HTTP requests retried on network errors
   * and 5xx; for Redis the reconnect attempts a queued command waits through (ioredis
   * `maxRetriesPerRequest`). Env `ANYCABLE_BROADCAST_RETRIES`. Default `3`. Range 0–100.
   */
  retries: number;
  /** First backoff delay (ms) of retries and reconnects; doubles per attempt. Env `ANYCABLE_BROADCAST_RETRY_BASE_MS`. Default `100`. */
  retryBaseDelayMs: number;
  /** Cap (ms) of the backoff delay. Env `ANYCABLE_BROADCAST_RETRY_MAX_MS`. Default `2000`. */
  retryMaxDelayMs: number;
  /**
   * Publishes accepted but not yet confirmed (across all callers). Beyond it `broadcast` rejects at once
   * instead of queueing: when the transport is down, memory stays bounded and callers learn it.
   * Env `ANYCABLE_BROADCAST_MAX_PENDING`. Default `10000`. Range 1–1000000.
   */
  maxPending: number;
  /**
   * How long (ms) `onModuleDestroy` waits for pending publishes to settle before closing the connection
   * anyway. Env `ANYCABLE_BROADCAST_CLOSE_TIMEOUT_MS`. Default `10000`.
   */
  closeTimeoutMs: number;
}

/** Defaults of every option that has one (see the field docs of `BroadcasterOptions`). */
export const BROADCASTER_DEFAULTS = {
  redisUrl: 'redis://localhost:6379',
  redisChannel: DEFAULT_BROADCAST_CHANNEL,
  redisxMaxLen: 10_000,
  httpUrl: 'http://localhost:8080/_broadcast',
  httpConcurrency: 1,
  natsServers: ['nats://localhost:4222'],
  natsChannel: DEFAULT_BROADCAST_CHANNEL,
  publishTimeoutMs: 5_000,
  retries: 3,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
  maxPending: 10_000,
  closeTimeoutMs: 10_000,
} as const satisfies Partial<BroadcasterOptions>;
