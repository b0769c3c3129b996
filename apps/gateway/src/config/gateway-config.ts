/**
 * The gateway's typed configuration, built once at boot by load-config.ts from anycable-go's
 * flags (`--rpc_host=...`) and env vars (`ANYCABLE_RPC_HOST=...`), with anycable-go's defaults.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type DisconnectMode = 'auto' | 'always' | 'never';
export type PingPrecision = 's' | 'ms' | 'ns';
export type BroadcastAdapterName = 'redis' | 'http' | 'redisx' | 'nats';

export type RpcImpl = 'grpc' | 'http';

export interface RpcConfig {
  /** `rpc_impl`: gRPC, or anycable-go's JSON over HTTP (inferred from an http(s):// rpc_host). */
  impl: RpcImpl;
  /** gRPC target: `host:port` or `dns:///name:port` (round robin over every address); HTTP: the base URL. */
  host: string;
  /** `Authorization: Bearer` secret of HTTP RPC (`http_rpc_secret`, else derived from `secret`); '' = none. */
  httpSecret: string;
  /** Calls in flight at most (anycable-go `rpc_concurrency`, 28): slightly below the RPC server's pool. */
  concurrency: number;
  /**
   * Calls waiting for a free slot at most (`rpc_queue_size`, 16384, our extension). Above it a call
   * fails at once, as an unreachable RPC would: 16384 covers a reconnect storm of the 10,000
   * connections one process is sized for.
   */
  queueSize: number;
  /** Deadline of one call, retries included (`rpc_request_timeout`, 3000 ms). */
  requestTimeoutMs: number;
  enableTls: boolean;
  /** Verify the RPC server's certificate (`rpc_tls_verify`, true). */
  tlsVerify: boolean;
  /** CA certificate (file path or PEM) of the RPC server (`rpc_tls_root_ca`); '' = system CAs. */
  tlsRootCa: string;
  /** 0 keeps grpc-js defaults. */
  maxRecvSize: number;
  maxSendSize: number;
  /** Lower-cased header names proxied to RPC (`headers`, default `cookie`). */
  proxyHeaders: string[];
  /** Cookie names kept in the proxied cookie header (`proxy_cookies`); null keeps every cookie. */
  proxyCookies: string[] | null;
}

export interface DisconnectConfig {
  mode: DisconnectMode;
  /** Disconnect calls per second at most (`disconnect_rate`, 100), so a mass disconnect cannot flood RPC. */
  rate: number;
  /** Disconnect calls waiting as objects (`disconnect_backlog_size`, 4096); past it they wait encoded (none is dropped). */
  backlogSize: number;
}

export interface PingConfig {
  intervalMs: number;
  precision: PingPrecision;
  /** 0 = no pongs required. Applies to sessions on the extended protocol, whose clients can answer pings. */
  pongTimeoutMs: number;
}

export interface WsConfig {
  /** Largest client frame (`max_message_size`, 65536); a larger one closes the connection with 1009. */
  maxMessageSize: number;
  /**
   * Bytes written but not yet taken by the kernel for one client (`ws_max_pending_size`, 1 MiB):
   * past it the client is not reading, and it is disconnected instead of buffered without limit.
   * 0 means no limit (anycable-go's meaning).
   */
  maxPendingBytes: number;
  /**
   * Commands of one session waiting for their turn (`max_pending_commands`, 64, our extension):
   * a session's commands run one at a time, in order; at half of it the gateway stops reading the
   * socket (TCP back-pressure), and commands that still arrive when it is full are dropped and logged.
   */
  maxPendingCommands: number;
  /**
   * Subscriptions one session may hold (`max_subscriptions_per_session`, 100, our extension; anycable-go
   * has no such bound): each costs a subscribe RPC and memory in the session and the hub. Past it a
   * subscribe is rejected (`reject_subscription`, no RPC) and logged. 100 leaves room for pages with
   * dozens of `turbo_stream_from` tags. 0 = no limit.
   */
  maxSubscriptions: number;
  /**
   * `gc_after_churn` (1000, our extension; the default is in config-options.ts, load-config only
   * checks it is >= 0): after that many connections opened or closed and then a quiet moment, one
   * memory-reducing full GC returns the storm's garbage to the OS (see MemoryCompactor); 0 = never.
   */
  gcAfterChurn: number;
  /**
   * Connections the kernel queues until the gateway accepts them (`listen_backlog`, our extension):
   * 0 asks for the system maximum, which the kernel caps at net.core.somaxconn (4096 on current
   * Linux), as Go's net.Listen does for anycable-go; Node's own default is 511. In a reconnect storm
   * a full queue drops SYNs and the clients wait for their retransmission (1 s, 2 s, 4 s…): at
   * 10,000 clients the default 511 doubled the time until all were back (bench storm, jwt mode).
   */
  listenBacklog: number;
}

