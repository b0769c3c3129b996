import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import type { Broker } from '../broker/broker.js';
import type { BroadcastIntakes } from '../broadcast/broadcast-intakes.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';
import type { HttpEndpoints } from '../http/http-endpoints.js';
import type { GatewayLogger } from '../log/logger.js';
import type { DisconnectQueue } from '../rpc/disconnect-queue.js';
import type { RpcClient } from '../rpc/rpc-client.js';
import type { PingScheduler } from '../session/ping-scheduler.js';
import type { SessionService } from '../session/session.service.js';
import type { CableServer } from '../transport/cable-server.js';
import type { SseEndpoint } from '../transport/sse/sse-endpoint.js';
import type { MemoryCompactor } from './memory-compactor.js';

export interface ShutdownParts {
  readonly app: INestApplication;
  readonly cableServer: CableServer;
  /** The SSE endpoint when `sse` is on. */
  readonly sse: SseEndpoint | null;
  readonly sessions: SessionService;
  readonly intakes: BroadcastIntakes;
  readonly broker: Pick<Broker, 'stop'>;
  readonly presence: Pick<PresenceTracker, 'stop'>;
  readonly disconnects: DisconnectQueue;
  readonly pings: PingScheduler;
  /** gc_after_churn: stopped first, so that the closes do not start a full GC while Disconnects are flushed. */
  readonly compactor: Pick<MemoryCompactor, 'stop'>;
  readonly rpc: RpcClient;
  readonly http: HttpEndpoints;
  readonly logger: GatewayLogger;
}

/** How long closed sockets get to finish their closing handshake before being dropped. */
const CLOSE_HANDSHAKE_WAIT_MS = 2_000;

/**
 * SIGTERM/SIGINT: stop accepting, tell every client `server_restart` (WebSocket: then close 1001;
 * SSE: a `disconnect` event, then the end of the stream), flush the
 * pending Disconnect calls within shutdown_timeout, then close everything. Resolves when done.
 */
export async function shutDownGracefully(parts: ShutdownParts, signal: string, timeoutMs: number, delayMs: number): Promise<void> {
  const { logger } = parts;
  const deadline = Date.now() + timeoutMs;
  const openConnections = (): number => parts.cableServer.connectionCount + (parts.sse?.connectionCount ?? 0);
  logger.info({ signal, sessions: openConnections() }, 'Shutting down');
  parts.http.markShuttingDown();
  if (delayMs > 0) await sleep(delayMs);
  parts.cableServer.stopAccepting();
  parts.sse?.stopAccepting();
  parts.app.getHttpServer().close();
  parts.pings.stop();
  parts.compactor.stop();
  await parts.intakes.stop();

  const closed = parts.sessions.shutdownAll();
  const closeWait = Math.min(CLOSE_HANDSHAKE_WAIT_MS, Math.max(0, deadline - Date.now()));
  const until = Date.now() + closeWait;
  while (openConnections() > 0 && Date.now() < until) await sleep(20);
  parts.sse?.close();

  const unsent = await parts.disconnects.flush(Math.max(0, deadline - Date.now()));
  if (unsent > 0) logger.warn({ unsent }, `Disconnect calls not done within shutdown_timeout: ${unsent} left unsent or unanswered`);
  parts.rpc.close();
  await parts.presence.stop().catch((error: Error) => logger.warn({ err: error.message }, 'presence stop failed'));
  await parts.broker.stop().catch((error: Error) => logger.warn({ err: error.message }, 'broker stop failed'));
  await parts.http.close();
  await parts.app.close();
  logger.info({ sessions: closed }, 'Gateway stopped');
}
