import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { BroadcastIntakes } from './broadcast/broadcast-intakes.js';
import type { GatewayConfig } from './config/gateway-config.js';
import type { Broker } from './broker/broker.js';
import { GatewayModule } from './gateway.module.js';
import { BROKER } from './gateway.tokens.js';
import { PresenceTracker } from './presence/presence-tracker.js';
import { PresenceEndpoint } from './http/presence-endpoint.js';
import { HttpEndpoints } from './http/http-endpoints.js';
import { NodeHttpAdapter } from './http/node-http.adapter.js';
import { shutDownGracefully } from './lifecycle/graceful-shutdown.js';
import { MemoryCompactor, memoryReducingCollection } from './lifecycle/memory-compactor.js';
import { createLogger, type GatewayLogger } from './log/logger.js';
import { PinoNestLogger } from './log/pino-nest-logger.js';
import { GatewayStats } from './metrics/gateway-stats.js';
import { packageVersion } from './package-version.js';
import { DisconnectQueue } from './rpc/disconnect-queue.js';
import { RpcClient } from './rpc/rpc-client.js';
import { PingScheduler } from './session/ping-scheduler.js';
import { SessionService } from './session/session.service.js';
import { CableWsAdapter } from './transport/cable-ws.adapter.js';
import { ConnectionBudget } from './transport/connection-budget.js';
import { SseEndpoint } from './transport/sse/sse-endpoint.js';

/** Builds and starts the gateway from a validated config; resolves once it is serving. */
export async function bootstrap(config: GatewayConfig): Promise<void> {
  const logger = createLogger(config.log.level, config.log.format);
  guardProcess(logger);
  for (const name of config.ignoredOptions) logger.warn({ option: name }, 'option accepted for compatibility; it has no effect here');

  // Nest on node:http alone (NodeHttpAdapter): the gateway's endpoints need no Express.
  const app = await NestFactory.create(await GatewayModule.forRoot(config, logger), new NodeHttpAdapter(config.ws.listenBacklog), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    abortOnError: false,
    httpsOptions: config.ssl ? { cert: readFileSync(config.ssl.certPath), key: readFileSync(config.ssl.keyPath) } : undefined,
  });
  const budget = new ConnectionBudget(config.maxConn);
  const transportContext = { logger, stats: app.get(GatewayStats), maxPendingBytes: config.ws.maxPendingBytes };
  const adapter = new CableWsAdapter(
    app.getHttpServer(),
    { paths: config.paths, maxMessageSize: config.ws.maxMessageSize, budget, allowedOrigins: config.allowedOrigins, secure: config.ssl !== null },
    transportContext,
    app.get(SessionService),
  );
  app.useWebSocketAdapter(adapter);
  const http = app.get(HttpEndpoints);
  http.register(app.getHttpAdapter());
  const sse = config.sse.enabled
    ? new SseEndpoint(
        { path: config.sse.path, allowedOrigins: config.allowedOrigins, budget, secure: config.ssl !== null, version: packageVersion() },
        transportContext,
        app.get(SessionService),
      )
    : null;
  sse?.mount(app.getHttpAdapter());
  const presence = app.get(PresenceTracker);
  new PresenceEndpoint(config.broker.presenceHttpPath, config.broadcast.http.key, presence, logger).mount(app.getHttpAdapter());
  const intakes = app.get(BroadcastIntakes);
  intakes.mount(app.getHttpAdapter());

  const broker = app.get<Broker>(BROKER);
  await broker.start();
  await presence.start();
  await app.listen(config.port, config.host);
  await http.listenMetrics();
  await intakes.start();
  const pings = app.get(PingScheduler);
  pings.start();
  const cableServer = adapter.cableServer;
  const stats = app.get(GatewayStats);
  const compactor = new MemoryCompactor(
    config.ws.gcAfterChurn,
    () => ({ accepted: stats.connectionsTotal, open: cableServer.connectionCount }),
    undefined,
    undefined,
    (churn, tookMs) => logger.info({ churn, tookMs, rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20) }, 'connection burst over: full GC (gc_after_churn)'),
    (error) => logger.warn({ err: (error as Error)?.message ?? String(error) }, 'connection burst over: the full GC failed (gc_after_churn); trying again after the next burst'),
  );
  compactor.start();
  if (config.ws.gcAfterChurn > 0) collectStartGarbage(() => stats.connectionsTotal === 0, logger);

  const address = app.getHttpServer().address() as AddressInfo;
  // The ready line is printed whatever log_level says: scripts and tests wait for it.
  const announcer = logger.isLevelEnabled('info') ? logger : createLogger('info', config.log.format);
  announcer.info(
    { paths: config.paths, sse: sse ? config.sse.path : undefined, rpc: config.rpc.host, broadcast: intakes.names, version: packageVersion() },
    `Gateway listening on ${config.host}:${address.port}`,
  );

  const parts = {
    app,
    cableServer: adapter.cableServer,
    sse,
    sessions: app.get(SessionService),
    intakes,
    broker,
    presence,
    disconnects: app.get(DisconnectQueue),
    pings,
    compactor,
    rpc: app.get(RpcClient),
    http,
    logger,
  };
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    shutDownGracefully(parts, signal, config.shutdownTimeoutMs, config.shutdownDelayMs).then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error.stack ?? error.message }, 'graceful shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** How long after listening the start's garbage is collected, if no client came meanwhile. */
const START_SETTLE_MS = 1_000;

/**
 * Starting leaves the heap with the garbage of module evaluation and Nest's wiring, and the young
 * generation grown to hold it (about 16 MB of RSS, then 10 MB of old space in use): V8 gives it back
 * only when its memory reducer happens to run, which an idle process may do within seconds or not at
 * all (RSS with no client measured 74 MB or 83 MB from one start to the next). One memory-reducing
 * collection, a few ms once the gateway listens, makes the idle figure the low one. Skipped when
 * clients are already connecting (a reconnect storm after a restart): gc_after_churn collects after it.
 */
function collectStartGarbage(idle: () => boolean, logger: GatewayLogger): void {
  setTimeout(() => {
    if (!idle()) return;
    memoryReducingCollection().catch((error: unknown) => logger.warn({ err: (error as Error)?.message ?? String(error) }, 'start: the memory-reducing GC failed'));
  }, START_SETTLE_MS).unref();
}

/** A stray error must not take 10,000 connections down with it: log it with context and go on. */
function guardProcess(logger: GatewayLogger): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: (reason as Error)?.stack ?? String(reason) }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error: Error) => {
    logger.error({ err: error.stack ?? error.message }, 'uncaught exception');
  });
}
