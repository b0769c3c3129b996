/** Starting the gateway the way the README does (`node dist/apps/gateway/src/main.bundle.js`), on a free port. */
import assert from 'node:assert/strict';
import type { Publication } from '#libs/protocol';
import { startApp, type RunningProcess } from './processes.js';

export interface GatewayHealth {
  status: string;
  clients_num: number;
  broadcast_streams_num: number;
  rpc_inflight_num: number;
  rpc_pending_num: number;
  disconnect_queue_size: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

export interface GatewayProcess {
  readonly process: RunningProcess;
  readonly port: number;
  /** ws://127.0.0.1:<port><path> */
  url(path?: string): string;
  health(): Promise<GatewayHealth>;
  /** http://127.0.0.1:<port>/_broadcast, the HTTP broadcast endpoint. */
  broadcastUrl(): string;
  /** POSTs `publication` to the HTTP broadcast endpoint (`headers`: the broadcast key, …); asserts it was accepted (201). */
  publish(publication: Publication | object, headers?: Record<string, string>): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the built gateway with ANYCABLE_* env (host 127.0.0.1 and a free port unless given). */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const process = startApp('gateway', { ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: '0', ...env });
  try {
    const match = await process.waitForOutput(/Gateway listening on \S+?:(\d+)/, 20_000);
    const port = Number(match[1]);
    const broadcastUrl = `http://127.0.0.1:${port}/_broadcast`;
    return {
      process,
      port,
      url: (path = '/cable') => `ws://127.0.0.1:${port}${path}`,
      async health() {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return (await response.json()) as GatewayHealth;
      },
      broadcastUrl: () => broadcastUrl,
      async publish(publication, headers = {}) {
        const response = await fetch(broadcastUrl, { method: 'POST', headers, body: JSON.stringify(publication) });
        assert.equal(response.status, 201, `broadcast to the gateway on port ${port}`);
      },
      stop: (signal = 'SIGTERM') => process.stop(signal),
    };
  } catch (error) {
    await process.stop('SIGKILL');
    throw error;
  }
}
