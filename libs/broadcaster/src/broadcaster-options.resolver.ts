import { deriveBroadcastKey } from '#libs/protocol';
import { BroadcasterConfigError } from './broadcast.errors.js';
import {
  BROADCAST_ADAPTER_NAMES,
  BROADCASTER_DEFAULTS,
  type BroadcastAdapterName,
  type BroadcasterOptions,
} from './broadcaster-options.js';

/** Environment variables as `process.env` holds them. */
export type BroadcasterEnv = Record<string, string | undefined>;

/** The broadcast key anycable-go derives from its `secret` (defined in libs/protocol, shared with the gateway). */
export { deriveBroadcastKey };

type Convert<T> = (value: unknown, source: string) => T;

/**
 * Resolves every option: an explicit value wins, else its environment variable, else the default.
 * Each value is validated; a bad one throws `BroadcasterConfigError` naming the option
 * (`options.<field>`) or the environment variable it came from. Empty environment variables count as unset.
 */
export function resolveBroadcasterOptions(
  explicit: Partial<BroadcasterOptions> = {},
  env: BroadcasterEnv = process.env,
): BroadcasterOptions {
  const read = <K extends keyof BroadcasterOptions>(
    key: K,
    envNames: string[],
    convert: Convert<BroadcasterOptions[K]>,
    fallback: () => BroadcasterOptions[K],
  ): BroadcasterOptions[K] => {
    if (explicit[key] !== undefined) return convert(explicit[key], `options.${key}`);
    for (const name of envNames) {
      const raw = env[name];
      if (raw !== undefined && raw.trim() !== '') return convert(raw.trim(), name);
    }
    return fallback();
  };
  const redisUrlEnv = ['ANYCABLE_REDIS_URL', 'REDIS_URL'];
  const redisConfigured = explicit.redisUrl !== undefined || redisUrlEnv.some((name) => env[name]?.trim());

  const options: BroadcasterOptions = {
    adapter: read('adapter', ['ANYCABLE_BROADCAST_ADAPTER'], adapterName, () => (redisConfigured ? 'redis' : 'http')),
    redisUrl: read('redisUrl', redisUrlEnv, url(['redis:', 'rediss:']), () => BROADCASTER_DEFAULTS.redisUrl),
    redisChannel: read('redisChannel', ['ANYCABLE_REDIS_CHANNEL'], name, () => BROADCASTER_DEFAULTS.redisChannel),
    redisxMaxLen: read('redisxMaxLen', ['ANYCABLE_REDISX_MAXLEN'], integer(0, 1e9), () => BROADCASTER_DEFAULTS.redisxMaxLen),
    httpUrl: read('httpUrl', ['ANYCABLE_HTTP_BROADCAST_URL'], url(['http:', 'https:']), () => BROADCASTER_DEFAULTS.httpUrl),
    presenceUrl: '',
    broadcastKey: read('broadcastKey', ['ANYCABLE_BROADCAST_KEY'], name, () => {
      const secret = env.ANYCABLE_SECRET?.trim();
      return secret ? deriveBroadcastKey(secret) : undefined;
    }),
    httpConcurrency: read('httpConcurrency', ['ANYCABLE_HTTP_BROADCAST_CONCURRENCY'], integer(1, 64), () => BROADCASTER_DEFAULTS.httpConcurrency),
    natsServers: read('natsServers', ['ANYCABLE_NATS_SERVERS'], natsServerList, () => [...BROADCASTER_DEFAULTS.natsServers]),
    natsChannel: read('natsChannel', ['ANYCABLE_NATS_CHANNEL'], name, () => BROADCASTER_DEFAULTS.natsChannel),
    publishTimeoutMs: read('publishTimeoutMs', ['ANYCABLE_BROADCAST_TIMEOUT_MS'], integer(10, 600_000), () => BROADCASTER_DEFAULTS.publishTimeoutMs),
    retries: read('retries', ['ANYCABLE_BROADCAST_RETRIES'], integer(0, 100), () => BROADCASTER_DEFAULTS.retries),
    retryBaseDelayMs: read('retryBaseDelayMs', ['ANYCABLE_BROADCAST_RETRY_BASE_MS'], integer(1, 60_000), () => BROADCASTER_DEFAULTS.retryBaseDelayMs),
    retryMaxDelayMs: read('retryMaxDelayMs', ['ANYCABLE_BROADCAST_RETRY_MAX_MS'], integer(1, 600_000), () => BROADCASTER_DEFAULTS.retryMaxDelayMs),
    maxPending: read('maxPending', ['ANYCABLE_BROADCAST_MAX_PENDING'], integer(1, 1_000_000), () => BROADCASTER_DEFAULTS.maxPending),
    closeTimeoutMs: read('closeTimeoutMs', ['ANYCABLE_BROADCAST_CLOSE_TIMEOUT_MS'], integer(0, 600_000), () => BROADCASTER_DEFAULTS.closeTimeoutMs),
  };
  options.presenceUrl = read('presenceUrl', ['ANYCABLE_HTTP_PRESENCE_URL'], url(['http:', 'https:']), () => `${new URL(options.httpUrl).origin}/presence`);
  if (options.retryMaxDelayMs < options.retryBaseDelayMs) {
    throw new BroadcasterConfigError(
      explicit.retryMaxDelayMs !== undefined ? 'options.retryMaxDelayMs' : 'ANYCABLE_BROADCAST_RETRY_MAX_MS',
      `must be at least the base delay (${options.retryBaseDelayMs} ms), got ${options.retryMaxDelayMs}`,
    );
  }
  return options;
}

const adapterName: Convert<BroadcastAdapterName> = (value, source) => {
  const text = name(value, source).toLowerCase();
  if (text.includes(',')) {
    throw new BroadcasterConfigError(source, `an app publishes through one adapter; got the list "${text}" (pick one of ${BROADCAST_ADAPTER_NAMES.join(', ')})`);
  }
  if (!(BROADCAST_ADAPTER_NAMES as readonly string[]).includes(text)) {
    throw new BroadcasterConfigError(source, `unknown broadcast adapter "${text}" (expected one of ${BROADCAST_ADAPTER_NAMES.join(', ')})`);
  }
  return text as BroadcastAdapterName;
};

function name(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BroadcasterConfigError(source, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

function url(protocols: string[]): Convert<string> {
  return (value, source) => {
    const text = name(value, source);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new BroadcasterConfigError(source, `not a URL: "${text}" (expected e.g. ${protocols[0]}//host:port)`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new BroadcasterConfigError(source, `URL scheme must be ${protocols.join(' or ')}, got "${parsed.protocol}" in "${text}"`);
    }
    if (!parsed.hostname) throw new BroadcasterConfigError(source, `URL has no host: "${text}"`);
    return text;
  };
}

function integer(min: number, max: number): Convert<number> {
  return (value, source) => {
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      throw new BroadcasterConfigError(source, `must be an integer, got ${JSON.stringify(value)}`);
    }
    if (number < min || number > max) {
      throw new BroadcasterConfigError(source, `must be between ${min} and ${max}, got ${number}`);
    }
    return number;
  };
}

const natsServerList: Convert<string[]> = (value, source) => {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.length === 0) {
    throw new BroadcasterConfigError(source, `must be a non-empty list of NATS server URLs, got ${JSON.stringify(value)}`);
  }
  return items.map((item) => {
    const text = name(item, source);
    // nats.js accepts "host:port" too; check that whatever was given parses as a nats:// URL.
    const candidate = text.includes('://') ? text : `nats://${text}`;
    url(['nats:', 'tls:', 'ws:', 'wss:'])(candidate, source);
    return text;
  });
};
