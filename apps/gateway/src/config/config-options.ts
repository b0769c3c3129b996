/**
 * Every option anycable-go accepts (its names, env vars and defaults), plus the few this gateway adds.
 * `support` says what happens when a user sets one:
 * - `yes`: implemented;
 * - `ignored`: a tuning knob of anycable-go's Go internals with no meaning here: accepted, logged once at boot;
 * - `unsupported`: a feature this gateway does not have: setting it to anything but its default stops the
 *   start with "not implemented yet", because silently running without it would surprise the user.
 */

export type OptionKind = 'string' | 'int' | 'bool';
export type OptionSupport = 'yes' | 'ignored' | 'unsupported';

export interface OptionSpec {
  /** Canonical name, as the flag is spelled (`--rpc_host`); `-` and `_` are interchangeable on input. */
  readonly name: string;
  readonly kind: OptionKind;
  /** Raw default, parsed like user input. */
  readonly default: string;
  readonly support: OptionSupport;
  /** Env vars read besides `ANYCABLE_<NAME>`, in precedence order after it (e.g. `PORT`). */
  readonly extraEnv?: readonly string[];
  readonly description: string;
}

const option = (
  name: string,
  kind: OptionKind,
  defaultValue: string,
  description: string,
  support: OptionSupport = 'yes',
  extraEnv?: string[],
): OptionSpec => ({ name, kind, default: defaultValue, support, description, extraEnv });

