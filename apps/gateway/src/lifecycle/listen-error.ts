import type { GatewayConfig } from '../config/gateway-config.js';

/** What Node sets on the error of a `listen` that failed (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
interface ListenError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

/**
 * One line for an operator when a port cannot be taken, naming the option that sets it; null for
 * any other error (those keep their stack: they are bugs, not configuration).
 */
export function describeListenError(error: Error, config: GatewayConfig): string | null {
  const { code, address, port } = error as ListenError;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return null;
  const option =
    port === config.metrics.port && port !== config.port
      ? '--metrics_port (ANYCABLE_METRICS_PORT)'
      : port === config.broadcast.http.port && port !== config.port
        ? '--http_broadcast_port (ANYCABLE_HTTP_BROADCAST_PORT)'
        : code === 'EADDRNOTAVAIL'
          ? '--host (ANYCABLE_HOST)'
          : '--port (ANYCABLE_PORT or PORT)';
  const where = `${address ?? config.host}:${port ?? config.port}`;
  const problem =
    code === 'EADDRINUSE' ? `${where} is already in use` : code === 'EACCES' ? `no permission to listen on ${where}` : `${where} is not an address of this machine`;
  return `${problem}: choose another with ${option}`;
}
