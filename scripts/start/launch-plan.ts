import { randomBytes } from 'node:crypto';

/**
 * What `npm start` runs: the gateway and the RPC app (with the demo page), wired to each other on the
 * embedded default (HTTP broadcasting to the gateway, no Redis), every port configurable by the same
 * env names the apps read. Pure: env in, plan out, so it can be tested without starting anything.
 */
export interface LaunchPlan {
  gateway: { env: Record<string, string>; healthUrl: string };
  rpc: { env: Record<string, string>; healthUrl: string };
  /** The demo page, for the banner. */
  demoUrl: string;
  /** The gateway's WebSocket URL as the browser reaches it (the page's CABLE_URL). */
  cableUrl: string;
  /** Where the RPC app listens for gRPC (the gateway dials the same address). */
  rpcHost: string;
  /** How broadcasts travel, for the banner: `http → <url>` or the adapter's name. */
  broadcasting: string;
  /** Secrets made up for this run because none was given (names only), for the banner. */
  generated: string[];
  /** With http broadcasting: where to POST publications and the bearer key made up for this run (null: the user's own, not printed). */
  httpBroadcast: { url: string; generatedKey: string | null } | null;
  /** The gateway's Prometheus endpoint when ANYCABLE_METRICS_HTTP is set (on the main port unless ANYCABLE_METRICS_PORT), else null. */
  metricsUrl: string | null;
}

export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_GATEWAY_PORT = 8080;
export const DEFAULT_RPC_HOST = '127.0.0.1:50051';
export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 3000;

