import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load-config.js';
import { ConfigError } from './config.error.js';
import type { GatewayConfig } from './gateway-config.js';

function config(argv: string[] = [], env: NodeJS.ProcessEnv = {}): GatewayConfig {
  const result = loadConfig(argv, env);
  assert.equal(result.kind, 'run');
  return (result as { config: GatewayConfig }).config;
}

function refused(argv: string[], env: NodeJS.ProcessEnv, option: string, pattern: RegExp): void {
  assert.throws(
    () => loadConfig(argv, env),
    (error: unknown) => error instanceof ConfigError && error.option === option && pattern.test(error.message),
  );
}

test('defaults are anycable-go defaults', () => {
  const c = config();
  assert.equal(c.host, 'localhost');
  assert.equal(c.port, 8080);
  assert.deepEqual(c.paths, ['/cable']);
  assert.equal(c.healthPath, '/health');
  assert.equal(c.rpc.host, 'localhost:50051');
  assert.equal(c.rpc.concurrency, 28);
  assert.equal(c.rpc.requestTimeoutMs, 3000);
  assert.deepEqual(c.rpc.proxyHeaders, ['cookie']);
  assert.equal(c.rpc.proxyCookies, null);
  assert.equal(c.ping.intervalMs, 3000);
  assert.equal(c.ws.maxMessageSize, 65536);
  assert.equal(c.ws.maxSubscriptions, 100, 'max_subscriptions_per_session: our extension, documented default');
  assert.equal(c.disconnect.mode, 'auto');
  assert.equal(c.shutdownTimeoutMs, 30_000);
  assert.equal(c.log.level, 'info');
  assert.equal(c.log.format, 'text');
  assert.equal(c.broadcast.redisChannel, '__anycable__');
  assert.deepEqual(c.broadcast.adapters, ['http'], 'the embedded default: the HTTP intake alone');
  assert.equal(c.broadcast.pubsub, 'none');
  assert.deepEqual(c.broadcast.http, { port: 0, path: '/_broadcast', key: '', maxBodyBytes: 1_048_576 });
  assert.deepEqual(c.broadcast.redisx, { stream: '__anycable__', group: 'bx', readBlockMs: 2000, batchSize: 100, claimMinIdleMs: 5000 });
  assert.deepEqual(c.broadcast.natsServers, ['nats://localhost:4222']);
  assert.equal(c.jwt.param, 'jid');
});

test('the seed .env is read, header names case-insensitively', () => {
  const c = config([], {
    ANYCABLE_HOST: '0.0.0.0',
    ANYCABLE_PORT: '8181',
    ANYCABLE_PATH: '/ws',
    ANYCABLE_RPC_HOST: 'anycable-rpc:50051',
    ANYCABLE_HEADERS: 'COOKIE,AUTHORIZATION,ORIGIN',
    ANYCABLE_REDIS_URL: 'redis://redis:6379/1',
    ANYCABLE_LOG_LEVEL: 'info',
    ANYCABLE_DEBUG: 'false',
  });
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.port, 8181);
  assert.deepEqual(c.paths, ['/ws']);
  assert.equal(c.rpc.host, 'anycable-rpc:50051');
  assert.deepEqual(c.rpc.proxyHeaders, ['cookie', 'authorization', 'origin']);
  assert.equal(c.broadcast.redisUrl, 'redis://redis:6379/1');
  assert.deepEqual(c.broadcast.adapters, ['redis'], 'an explicit Redis URL selects the redis intake');
  assert.equal(c.broadcast.pubsub, 'redis', 'and Redis pub/sub between gateways (anycable-go 1.6.2+)');
});

test('flags win over env, which wins over PORT / REDIS_URL', () => {
  const c = config(['--rpc_host=dns:///rpc:50051', '--port', '9000', '--debug', '--max-conn=5'], {
    ANYCABLE_RPC_HOST: 'other:1',
    PORT: '7000',
    REDIS_URL: 'redis://r:1',
  });
  assert.equal(c.rpc.host, 'dns:///rpc:50051');
  assert.equal(c.port, 9000);
  assert.equal(c.log.level, 'debug');
  assert.equal(c.maxConn, 5);
  assert.equal(c.broadcast.redisUrl, 'redis://r:1');
  assert.equal(config([], { PORT: '7000' }).port, 7000);
  assert.equal(config([], { PORT: '7000', ANYCABLE_PORT: '7001' }).port, 7001);
});