export type PubsubAdapterName = 'none' | 'redis' | 'nats';

export interface HttpBroadcastConfig {
  /** `http_broadcast_port`: 0 (or the main port) serves `path` on the main server; another port gets its own server. */
  port: number;
  /** `http_broadcast_path` (/_broadcast). */
  path: string;
  /**
   * Bearer key every request must carry: `broadcast_key`, else derived from `secret`
   * (hex(HMAC-SHA256(secret, "broadcast-cable"))); '' (no key, or `broadcast_key=none`) = no check.
   */
  key: string;
  /**
   * Largest request body (`http_broadcast_max_body_size`, 1 MiB): a body is held in memory whole
   * before it is decoded; 1 MiB fits a batch of thousands of publications. Larger gets 413.
   */
  maxBodyBytes: number;
}

export interface RedisxConfig {
  /** Stream key (`redisx_stream`, default: `redis_channel`, where libs/broadcaster XADDs). */
  stream: string;
  /** Consumer group shared by every gateway (`redisx_group`, bx): each entry goes to one of them. */
  group: string;
  /** XREADGROUP BLOCK (`redisx_read_block_milliseconds`, 2000): also the pause between re-claim passes. */
  readBlockMs: number;
  /**
   * Entries per XREADGROUP / XAUTOCLAIM (`redisx_batch_size`, 100): bounds what one read holds in
   * memory and how long one delivery pass keeps the event loop.
   */
  batchSize: number;
  /**
   * How long a silent reader keeps the stream (`redisx_claim_min_idle_milliseconds`, 5000): the
   * reader's lease lasts this long, and entries pending this long are re-claimed. A live reader
   * renews its lease every read and acknowledges within milliseconds, so 5 s only catches a dead
   * one, and bounds the delay of what it left behind. Must exceed readBlockMs.
   */
  claimMinIdleMs: number;
}

export interface BroadcastConfig {
  adapters: BroadcastAdapterName[];
  /** `node_id`; '' = a random id per start. Names this gateway in pub/sub and in the redisx group. */
  nodeId: string;
  redisUrl: string;
  redisChannel: string;
  http: HttpBroadcastConfig;
  redisx: RedisxConfig;
  natsServers: string[];
  natsChannel: string;
  /** `pubsub`: how an http/redisx publication taken by this gateway reaches the others. */
  pubsub: PubsubAdapterName;
  /**
   * Re-publications not yet confirmed by the pub/sub server (`pubsub_max_pending`, 10000): while it is
   * down they wait in memory; past the bound they are dropped (counted and logged), so an outage
   * cannot grow the heap without limit. 10000 covers a 10 s outage at 1000 publications/s.
   */
  pubsubMaxPending: number;
}

export interface JwtConfig {
  /** Secret verifying HS256 tokens; empty disables JWT identification. */
  secret: string;
  /** Query param / header (`X-<PARAM>`) carrying the token (`jwt_param`, jid). */
  param: string;
  enforce: boolean;
}

/** Subscriptions answered without RPC (see streams/stream-channels.ts). */
export interface StreamsConfig {
  /** `streams_secret`, else `secret`; '' = signed names are all refused. */
  secret: string;
  /** `public_streams` (or `public`). */
  publicStreams: boolean;
  /** `streams_whisper`. */
  whisper: boolean;
  /** `streams_presence` (default on, as anycable-go). */
  presence: boolean;
  /** `turbo_streams` on with a secret (`turbo_streams_secret`, else the streams secret); null = off. */
  turboSecret: string | null;
  /** `cable_ready` on with a secret (`cable_ready_secret`, else the streams secret); null = off. */
  cableReadySecret: string | null;
}