export const OPTION_SPECS: readonly OptionSpec[] = [
  // server
  option('host', 'string', 'localhost', 'Server host'),
  option('port', 'int', '8080', 'Server port', 'yes', ['PORT']),
  option('path', 'string', '/cable', 'WebSocket endpoint path(s), comma-separated'),
  option('health_path', 'string', '/health', 'HTTP health endpoint path'),
  option('max_conn', 'int', '0', 'Limit simultaneous connections (0 = no limit); over it the upgrade gets 503'),
  option('allowed_origins', 'string', '', 'Accepted Origin hosts, comma-separated, * wildcards; empty = no check'),
  option('secret', 'string', '', 'Application secret: the JWT, streams and Turbo Streams secret and the broadcast key base, unless each is set'),
  option('broadcast_key', 'string', '', 'Bearer key of HTTP broadcast requests; empty: derived from secret; "none": no check'),
  option('shutdown_timeout', 'int', '30', 'Graceful shutdown timeout (seconds)'),
  option('shutdown_delay', 'int', '0', 'Sleep before shutting down (seconds)'),
  option('shutdown_pool_size', 'int', '16', 'Go goroutine pool size', 'ignored'),
  option('node_id', 'string', '', 'Unique node identifier (pub/sub origin, redisx consumer name); empty = random per start'),
  option('public', 'bool', 'false', 'Public mode: noauth + public_streams, and HTTP broadcasts without a key'),
  option('noauth', 'bool', 'false', 'No Connect RPC: a connection no JWT identified gets {"sid":"<sid>"} as identifiers'),
  option('ssl_cert', 'string', '', 'SSL certificate path'),
  option('ssl_key', 'string', '', 'SSL private key path'),
  // broadcasting
  option('broadcast_adapter', 'string', '', 'Broadcast adapters, comma-separated: redis, http, redisx, nats (default: redis when redis_url is set, else http)'),
  option('broker', 'string', 'none', 'Broker engine (stream history, session cache): none, memory (this gateway only), redis (Redis Streams and keys) or nats (NATS JetStream), the last two shared by the gateways'),
  option('pubsub', 'string', '', 'Pub/sub between gateways for http/redisx publications: redis, nats, none (default: redis when redis_url is set, else none)'),
  option('pubsub_max_pending', 'int', '10000', 'Re-publications waiting for the pub/sub server at most; more are dropped, counted and logged (extension)'),
  option('redis_channel', 'string', '__anycable__', 'Redis channel (or redisx stream) for broadcasts'),
  option('nats_channel', 'string', '__anycable__', 'NATS subject for broadcasts'),
  option('hub_gopool_size', 'int', '16', 'Go goroutine pool size', 'ignored'),
  option('history_limit', 'int', '100', 'Messages kept per stream history (broker)'),
  option('history_ttl', 'int', '300', 'Stream history TTL in seconds (broker)'),
  option('sessions_ttl', 'int', '300', 'Session cache TTL in seconds (broker)'),
  option('history_hold_milliseconds', 'int', '5000', "How long a restored subscription's live messages wait for the client's history request (ms, extension)"),
  option('broker_timeout_milliseconds', 'int', '2000', "One call to the broker's server (redis) at most; past it the publication goes out without a position, history is refused (ms, extension)"),
  option('broker_max_pending', 'int', '10000', 'Publications waiting for the broker to register them at most; past it they go out without a position (extension)'),
  option('broker_reorder_milliseconds', 'int', '100', "How long a stream's publication waits for an earlier offset relayed by another gateway (ms, 0 = no wait, extension)"),
  option('history_hold_size', 'int', '1000', 'Live messages held per session while its history answer is prepared; past it they are sent as they are (extension)'),
  option('presence_ttl', 'int', '15', 'Seconds a session that disconnected without leaving stays in presence sets (broker)'),
  option('http_presence_path', 'string', '/presence', 'GET <path>/<stream> answers the stream\'s presence set, guarded by the broadcast key (extension)'),
  option('presence_webhook_url', 'string', '', 'POST each presence join/leave here, signed (X-AnyCable-Signature: sha256=HMAC(secret, body)); empty: off (extension)'),
  option('presence_webhook_secret', 'string', '', 'Signs presence webhooks; default: secret (extension)'),
  option('presence_webhook_max_pending', 'int', '1000', 'Presence webhooks waiting to be sent at most; past it new ones are dropped, counted and logged (extension)'),
  option('presence_max_info_size', 'int', '4096', 'Largest presence info (bytes of JSON) a join may carry; larger joins are refused (extension)'),
  // redis
  option('redis_url', 'string', 'redis://localhost:6379', 'Redis URL', 'yes', ['REDIS_URL']),
  option('redis_sentinels', 'string', '', 'Redis sentinels', 'unsupported'),
  option('redis_sentinel_discovery_interval', 'int', '30', 'Sentinel rediscovery interval', 'ignored'),
  option('redis_keepalive_interval', 'int', '30', 'Redis keepalive ping interval', 'ignored'),
  option('redis_tls_verify', 'bool', 'false', 'Verify Redis TLS certificate', 'ignored'),
  option('redis_disable_cache', 'bool', 'false', 'Disable Redis client-side caching', 'ignored'),
  option('redisx_stream', 'string', '', 'Redis stream of the redisx intake (default: redis_channel)'),
  option('redisx_group', 'string', 'bx', 'Consumer group shared by every gateway of the redisx intake'),
  option('redisx_read_block_milliseconds', 'int', '2000', 'How long one XREADGROUP waits for entries (ms)'),
  option('redisx_batch_size', 'int', '100', 'Entries read or re-claimed per Redis call by the redisx intake (extension)'),
  option('redisx_claim_min_idle_milliseconds', 'int', '5000', 'A silent redisx reader is taken over, and its pending entries re-claimed, after this long (ms, extension)'),
  // http broadcast
  option('http_broadcast_port', 'int', '0', 'HTTP broadcast port: 0 = the main server; another port runs a separate server'),
  option('http_broadcast_path', 'string', '/_broadcast', 'HTTP broadcast path'),
  option('http_broadcast_secret', 'string', '', '[deprecated] use broadcast_key'),
  option('http_broadcast_max_body_size', 'int', '1048576', 'Largest HTTP broadcast body (bytes); larger is refused with 413 (extension)'),
  option('http_broadcast_cors', 'bool', 'false', 'CORS headers on the broadcast endpoint', 'ignored'),
  // nats
  option('nats_servers', 'string', 'nats://localhost:4222', 'NATS servers, comma-separated'),
  option('nats_dont_randomize_servers', 'bool', 'false', 'NATS server randomization', 'ignored'),
  option('embed_nats', 'bool', 'false', 'Embedded NATS server', 'unsupported'),
  option('enats_addr', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_cluster', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_cluster_name', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_cluster_routes', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_gateway', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_gateways', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_gateway_advertise', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_store_dir', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_server_name', 'string', '', 'Embedded NATS', 'ignored'),
  option('enats_debug', 'bool', 'false', 'Embedded NATS', 'ignored'),
  option('enats_trace', 'bool', 'false', 'Embedded NATS', 'ignored'),
  // rpc
  option('rpc_host', 'string', 'localhost:50051', 'RPC address: host:port or dns:///name:port (gRPC), http(s)://host:port/path (HTTP)'),
  option('norpc', 'bool', 'false', 'Standalone mode without RPC', 'unsupported'),
  option('rpc_impl', 'string', '', 'RPC implementation: grpc or http (default: http for an http(s):// rpc_host, else grpc)'),
  option('rpc_concurrency', 'int', '28', 'Max RPC calls in flight'),
  option('rpc_queue_size', 'int', '16384', 'Max RPC calls waiting for a slot (extension)'),
  option('rpc_request_timeout', 'int', '3000', 'RPC call deadline including retries (ms)'),
  option('rpc_command_timeout', 'int', '0', 'RPC command timeout (ms)', 'ignored'),
  option('rpc_enable_tls', 'bool', 'false', 'TLS to the RPC server'),
  option('rpc_tls_verify', 'bool', 'true', 'Verify the RPC server certificate'),
  option('rpc_tls_root_ca', 'string', '', 'CA root certificate (path or PEM) of the RPC server'),
  option('rpc_max_call_recv_size', 'int', '0', 'Max RPC response size (bytes, 0 = grpc default)'),
  option('rpc_max_call_send_size', 'int', '0', 'Max RPC request size (bytes, 0 = grpc default)'),
  option('headers', 'string', 'cookie', 'Headers proxied to RPC, comma-separated'),
  option('proxy_cookies', 'string', '', 'Cookies proxied to RPC, comma-separated (default: all)'),
  option('http_rpc_secret', 'string', '', 'Bearer secret of RPC over HTTP; empty: derived from secret'),
  option('http_rpc_timeout', 'int', '0', 'HTTP RPC timeout', 'ignored'),
  // disconnector
  option('disconnect_mode', 'string', 'auto', 'When to call Disconnect: auto, always, never'),
  option('disconnect_rate', 'int', '100', 'Max Disconnect calls per second'),
  option('disconnect_backlog_size', 'int', '4096', 'Disconnect calls kept ready; past it they wait encoded, none dropped'),
  option('disconnect_timeout', 'int', '0', '[deprecated] use shutdown_timeout'),
  option('disable_disconnect', 'bool', 'false', '[deprecated] use disconnect_mode=never'),
  // log
  option('log_level', 'string', 'info', 'Log level: debug, info, warn, error'),
  option('log_format', 'string', 'text', 'Log format: text, json'),
  option('debug', 'bool', 'false', 'Debug mode (log_level=debug)'),
  // metrics
  option('metrics_http', 'string', '', 'Path of the Prometheus metrics endpoint (empty = off)'),
  option('metrics_host', 'string', '', 'Host of a separate metrics server (default: the main server)'),
  option('metrics_port', 'int', '0', 'Port of a separate metrics server (default: the main port)'),
  option('metrics_log', 'bool', 'false', 'Log metrics periodically', 'ignored'),
  option('metrics_rotate_interval', 'int', '0', 'Metrics flush interval', 'ignored'),
  option('metrics_log_interval', 'int', '-1', 'Metrics log interval', 'ignored'),
  option('metrics_log_filter', 'string', '', 'Metrics log filter', 'ignored'),
  option('metrics_log_formatter', 'string', '', 'Metrics log formatter', 'ignored'),
  option('metrics_tags', 'string', '', 'Global metrics tags', 'ignored'),
  option('stats_refresh_interval', 'int', '5', 'Stats refresh interval', 'ignored'),
  option('statsd_host', 'string', '', 'StatsD server', 'unsupported'),
  option('statsd_prefix', 'string', 'anycable_go.', 'StatsD prefix', 'ignored'),
  option('statsd_max_packet_size', 'int', '1400', 'StatsD packet size', 'ignored'),
  option('statsd_tags_format', 'string', 'datadog', 'StatsD tags format', 'ignored'),
  // websocket
  option('max_message_size', 'int', '65536', 'Max client frame size (bytes); larger closes with 1009'),
  option('ws_max_pending_size', 'int', '1048576', 'Max unsent bytes per client before it is disconnected (0 = no limit)'),
  option('max_pending_commands', 'int', '64', 'Max commands of one session waiting for their turn (extension)'),
  option('max_subscriptions_per_session', 'int', '100', 'Max subscriptions of one session; past it subscribe is rejected (0 = no limit, extension)'),
  option('listen_backlog', 'int', '0', 'Connections waiting to be accepted (the listen backlog); 0 = the system maximum (net.core.somaxconn), as anycable-go (extension)'),
  option('gc_after_churn', 'int', '1000', 'Memory-reducing full GC once this many connections opened/closed and then 5 s without any (returns a storm\'s garbage to the OS; 0 = never) (extension)'),
  option('read_buffer_size', 'int', '1024', 'Go WebSocket read buffer', 'ignored'),
  option('write_buffer_size', 'int', '1024', 'Go WebSocket write buffer', 'ignored'),
  option('ws_write_timeout', 'int', '2', 'Go WebSocket write timeout', 'ignored'),
  option('enable_ws_compression', 'bool', 'false', 'WebSocket per-message compression', 'unsupported'),
  // ping
  option('ping_interval', 'int', '3', 'Action Cable ping interval (seconds)'),
  option('ping_timestamp_precision', 'string', 's', 'Ping timestamp precision: s, ms, ns'),
  option('pong_timeout', 'int', '0', 'Seconds to wait for a pong (extended protocol) before disconnecting; 0 = no pongs required'),
  option('enable_native_pings', 'bool', 'false', 'Native WebSocket pings', 'ignored'),
  // jwt
  option('jwt_secret', 'string', '', 'Secret verifying JWT identification tokens'),
  option('jwt_param', 'string', 'jid', 'Query param / header carrying the token'),
  option('enforce_jwt', 'bool', 'false', 'Require a token on every connection'),
  option('jwt_id_key', 'string', '', '[deprecated] use jwt_secret'),
  option('jwt_id_param', 'string', '', '[deprecated] use jwt_param'),
  option('jwt_id_enforce', 'bool', 'false', '[deprecated] use enforce_jwt'),
  // signed streams, pusher, sse, misc
  option('streams_secret', 'string', '', 'Secret verifying $pubsub signed stream names (default: secret)'),
  option('public_streams', 'bool', 'false', 'Accept unsigned $pubsub stream_name subscriptions'),
  option('streams_whisper', 'bool', 'false', 'Whisper on signed $pubsub streams (public streams always allow it)'),
  option('streams_presence', 'bool', 'true', 'Presence on signed $pubsub streams (public streams always allow it)'),
  option('turbo_streams', 'bool', 'false', 'Answer Turbo::StreamsChannel signed stream subscriptions without RPC'),
  option('cable_ready', 'bool', 'false', 'Answer CableReady::Stream signed stream subscriptions without RPC'),
  option('turbo_rails_key', 'string', '', '[deprecated] use turbo_streams_secret (setting it turns turbo_streams on)'),
  option('turbo_streams_secret', 'string', '', 'Secret verifying Turbo Streams signed names (default: the streams secret)'),
  option('turbo_rails_cleartext', 'bool', 'false', '[deprecated] no effect (anycable-go 1.6): use public streams', 'ignored'),
  option('cable_ready_key', 'string', '', '[deprecated] use cable_ready_secret (setting it turns cable_ready on)'),
  option('cable_ready_secret', 'string', '', 'Secret verifying CableReady signed identifiers (default: the streams secret)'),
  option('cable_ready_cleartext', 'bool', 'false', '[deprecated] no effect (anycable-go 1.6): use public streams', 'ignored'),
  option('pusher_app_id', 'string', '', 'Pusher protocol', 'unsupported'),
  option('pusher_secret', 'string', '', 'Pusher protocol', 'unsupported'),
  option('pusher_app_key', 'string', '', 'Pusher protocol', 'unsupported'),
  option('sse', 'bool', 'false', 'Serve Server-Sent Events (EventSource clients) at sse_path'),
  option('sse_path', 'string', '/events', 'Server-Sent Events endpoint path'),
  option('presets', 'string', '', 'Configuration presets', 'ignored'),
];

/** `rpc-host` and `rpc_host` are the same option. */
export function canonicalOptionName(name: string): string {
  return name.replace(/-/g, '_').toLowerCase();
}

/** The env var anycable-go reads for an option: `ANYCABLE_` + upper-cased name. */
export function envNameOf(name: string): string {
  return `ANYCABLE_${canonicalOptionName(name).toUpperCase()}`;
}

export const OPTIONS_BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(OPTION_SPECS.map((spec) => [spec.name, spec]));
