import { existsSync } from 'node:fs';
import { deriveBroadcastKey, deriveRpcSecret } from '#libs/protocol';
import { ConfigError } from './config.error.js';
import { readCommandLine, type RawOption } from './raw-options.js';
import type {
  BroadcastAdapterName,
  DisconnectMode,
  GatewayConfig,
  LogFormat,
  LogLevel,
  PingPrecision,
  BrokerName,
  PubsubAdapterName,
  RpcImpl,
} from './gateway-config.js';

const KNOWN_BROADCAST_ADAPTERS: readonly BroadcastAdapterName[] = ['redis', 'http', 'redisx', 'nats'];

/**
 * Builds the typed config from the raw options (see raw-options.ts), validating every value.
 * Throws {@link ConfigError} naming the option and its source on the first bad value.
 */
export function buildConfig(options: ReadonlyMap<string, RawOption>): GatewayConfig {
  const read = new OptionReader(options);
  read.refuseUnsupported();

  const port = read.int('port', 0, 65_535);
  const paths = read.list('path');
  if (paths.length === 0) read.fail('path', 'needs at least one path');
  for (const path of paths) if (!path.startsWith('/')) read.fail('path', `"${path}" must start with /`);
  const healthPath = read.string('health_path');
  if (!healthPath.startsWith('/')) read.fail('health_path', 'must start with /');
  const ssePath = read.string('sse_path');
  if (!ssePath.startsWith('/')) read.fail('sse_path', 'must start with /');
  if (paths.includes(ssePath) || ssePath === healthPath) read.fail('sse_path', `"${ssePath}" is already the WebSocket or health path`);

  const sslCert = read.string('ssl_cert');
  const sslKey = read.string('ssl_key');
  if (Boolean(sslCert) !== Boolean(sslKey)) read.fail(sslCert ? 'ssl_key' : 'ssl_cert', 'ssl_cert and ssl_key go together');
  for (const name of ['ssl_cert', 'ssl_key'] as const) {
    const file = read.string(name);
    if (file && !existsSync(file)) read.fail(name, `file ${file} does not exist`);
  }

  const secret = noneToEmpty(read.string('secret'));
  const jwtSecret = noneToEmpty(read.string('jwt_secret') || read.string('jwt_id_key') || secret);
  const publicMode = read.bool('public');
  // anycable-go's public mode also makes HTTP broadcasting keyless.
  const broadcastKey = publicMode ? 'none' : read.string('broadcast_key') || read.string('http_broadcast_secret');

  const logLevel = read.bool('debug') ? 'debug' : read.oneOf<LogLevel>('log_level', ['debug', 'info', 'warn', 'error']);
  const metricsPath = read.string('metrics_http');
  if (metricsPath && !metricsPath.startsWith('/')) read.fail('metrics_http', 'must be a path starting with /');

  const disconnectMode: DisconnectMode = read.bool('disable_disconnect')
    ? 'never'
    : read.oneOf<DisconnectMode>('disconnect_mode', ['auto', 'always', 'never']);

  const redisUrl = read.string('redis_url');
  if (!/^rediss?:\/\/[^/]/.test(redisUrl) || !URL.canParse(redisUrl)) {
    read.fail('redis_url', 'must be a redis:// or rediss:// URL');
  }

  const config: GatewayConfig = {
    host: read.nonEmpty('host'),
    port,
    paths,
    healthPath,
    maxConn: read.int('max_conn', 0),
    allowedOrigins: read.list('allowed_origins').map((origin) => origin.toLowerCase()),
    ssl: sslCert ? { certPath: sslCert, keyPath: sslKey } : null,
    rpc: {
      ...rpcTarget(read),
      // anycable-go: an explicit http_rpc_secret, else one derived from secret ("rpc-cable").
      httpSecret: read.string('http_rpc_secret') || (secret ? deriveRpcSecret(secret) : ''),
      concurrency: read.int('rpc_concurrency', 1),
      queueSize: read.int('rpc_queue_size', 1),
      requestTimeoutMs: read.int('rpc_request_timeout', 1),
      enableTls: read.bool('rpc_enable_tls'),
      tlsVerify: read.bool('rpc_tls_verify'),
      tlsRootCa: read.string('rpc_tls_root_ca'),
      maxRecvSize: read.int('rpc_max_call_recv_size', 0),
      maxSendSize: read.int('rpc_max_call_send_size', 0),
      proxyHeaders: read.list('headers').map((name) => name.toLowerCase()),
      proxyCookies: read.list('proxy_cookies').length > 0 ? read.list('proxy_cookies') : null,
    },
    disconnect: {
      mode: disconnectMode,
      rate: read.int('disconnect_rate', 1),
      backlogSize: read.int('disconnect_backlog_size', 1),
    },
    shutdownTimeoutMs: read.int('shutdown_timeout', 0) * 1000,
    shutdownDelayMs: read.int('shutdown_delay', 0) * 1000,
    log: { level: logLevel, format: read.oneOf<LogFormat>('log_format', ['text', 'json']) },
    metrics: { httpPath: metricsPath, host: read.string('metrics_host'), port: read.int('metrics_port', 0, 65_535) },
    ping: {
      intervalMs: read.int('ping_interval', 1) * 1000,
      precision: read.oneOf<PingPrecision>('ping_timestamp_precision', ['s', 'ms', 'ns']),
      pongTimeoutMs: read.int('pong_timeout', 0) * 1000,
    },
    ws: {
      maxMessageSize: read.int('max_message_size', 1, 100 * 1024 * 1024),
      maxPendingBytes: read.int('ws_max_pending_size', 0),
      maxPendingCommands: read.int('max_pending_commands', 2),
      maxSubscriptions: read.int('max_subscriptions_per_session', 0),
      gcAfterChurn: read.int('gc_after_churn', 0),
      listenBacklog: read.int('listen_backlog', 0),
    },
    broadcast: {
      adapters: broadcastAdapters(read),
      nodeId: read.string('node_id'),
      redisUrl,
      redisChannel: read.nonEmpty('redis_channel'),
      http: {
        port: read.int('http_broadcast_port', 0, 65_535),
        path: pathOption(read, 'http_broadcast_path'),
        // anycable-go: an explicit key wins ("none" turns the check off), else one derived from secret.
        key: broadcastKey === 'none' ? '' : broadcastKey || (secret ? deriveBroadcastKey(secret) : ''),
        maxBodyBytes: read.int('http_broadcast_max_body_size', 1),
      },
      redisx: {
        stream: read.string('redisx_stream') || read.nonEmpty('redis_channel'),
        group: read.nonEmpty('redisx_group'),
        readBlockMs: read.int('redisx_read_block_milliseconds', 1),
        batchSize: read.int('redisx_batch_size', 1, 10_000),
        claimMinIdleMs: read.int('redisx_claim_min_idle_milliseconds', 1),
      },
      natsServers: natsServers(read),
      natsChannel: read.nonEmpty('nats_channel'),
      pubsub: pubsubAdapter(read),
      pubsubMaxPending: read.int('pubsub_max_pending', 1),
    },
    jwt: {
      secret: jwtSecret,
      param: read.nonEmpty('jwt_param'),
      enforce: read.bool('enforce_jwt') || read.bool('jwt_id_enforce'),
    },
    noauth: publicMode || read.bool('noauth'),
    streams: streamsConfig(read, secret, publicMode),
    broker: {
      name: read.oneOf<BrokerName>('broker', ['none', 'memory', 'redis', 'nats']),
      historyLimit: read.int('history_limit', 1, 100_000),
      historyTtlMs: read.int('history_ttl', 1) * 1000,
      sessionsTtlMs: read.int('sessions_ttl', 1) * 1000,
      historyHoldMs: read.int('history_hold_milliseconds', 1),
      historyHoldSize: read.int('history_hold_size', 1),
      presenceTtlMs: read.int('presence_ttl', 1) * 1000,
      presenceMaxInfoBytes: read.int('presence_max_info_size', 2, 1_048_576),
      presenceWebhook: {
        url: read.string('presence_webhook_url'),
        secret: read.string('presence_webhook_secret') || secret,
        maxPending: read.int('presence_webhook_max_pending', 1),
      },
      presenceHttpPath: pathOption(read, 'http_presence_path').replace(/\/+$/, '') || '/presence',
      timeoutMs: read.int('broker_timeout_milliseconds', 1),
      maxPending: read.int('broker_max_pending', 1),
      reorderMs: read.int('broker_reorder_milliseconds', 0),
    },
    sse: { enabled: read.bool('sse'), path: ssePath },
    ignoredOptions: read.explicitIgnored(),
  };
  if (read.isExplicit('jwt_id_param') && !read.isExplicit('jwt_param')) config.jwt.param = read.nonEmpty('jwt_id_param');
  if (config.sse.enabled && [config.broadcast.http.path, config.metrics.httpPath].includes(config.sse.path)) {
    read.fail('sse_path', `"${config.sse.path}" is already the HTTP broadcast or metrics path`);
  }
  if (config.jwt.enforce && !config.jwt.secret) read.fail('enforce_jwt', 'needs jwt_secret (or secret)');
  if (config.broker.presenceWebhook.url) {
    if (!/^https?:\/\//.test(config.broker.presenceWebhook.url)) read.fail('presence_webhook_url', 'must be an http(s) URL');
    if (!config.broker.presenceWebhook.secret) read.fail('presence_webhook_url', 'needs presence_webhook_secret (or secret) to sign the requests');
  }
  if (config.broadcast.redisx.claimMinIdleMs <= config.broadcast.redisx.readBlockMs) {
    read.fail('redisx_claim_min_idle_milliseconds', 'must be greater than redisx_read_block_milliseconds (the reader renews its lease once per read)');
  }
  if (read.isExplicit('disconnect_timeout')) config.ignoredOptions.push('disconnect_timeout (deprecated: use shutdown_timeout)');
  return config;
}

/**
 * anycable-go 1.6.0 (`cli/options.go`, `streams/config.go`): `secret` is the streams secret unless
 * `streams_secret` is set; the Turbo and CableReady secrets fall back to the streams secret; the
 * deprecated `turbo_rails_key` / `cable_ready_key` set the secret and turn the feature on.
 */
function streamsConfig(read: OptionReader, secret: string, publicMode: boolean) {
  const streamsSecret = noneToEmpty(read.string('streams_secret') || secret);
  const turboSecret = read.string('turbo_streams_secret') || read.string('turbo_rails_key') || streamsSecret;
  const turbo = read.bool('turbo_streams') || read.string('turbo_rails_key') !== '';
  const cableReadySecret = read.string('cable_ready_secret') || read.string('cable_ready_key') || streamsSecret;
  const cableReady = read.bool('cable_ready') || read.string('cable_ready_key') !== '';
  if (turbo && !turboSecret) read.fail('turbo_streams', 'needs turbo_streams_secret, streams_secret or secret');
  if (cableReady && !cableReadySecret) read.fail('cable_ready', 'needs cable_ready_secret, streams_secret or secret');
  return {
    secret: streamsSecret,
    publicStreams: publicMode || read.bool('public_streams'),
    whisper: read.bool('streams_whisper'),
    presence: read.bool('streams_presence'),
    turboSecret: turbo ? turboSecret : null,
    cableReadySecret: cableReady ? cableReadySecret : null,
  };
}

function noneToEmpty(value: string): string {
  return value === 'none' ? '' : value;
}

/**
 * rpc_impl and rpc_host as anycable-go reads them: an `http(s)://` host means HTTP unless rpc_impl
 * says otherwise (then it is refused); rpc_impl=http needs an http(s) URL; gRPC takes host:port or a
 * grpc-js target (`dns:///name:port`, `unix:`, ...).
 */
function rpcTarget(read: OptionReader): { impl: RpcImpl; host: string } {
  const impl = read.string('rpc_impl').toLowerCase();
  if (impl !== 'grpc' && impl !== 'http' && impl !== '') read.fail('rpc_impl', 'must be grpc or http');
  let target = read.nonEmpty('rpc_host');
  const isUrl = /^https?:\/\//i.test(target);
  if (impl === 'http' || (isUrl && impl === '')) {
    let url: URL | null = null;
    try {
      url = isUrl ? new URL(target) : null;
    } catch {
      url = null;
    }
    if (!url || url.search || url.hash) read.fail('rpc_host', 'with rpc_impl=http must be an http(s):// URL without query, e.g. http://localhost:3000/_anycable');
    return { impl: 'http', host: target };
  }
  if (isUrl) read.fail('rpc_host', 'an http(s):// URL needs rpc_impl=http; for gRPC give host:port');
  target = target.replace(/^grpc:\/\//i, '');
  const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;
  const valid =
    /^(unix|unix-abstract):.+/.test(target) ||
    /^(ipv4|ipv6):.+/.test(target) ||
    /^dns:(\/\/[^/]*\/)?.+:\d{1,5}$/.test(target) ||
    hostPort.test(target);
  if (!valid) read.fail('rpc_host', 'must be host:port or dns:///name:port');
  return { impl: 'grpc', host: target };
}

function broadcastAdapters(read: OptionReader): BroadcastAdapterName[] {
  const names = read.list('broadcast_adapter').map((name) => name.toLowerCase());
  if (names.length === 0) {
    // Redis when the user pointed at one (anycable-go's default), else the embedded default: the
    // HTTP endpoint alone serves a single gateway with no other server to run (`npm start`).
    return read.isExplicit('redis_url') ? ['redis'] : ['http'];
  }
  for (const name of names) {
    if (!KNOWN_BROADCAST_ADAPTERS.includes(name as BroadcastAdapterName)) {
      read.fail('broadcast_adapter', `unknown adapter "${name}" (known: ${KNOWN_BROADCAST_ADAPTERS.join(', ')})`);
    }
  }
  return [...new Set(names)] as BroadcastAdapterName[];
}

/** Explicit value, else Redis pub/sub when Redis is configured (as anycable-go 1.6.2+), else none. */
function pubsubAdapter(read: OptionReader): PubsubAdapterName {
  if (read.string('pubsub') === '') return read.isExplicit('redis_url') ? 'redis' : 'none';
  return read.oneOf<PubsubAdapterName>('pubsub', ['none', 'redis', 'nats']);
}

function pathOption(read: OptionReader, name: string): string {
  const path = read.nonEmpty(name);
  if (!path.startsWith('/')) read.fail(name, 'must start with /');
  return path;
}

function natsServers(read: OptionReader): string[] {
  const servers = read.list('nats_servers');
  if (servers.length === 0) read.fail('nats_servers', 'needs at least one server');
  for (const server of servers) {
    if (!/^(nats|tls|ws|wss):\/\/[^/]/.test(server) && !/^[^\s:/]+:\d{1,5}$/.test(server)) {
      read.fail('nats_servers', `"${server}" must be nats://host:port (or host:port)`);
    }
  }
  return servers;
}

/** Typed access to raw options; every failure names the option and its source. */
class OptionReader {
  constructor(private readonly options: ReadonlyMap<string, RawOption>) {}

  fail(name: string, problem: string): never {
    const raw = this.options.get(name);
    const where = raw && raw.source !== 'default' ? ` (from ${raw.source})` : '';
    const value = raw ? ` ${JSON.stringify(raw.text)}` : '';
    throw new ConfigError(name, `invalid value${value} for option ${name}${where}: ${problem}`);
  }

  isExplicit(name: string): boolean {
    return this.raw(name).explicit;
  }

  string(name: string): string {
    return this.raw(name).text.trim();
  }

  nonEmpty(name: string): string {
    const value = this.string(name);
    if (!value) this.fail(name, 'must not be empty');
    return value;
  }

  list(name: string): string[] {
    return this.string(name)
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.string(name);
    if (!/^[+-]?\d+$/.test(text)) this.fail(name, 'must be an integer');
    const value = Number(text);
    if (value < min || value > max) this.fail(name, max === Number.MAX_SAFE_INTEGER ? `must be >= ${min}` : `must be between ${min} and ${max}`);
    return value;
  }

  bool(name: string): boolean {
    const text = this.string(name).toLowerCase();
    if (['1', 't', 'true', 'yes', 'on'].includes(text)) return true;
    if (['0', 'f', 'false', 'no', 'off'].includes(text)) return false;
    return this.fail(name, 'must be true or false');
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const text = this.string(name).toLowerCase();
    if (!values.includes(text as T)) this.fail(name, `must be one of ${values.join(', ')}`);
    return text as T;
  }

  /** Unsupported features set to anything but their default stop the start. */
  refuseUnsupported(): void {
    for (const raw of this.options.values()) {
      if (raw.spec.support !== 'unsupported' || !raw.explicit) continue;
      const isDefault =
        raw.spec.kind === 'bool' ? this.bool(raw.spec.name) === (raw.spec.default === 'true') : raw.text.trim() === raw.spec.default;
      if (!isDefault) {
        throw new ConfigError(raw.spec.name, `option ${raw.spec.name} (from ${raw.source}) is not implemented yet: ${raw.spec.description}`);
      }
    }
  }

  explicitIgnored(): string[] {
    return [...this.options.values()].filter((raw) => raw.spec.support === 'ignored' && raw.explicit).map((raw) => raw.spec.name);
  }

  private raw(name: string): RawOption {
    const raw = this.options.get(name);
    if (!raw) throw new Error(`bug: option ${name} is not declared in config-options.ts`);
    return raw;
  }
}

/** Reads flags and env and builds the config; `help`/`version` when asked for. Throws {@link ConfigError}. */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { kind: 'run'; config: GatewayConfig } | { kind: 'help' } | { kind: 'version' } {
  const commandLine = readCommandLine(argv, env);
  return commandLine.kind === 'run' ? { kind: 'run', config: buildConfig(commandLine.options) } : commandLine;
}
