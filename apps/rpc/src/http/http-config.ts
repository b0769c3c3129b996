import { deriveRpcSecret } from '#libs/protocol';
import { RpcConfigError } from '../config/rpc-config.js';

/**
 * The RPC app's optional HTTP server (the demo page, its endpoints and `GET /health`), read from env.
 * It is off unless `RPC_HTTP_PORT` is set: the gRPC server alone is what the gateway needs.
 */
export interface HttpConfig {
  /** `RPC_HTTP_HOST` (default 127.0.0.1): the address to listen on; `0.0.0.0` or `::` in a container. */
  host: string;
  /** `RPC_HTTP_PORT`: the port; 0 picks a free one (the log line tells which). */
  port: number;
  /**
   * `CABLE_URL` (default ws://localhost:8080/cable, the gateway's defaults): the gateway's WebSocket
   * URL as the *browser* reaches it, rendered into the demo page's `action-cable-url` meta tag.
   */
  cableUrl: string;
  /**
   * `ANYCABLE_HTTP_RPC_MOUNT_PATH` (e.g. `/_anycable`, AnyCable Ruby's name): also serve RPC over HTTP
   * there, for a gateway with `rpc_host=http://<this server>/_anycable`. Its secret is
   * `ANYCABLE_HTTP_RPC_SECRET`, else derived from `ANYCABLE_SECRET` as anycable-go derives it; with
   * neither, calls need no secret. null: gRPC only.
   */
  httpRpc: { path: string; secret: string } | null;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_CABLE_URL = 'ws://localhost:8080/cable';

/** The HTTP server's configuration, or null when `RPC_HTTP_PORT` is unset; throws {@link RpcConfigError} naming a bad variable. */
export function loadHttpConfig(env: Record<string, string | undefined>): HttpConfig | null {
  const rawPort = env.RPC_HTTP_PORT?.trim();
  const httpRpc = readHttpRpc(env);
  if (rawPort === undefined || rawPort === '') {
    if (httpRpc) throw new RpcConfigError('ANYCABLE_HTTP_RPC_MOUNT_PATH needs the HTTP server: set RPC_HTTP_PORT too');
    return null;
  }
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535) {
    throw new RpcConfigError(`RPC_HTTP_PORT must be a port number in 0..65535 (0: any free port), got ${JSON.stringify(env.RPC_HTTP_PORT)}`);
  }
  return { host: readHost(env.RPC_HTTP_HOST), port, cableUrl: readCableUrl(env.CABLE_URL), httpRpc };
}

function readHttpRpc(env: Record<string, string | undefined>): HttpConfig['httpRpc'] {
  const path = env.ANYCABLE_HTTP_RPC_MOUNT_PATH?.trim();
  if (!path) return null;
  if (!/^\/[A-Za-z0-9._~\/-]*$/.test(path) || path === '/') {
    throw new RpcConfigError(`ANYCABLE_HTTP_RPC_MOUNT_PATH must be a path like /_anycable, got ${JSON.stringify(env.ANYCABLE_HTTP_RPC_MOUNT_PATH)}`);
  }
  const secret = env.ANYCABLE_HTTP_RPC_SECRET || (env.ANYCABLE_SECRET ? deriveRpcSecret(env.ANYCABLE_SECRET) : '');
  return { path: path.replace(/\/+$/, ''), secret };
}

function readHost(raw: string | undefined): string {
  const host = raw?.trim() || DEFAULT_HTTP_HOST;
  // A bare host name or address: Node's listen() takes it as is (no brackets, no port).
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) {
    throw new RpcConfigError(`RPC_HTTP_HOST must be a host name or an IP address without a port (e.g. 127.0.0.1, 0.0.0.0, ::), got ${JSON.stringify(raw)}`);
  }
  return host;
}

function readCableUrl(raw: string | undefined): string {
  const text = raw?.trim() || DEFAULT_CABLE_URL;
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'ws:' && url.protocol !== 'wss:') || url.hash !== '') {
    throw new RpcConfigError(`CABLE_URL must be a ws:// or wss:// URL without a #fragment (e.g. ws://localhost:8080/cable), got ${JSON.stringify(raw)}`);
  }
  return text;
}