/** A launcher setting that cannot be used; the message names the variable. */
export class LaunchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Builds the plan from the launcher's env (unset and empty values take the defaults). */
export function planLaunch(env: Env, secret: () => string = randomSecret): LaunchPlan {
  const value = (name: string): string | undefined => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const generated: string[] = [];

  const gatewayHost = value('ANYCABLE_HOST') ?? DEFAULT_GATEWAY_HOST;
  // The gateway reads ANYCABLE_PORT, then PORT.
  const gatewayPortName = value('ANYCABLE_PORT') === undefined && value('PORT') !== undefined ? 'PORT' : 'ANYCABLE_PORT';
  const gatewayPort = readPort(gatewayPortName, value(gatewayPortName), DEFAULT_GATEWAY_PORT);
  const cablePath = (value('ANYCABLE_PATH') ?? '/cable').split(',')[0]!.trim();
  const rpcHost = value('ANYCABLE_RPC_HOST') ?? DEFAULT_RPC_HOST;
  const httpHost = value('RPC_HTTP_HOST') ?? DEFAULT_HTTP_HOST;
  const httpPort = readPort('RPC_HTTP_PORT', value('RPC_HTTP_PORT'), DEFAULT_HTTP_PORT);
  if (httpPort === gatewayPort) throw new LaunchConfigError(`RPC_HTTP_PORT and the gateway port (${gatewayPortName}) must differ, both are ${httpPort}`);

  const gatewayOrigin = `${hostForUrl(gatewayHost)}:${gatewayPort}`;
  const cableUrl = value('CABLE_URL') ?? `ws://${gatewayOrigin}${cablePath}`;
  const jwtSecret = value('JWT_SECRET') ?? generate('JWT_SECRET');

  const gatewayEnv: Record<string, string> = { ANYCABLE_HOST: gatewayHost, ANYCABLE_PORT: String(gatewayPort), ANYCABLE_RPC_HOST: rpcHost };
  // The demo's tokens (POST /demo/token) identify connections at the gateway with no Connect call, and
  // its comments feed follows a signed stream: the gateway verifies both with the demo's JWT_SECRET
  // unless its own secrets are given.
  const streamsSecret = value('ANYCABLE_STREAMS_SECRET') ?? value('ANYCABLE_SECRET') ?? jwtSecret;
  if (!value('ANYCABLE_JWT_SECRET') && !value('ANYCABLE_SECRET')) gatewayEnv.ANYCABLE_JWT_SECRET = jwtSecret;
  if (!value('ANYCABLE_STREAMS_SECRET') && !value('ANYCABLE_SECRET')) gatewayEnv.ANYCABLE_STREAMS_SECRET = streamsSecret;
  // The actuator console shows who is watching: presence needs a broker (memory: this one gateway).
  if (!value('ANYCABLE_BROKER')) gatewayEnv.ANYCABLE_BROKER = 'memory';
  const rpcEnv: Record<string, string> = {
    ANYCABLE_RPC_HOST: rpcHost,
    RPC_HTTP_HOST: httpHost,
    RPC_HTTP_PORT: String(httpPort),
    CABLE_URL: cableUrl,
    JWT_SECRET: jwtSecret,
    ANYCABLE_STREAMS_SECRET: streamsSecret,
  };

  // The embedded default: the RPC app POSTs each broadcast to the gateway's /_broadcast, served on
  // the gateway's own port (http_broadcast_port 0), authenticated with a key made up for this run
  // unless one is given.
  const adapter = value('ANYCABLE_BROADCAST_ADAPTER') ?? 'http';
  gatewayEnv.ANYCABLE_BROADCAST_ADAPTER = adapter;
  rpcEnv.ANYCABLE_BROADCAST_ADAPTER = adapter;
  let broadcasting = adapter;
  let httpBroadcast: LaunchPlan['httpBroadcast'] = null;
  if (adapter === 'http') {
    const broadcastPort = readPort('ANYCABLE_HTTP_BROADCAST_PORT', value('ANYCABLE_HTTP_BROADCAST_PORT'), gatewayPort);
    const broadcastPath = value('ANYCABLE_HTTP_BROADCAST_PATH') ?? '/_broadcast';
    const broadcastUrl = value('ANYCABLE_HTTP_BROADCAST_URL') ?? `http://${hostForUrl(gatewayHost, true)}:${broadcastPort}${broadcastPath}`;
    rpcEnv.ANYCABLE_HTTP_BROADCAST_URL = broadcastUrl;
    let generatedKey: string | null = null;
    if (!value('ANYCABLE_BROADCAST_KEY') && !value('ANYCABLE_SECRET')) {
      generatedKey = generate('ANYCABLE_BROADCAST_KEY');
      gatewayEnv.ANYCABLE_BROADCAST_KEY = generatedKey;
      rpcEnv.ANYCABLE_BROADCAST_KEY = generatedKey;
    }
    httpBroadcast = { url: broadcastUrl, generatedKey };
    broadcasting = `http → ${broadcastUrl}`;
  }

  return {
    gateway: { env: gatewayEnv, healthUrl: `http://${hostForUrl(gatewayHost, true)}:${gatewayPort}/health` },
    rpc: { env: rpcEnv, healthUrl: `http://${hostForUrl(httpHost, true)}:${httpPort}/health` },
    demoUrl: `http://${hostForUrl(httpHost)}:${httpPort}/`,
    cableUrl,
    rpcHost,
    broadcasting,
    generated,
    httpBroadcast,
    metricsUrl: metricsUrlOf(value('ANYCABLE_METRICS_HTTP'), value('ANYCABLE_METRICS_PORT'), gatewayHost, gatewayPort),
  };

  function generate(name: string): string {
    generated.push(name);
    return secret();
  }
}

function randomSecret(): string {
  return randomBytes(24).toString('hex');
}

function readPort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw new LaunchConfigError(`${name} must be a port number in 1..65535 (npm start needs to know it up front), got ${JSON.stringify(raw)}`);
  }
  return port;
}

/**
 * A listen address as a URL host: every-interface addresses become `localhost` for browsers, or
 * 127.0.0.1 between our own processes (health checks, broadcasts), which must not depend on name
 * resolution; IPv6 gets brackets.
 */
function hostForUrl(host: string, betweenProcesses = false): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === '0.0.0.0' || bare === '::') return betweenProcesses ? '127.0.0.1' : 'localhost';
  return bare.includes(':') ? `[${bare}]` : bare;
}

/** The gateway's metrics endpoint as the launcher's env configures it (metrics_http, metrics_port). */
function metricsUrlOf(path: string | undefined, port: string | undefined, gatewayHost: string, gatewayPort: number): string | null {
  if (!path) return null;
  const metricsPort = port && Number(port) > 0 ? Number(port) : gatewayPort;
  return `http://${hostForUrl(gatewayHost, true)}:${metricsPort}${path.startsWith('/') ? path : `/${path}`}`;
}