export type BrokerName = 'none' | 'memory' | 'redis' | 'nats';

/**
 * `broker`: `memory` keeps stream history and a session cache in this process (anycable-go's
 * memory broker, for one gateway); `nats` keeps both in NATS JetStream, shared by every gateway
 * (anycable-go's broker=nats); `none` keeps neither (history rejected, no session restore).
 */
export interface BrokerConfig {
  name: BrokerName;
  /** Messages kept per stream (`history_limit`, 100). */
  historyLimit: number;
  /** How long a stored message is kept (`history_ttl`, 300 s). */
  historyTtlMs: number;
  /** How long a closed session can be restored (`sessions_ttl`, 300 s). */
  sessionsTtlMs: number;
  /**
   * How long a restored subscription's live frames wait for the client's history request
   * (`history_hold_milliseconds`, 5,000: a client answers the restored welcome at once, a slow
   * mobile round trip included; one that never asks gets its live frames this late, once).
   */
  historyHoldMs: number;
  /**
   * Live frames held per session while a history answer is prepared (`history_hold_size`,
   * 1,000: a few seconds of a busy subscription; about 200 KB per session at worst). Past it they
   * are sent as they are, and the client may see a message twice.
   */
  historyHoldSize: number;
  /** How long a session that disconnected without leaving stays in presence sets (`presence_ttl`, 15 s). */
  presenceTtlMs: number;
  /** Largest presence info, bytes of JSON (`presence_max_info_size`, 4096: a name and an avatar URL fit many times). */
  presenceMaxInfoBytes: number;
  /** `http_presence_path` (/presence): `GET <path>/<stream>` on the main server, same key as the broadcast endpoint. */
  presenceHttpPath: string;
  /** Presence webhooks (`presence_webhook_url` '' = off; secret; max pending, 1000: a few seconds of a busy site's joins). */
  presenceWebhook: { url: string; secret: string; maxPending: number };
  /**
   * One call to a networked broker's server (`broker_timeout_milliseconds`, 2,000): past it the
   * operation counts as failed (a publication goes out without a position, history is refused).
   */
  timeoutMs: number;
  /**
   * Registrations waiting for a networked broker at once (`broker_max_pending`, 10,000: a few
   * seconds of a busy gateway's publications); past it publications go out without a position.
   */
  maxPending: number;
  /**
   * How long a stream's publication waits for an earlier offset still on its way from another
   * gateway (`broker_reorder_milliseconds`, 100: a pub/sub hop takes about a millisecond; 0 = no
   * wait), so subscribers get each stream in offset order whichever gateway registered what.
   */
  reorderMs: number;
}

/** Server-Sent Events (anycable-go's `sse`, `sse_path`). */
export interface SseConfig {
  /** `sse` (false): serve EventSource clients at `path`. */
  enabled: boolean;
  /** `sse_path` (`/events`). */
  path: string;
}

export interface GatewayConfig {
  host: string;
  port: number;
  paths: string[];
  healthPath: string;
  /** 0 = no limit. */
  maxConn: number;
  /** Host patterns (`*` wildcard) the Origin header must match; empty = no check. */
  allowedOrigins: string[];
  ssl: { certPath: string; keyPath: string } | null;
  rpc: RpcConfig;
  disconnect: DisconnectConfig;
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
  log: { level: LogLevel; format: LogFormat };
  metrics: { httpPath: string; host: string; port: number };
  ping: PingConfig;
  ws: WsConfig;
  broadcast: BroadcastConfig;
  jwt: JwtConfig;
  /** `noauth` (or `public`): connections no JWT identified get `{"sid":"<sid>"}`, no Connect RPC. */
  noauth: boolean;
  streams: StreamsConfig;
  broker: BrokerConfig;
  sse: SseConfig;
  /** Options accepted for compatibility that have no effect here, to be logged once at boot. */
  ignoredOptions: string[];
}
