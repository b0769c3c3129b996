import { createServer } from 'node:net';
import { RpcConfigError } from './rpc-config.js';

/** A listen address to check before starting, with the variable that sets it. */
export interface PortToCheck {
  host: string;
  port: number;
  variable: string;
}

/**
 * Takes and releases each address before Nest starts, so a port already in use is refused with one
 * line naming the variable to change (an RpcConfigError), instead of gRPC's and Nest's error lines
 * and a stack trace after the whole app was built. Port 0 (any free port) needs no check.
 */
export async function checkPortsFree(ports: readonly PortToCheck[]): Promise<void> {
  for (const { host, port, variable } of ports) {
    if (port === 0) continue;
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const server = createServer();
      server.once('error', resolve);
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
    });
    if (!error) continue;
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (error.code === 'EADDRINUSE') throw new RpcConfigError(`${where} is already in use: choose another port with ${variable}`);
    if (error.code === 'EACCES') throw new RpcConfigError(`no permission to listen on ${where}: choose another port with ${variable}`);
    if (error.code === 'EADDRNOTAVAIL') throw new RpcConfigError(`${where} is not an address of this machine: change ${variable}`);
    // Anything else is for the real listen to report.
  }
}

/** `host:port` or `[v6]:port` → its parts; null for anything else (unix sockets, names gRPC resolves). */
export function splitHostPort(address: string): { host: string; port: number } | null {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  return match ? { host: match[1], port: Number(match[2]) } : null;
}