test('lists: paths, proxy cookies, allowed origins, adapters', () => {
  const c = config([], {
    ANYCABLE_PATH: '/cable, /admin/cable',
    ANYCABLE_PROXY_COOKIES: 'session,_csrf',
    ANYCABLE_ALLOWED_ORIGINS: '*.Example.com,localhost:3000',
    ANYCABLE_BROADCAST_ADAPTER: 'redis',
  });
  assert.deepEqual(c.paths, ['/cable', '/admin/cable']);
  assert.deepEqual(c.rpc.proxyCookies, ['session', '_csrf']);
  assert.deepEqual(c.allowedOrigins, ['*.example.com', 'localhost:3000']);
  assert.deepEqual(c.broadcast.adapters, ['redis']);
});

test('bad values stop the start with the option named', () => {
  refused([], { ANYCABLE_PORT: 'eighty' }, 'port', /port \(from ANYCABLE_PORT\): must be an integer/);
  refused(['--rpc_concurrency=0'], {}, 'rpc_concurrency', /must be >= 1/);
  refused([], { ANYCABLE_DISCONNECT_MODE: 'sometimes' }, 'disconnect_mode', /auto, always, never/);
  refused([], { ANYCABLE_LOG_FORMAT: 'xml' }, 'log_format', /text, json/);
  refused([], { ANYCABLE_RPC_HOST: 'no port' }, 'rpc_host', /host:port/);
  refused([], { ANYCABLE_PATH: 'cable' }, 'path', /must start with \//);
  refused([], { ANYCABLE_REDIS_URL: 'http://x' }, 'redis_url', /redis:\/\//);
  refused([], { ANYCABLE_DEBUG: 'maybe' }, 'debug', /true or false/);
  refused(['--no_such_option=1'], {}, 'no_such_option', /unknown option/);
  refused(['positional'], {}, 'positional', /unexpected argument/);
  refused(['--rpc_host'], {}, 'rpc_host', /needs a value/);
});

test('broadcast adapters and pub/sub: every adapter runs, unknown names are refused', () => {
  refused([], { ANYCABLE_BROADCAST_ADAPTER: 'kafka' }, 'broadcast_adapter', /unknown adapter "kafka"/);
  const c = config([], { ANYCABLE_BROADCAST_ADAPTER: 'redis, HTTP,redisx,nats,http', ANYCABLE_PUBSUB: 'nats', ANYCABLE_NATS_SERVERS: 'nats://a:1,b:2' });
  assert.deepEqual(c.broadcast.adapters, ['redis', 'http', 'redisx', 'nats']);
  assert.equal(c.broadcast.pubsub, 'nats');
  assert.deepEqual(c.broadcast.natsServers, ['nats://a:1', 'b:2']);
  assert.equal(config([], { REDIS_URL: 'redis://r:1', ANYCABLE_PUBSUB: 'none' }).broadcast.pubsub, 'none', 'an explicit none wins');
  refused([], { ANYCABLE_PUBSUB: 'zeromq' }, 'pubsub', /one of none, redis, nats/);
  refused([], { ANYCABLE_NATS_SERVERS: 'http://x' }, 'nats_servers', /nats:\/\/host:port/);
  refused([], { ANYCABLE_HTTP_BROADCAST_PATH: '_broadcast' }, 'http_broadcast_path', /must start with \//);
  refused([], { ANYCABLE_HTTP_BROADCAST_MAX_BODY_SIZE: '0' }, 'http_broadcast_max_body_size', />= 1/);
  refused([], { ANYCABLE_REDISX_BATCH_SIZE: 'many' }, 'redisx_batch_size', /integer/);
  refused([], { ANYCABLE_REDISX_CLAIM_MIN_IDLE_MILLISECONDS: '2000' }, 'redisx_claim_min_idle_milliseconds', /greater than redisx_read_block/);
});

test('broadcast key: explicit, derived from secret as anycable-go does, or "none"', () => {
  assert.equal(config([], { ANYCABLE_BROADCAST_KEY: 'k1' }).broadcast.http.key, 'k1');
  assert.equal(config([], { ANYCABLE_HTTP_BROADCAST_SECRET: 'k2' }).broadcast.http.key, 'k2', 'the deprecated name');
  // echo -n 'broadcast-cable' | openssl dgst -sha256 -hmac 's3cret'
  assert.equal(config([], { ANYCABLE_SECRET: 's3cret' }).broadcast.http.key, 'b12500da392cd5dc51962f1b1c0ebf8919e34f0025bf418332ae1b9d13c5bcc7');
  assert.equal(config([], { ANYCABLE_SECRET: 's', ANYCABLE_BROADCAST_KEY: 'none' }).broadcast.http.key, '');
  const c = config(['--redisx_stream=bx_stream', '--http_broadcast_port=8090'], { ANYCABLE_REDIS_CHANNEL: 'ch', ANYCABLE_NODE_ID: 'n1' });
  assert.equal(c.broadcast.redisx.stream, 'bx_stream');
  assert.equal(c.broadcast.http.port, 8090);
  assert.equal(c.broadcast.nodeId, 'n1');
  assert.equal(config([], { ANYCABLE_REDIS_CHANNEL: 'ch' }).broadcast.redisx.stream, 'ch', 'redisx reads redis_channel by default');
});

test('broker: none by default, memory with its history and session cache bounds', () => {
  assert.deepEqual(config([], {}).broker, {
    name: 'none',
    historyLimit: 100,
    historyTtlMs: 300_000,
    sessionsTtlMs: 300_000,
    historyHoldMs: 5000,
    historyHoldSize: 1000,
    presenceTtlMs: 15_000,
    presenceMaxInfoBytes: 4096,
    presenceHttpPath: '/presence',
    presenceWebhook: { url: '', secret: '', maxPending: 1000 },
    timeoutMs: 2000,
    maxPending: 10_000,
    reorderMs: 100,
  });
  assert.deepEqual(
    config(['--history_limit=5', '--sessions_ttl=2', '--history_hold_size=9', '--presence_ttl=3'], {
      ANYCABLE_BROKER: 'memory',
      ANYCABLE_HISTORY_TTL: '7',
      ANYCABLE_HISTORY_HOLD_MILLISECONDS: '50',
      ANYCABLE_PRESENCE_MAX_INFO_SIZE: '100',
    }).broker,
    {
      name: 'memory',
      historyLimit: 5,
      historyTtlMs: 7000,
      sessionsTtlMs: 2000,
      historyHoldMs: 50,
      historyHoldSize: 9,
      presenceTtlMs: 3000,
      presenceMaxInfoBytes: 100,
      presenceHttpPath: '/presence',
      presenceWebhook: { url: '', secret: '', maxPending: 1000 },
      timeoutMs: 2000,
      maxPending: 10_000,
      reorderMs: 100,
    },
  );
  refused(['--presence_ttl=0'], {}, 'presence_ttl', /must be >= 1/);
  refused(['--presence_webhook_url=http://hooks'], {}, 'presence_webhook_url', /needs presence_webhook_secret \(or secret\)/);
  refused(['--presence_webhook_url=ftp://hooks', '--secret=s'], {}, 'presence_webhook_url', /http\(s\) URL/);
  assert.deepEqual(config(['--presence_webhook_url=http://hooks/p', '--secret=s'], {}).broker.presenceWebhook, { url: 'http://hooks/p', secret: 's', maxPending: 1000 });
  refused(['--history_limit=0'], {}, 'history_limit', /must be between 1 and 100000/);
  const nats = config(['--broker=nats', '--nats_servers=nats://10.0.0.1:4222'], {});
  assert.equal(nats.broker.name, 'nats');
  assert.deepEqual(nats.broadcast.natsServers, ['nats://10.0.0.1:4222'], 'broker=nats reaches NATS through nats_servers');
});

test('sse: off by default at /events; sse_path must be a free path', () => {
  assert.deepEqual(config([], {}).sse, { enabled: false, path: '/events' });
  assert.deepEqual(config(['--sse'], { ANYCABLE_SSE_PATH: '/stream' }).sse, { enabled: true, path: '/stream' });
  refused(['--sse_path=events'], {}, 'sse_path', /must start with \//);
  refused(['--sse_path=/cable'], {}, 'sse_path', /already the WebSocket or health path/);
  refused(['--sse', '--sse_path=/_broadcast'], {}, 'sse_path', /already the HTTP broadcast or metrics path/);
});

test('unsupported features refuse to start; compatibility knobs are accepted and listed', () => {
  refused([], { ANYCABLE_BROKER: 'kafka' }, 'broker', /must be one of none, memory, redis, nats/);
  refused(['--embed_nats'], {}, 'embed_nats', /not implemented yet/);
  refused(['--turbo_streams'], {}, 'turbo_streams', /needs turbo_streams_secret, streams_secret or secret/);
  assert.deepEqual(config([], { ANYCABLE_BROKER: 'none', ANYCABLE_NORPC: 'false' }).broadcast.adapters, ['http']);
  assert.deepEqual(config(['--hub_gopool_size=8'], { ANYCABLE_READ_BUFFER_SIZE: '4096' }).ignoredOptions.sort(), [
    'hub_gopool_size',
    'read_buffer_size',
  ]);
});

test('deprecated names keep working', () => {
  const c = config(['--disable_disconnect', '--jwt_id_key=k', '--jwt_id_param=token', '--jwt_id_enforce']);
  assert.equal(c.disconnect.mode, 'never');
  assert.deepEqual(c.jwt, { secret: 'k', param: 'token', enforce: true });
  assert.equal(config([], { ANYCABLE_SECRET: 's' }).jwt.secret, 's', 'secret is the JWT fallback');
  refused(['--enforce_jwt'], {}, 'enforce_jwt', /needs jwt_secret/);
});

test('secret gives the JWT, streams and Turbo secrets unless each is set; public implies noauth, public streams, no broadcast key', () => {
  const c = config(['--secret=app', '--turbo_streams'], {});
  assert.deepEqual(c.streams, { secret: 'app', publicStreams: false, whisper: false, presence: true, turboSecret: 'app', cableReadySecret: null });
  assert.equal(c.jwt.secret, 'app');
  assert.equal(c.noauth, false);
  const own = config(['--secret=app', '--streams_secret=st', '--jwt_secret=jw', '--turbo_streams_secret=tu', '--turbo_streams', '--cable_ready_key=cr'], {});
  assert.deepEqual(own.streams, { secret: 'st', publicStreams: false, whisper: false, presence: true, turboSecret: 'tu', cableReadySecret: 'cr' });
  assert.equal(own.jwt.secret, 'jw');
  const streamsOnly = config(['--streams_secret=st', '--turbo_rails_key=legacy'], {});
  assert.equal(streamsOnly.streams.turboSecret, 'legacy', 'turbo_rails_key (deprecated) sets the secret and turns Turbo Streams on');
  assert.equal(streamsOnly.jwt.secret, '', 'streams_secret is not a JWT secret');
  const publicMode = config(['--public', '--secret=app'], { ANYCABLE_STREAMS_WHISPER: 'true' });
  assert.equal(publicMode.noauth, true);
  assert.equal(publicMode.streams.publicStreams, true);
  assert.equal(publicMode.streams.whisper, true);
  assert.equal(publicMode.broadcast.http.key, '');
  assert.equal(config(['--secret=none'], {}).streams.secret, '');
});

test('help and version are recognised', () => {
  assert.equal(loadConfig(['--help'], {}).kind, 'help');
  assert.equal(loadConfig(['-v'], {}).kind, 'version');
});

test('rpc_impl: an http(s):// rpc_host means RPC over HTTP; its secret is http_rpc_secret, else derived from secret', () => {
  assert.equal(config([]).rpc.impl, 'grpc');
  const http = config([], { ANYCABLE_RPC_HOST: 'http://app:3000/_anycable', ANYCABLE_SECRET: 's3cret' });
  assert.deepEqual([http.rpc.impl, http.rpc.host], ['http', 'http://app:3000/_anycable']);
  // echo -n 'rpc-cable' | openssl dgst -sha256 -hmac 's3cret' (anycable docs/rpc.md)
  assert.equal(http.rpc.httpSecret, 'edc2c1644849b3652a76c9230c6ddd1b3af60d5ab9c1822af2c0b60653f773a8');
  assert.equal(config(['--rpc_impl=http', '--rpc_host=https://app/rpc', '--http_rpc_secret=k'], { ANYCABLE_SECRET: 's' }).rpc.httpSecret, 'k');
  refused(['--rpc_impl=grpc', '--rpc_host=http://app:3000/_anycable'], {}, 'rpc_host', /needs rpc_impl=http/);
  refused(['--rpc_impl=http', '--rpc_host=app:3000'], {}, 'rpc_host', /http\(s\):\/\/ URL/);
  refused(['--rpc_impl=soap'], {}, 'rpc_impl', /grpc or http/);
});
