import { Module, type DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { BroadcastDispatcher } from './broadcast/broadcast-dispatcher.js';
import { BroadcastIntakes, createBroadcastIntakes } from './broadcast/broadcast-intakes.js';
import { createBroker, isSharedBroker } from './broker/create-broker.js';
import { CableGateway } from './cable.gateway.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { BROKER, GATEWAY_CONFIG, GATEWAY_LOGGER, METRICS_REGISTRY } from './gateway.tokens.js';
import { HttpEndpoints } from './http/http-endpoints.js';
import { Hub } from './hub/hub.js';
import { PresenceTracker } from './presence/presence-tracker.js';
import { PresenceWebhook } from './presence/presence-webhook.js';
import type { GatewayLogger } from './log/logger.js';
import { GatewayStats } from './metrics/gateway-stats.js';
import { DisconnectQueue } from './rpc/disconnect-queue.js';
import { loadRpcDefinition } from '#libs/protocol';
import { createRpcTransport } from './rpc/create-rpc-transport.js';
import { RpcClient } from './rpc/rpc-client.js';
import { JwtIdentification } from './session/jwt-identification.js';
import { PingScheduler } from './session/ping-scheduler.js';
import type { SessionContext } from './session/session-context.js';
import { SessionRegistry } from './session/session-registry.js';
import { SessionService } from './session/session.service.js';
import { StreamChannels } from './streams/stream-channels.js';
import { WhisperPublisher } from './streams/whisper-publisher.js';

/**
 * Wires the gateway. The domain classes (hub, sessions, RPC client, intakes) are plain classes
 * built by factories here, so they stay testable without Nest; Nest owns the HTTP server, the
 * WebSocket gateway and the lifecycle. What only some configurations use (the NATS and Redis
 * clients, the HTTP RPC transport, Prometheus metrics) is imported by the factories that need it,
 * so the default start neither reads nor evaluates it.
 */
@Module({})
export class GatewayModule {
  static async forRoot(config: GatewayConfig, logger: GatewayLogger): Promise<DynamicModule> {
    const stats = new GatewayStats();
    const broker = await createBroker(config, logger, stats);
    return {
      module: GatewayModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useValue: logger },
        { provide: BROKER, useValue: broker },
        { provide: GatewayStats, useValue: stats },
        { provide: SessionRegistry, useValue: new SessionRegistry() },
        { provide: Hub, useFactory: (stats: GatewayStats) => new Hub(stats), inject: [GatewayStats] },
        { provide: StreamChannels, useValue: new StreamChannels(config.streams) },
        { provide: WhisperPublisher, useFactory: (hub: Hub) => new WhisperPublisher(hub), inject: [Hub] },
        {
          provide: RpcClient,
          useFactory: async (stats: GatewayStats) => {
            const definition = loadRpcDefinition();
            return new RpcClient(config.rpc, logger, stats, definition, await createRpcTransport(config.rpc, definition));
          },
          inject: [GatewayStats],
        },
        {
          provide: DisconnectQueue,
          useFactory: (rpc: RpcClient, stats: GatewayStats) =>
            new DisconnectQueue(rpc, rpc.disconnectCodec, { ...config.disconnect, flushConcurrency: config.rpc.concurrency }, logger, stats),
          inject: [RpcClient, GatewayStats],
        },
        {
          provide: PresenceTracker,
          useValue: new PresenceTracker(
            broker.presence,
            { ttlMs: config.broker.presenceTtlMs, maxInfoBytes: config.broker.presenceMaxInfoBytes },
            logger,
            config.broker.presenceWebhook.url ? new PresenceWebhook(config.broker.presenceWebhook, logger, stats) : null,
          ),
        },
        { provide: PingScheduler, useFactory: () => new PingScheduler(config.ping.intervalMs, config.ping.precision) },
        {
          provide: SessionService,
          useFactory: async (
            stats: GatewayStats,
            hub: Hub,
            rpc: RpcClient,
            disconnects: DisconnectQueue,
            pings: PingScheduler,
            registry: SessionRegistry,
            presence: PresenceTracker,
            streams: StreamChannels,
            whispers: WhisperPublisher,
          ) => {
            const context: SessionContext = {
              options: {
                disconnectMode: config.disconnect.mode,
                pingIntervalMs: config.ping.intervalMs,
                pongTimeoutMs: config.ping.pongTimeoutMs,
                maxPendingCommands: config.ws.maxPendingCommands,
                historyHoldMs: config.broker.historyHoldMs,
                historyHoldSize: config.broker.historyHoldSize,
                rpcRequestTimeoutMs: config.rpc.requestTimeoutMs,
                maxSubscriptions: config.ws.maxSubscriptions,
              },
              logger,
              stats,
              hub,
              broker,
              rpc,
              presence,
              streams,
              whispers,
              disconnects,
              pings,
              registry,
            };
            stats.registerGauge('clients_num', () => registry.size);
            stats.registerGauge('clients_uniq_num', () => registry.uniqueIdentifiers);
            stats.registerGauge('broadcast_streams_num', () => hub.streamCount);
            stats.registerGauge('rpc_inflight_num', () => rpc.gate.inFlight);
            stats.registerGauge('rpc_pending_num', () => rpc.gate.queued);
            stats.registerGauge('disconnect_queue_size', () => disconnects.pending);
            return new SessionService(context, registry, await JwtIdentification.create(config.jwt, config.noauth), config.rpc);
          },
          inject: [GatewayStats, Hub, RpcClient, DisconnectQueue, PingScheduler, SessionRegistry, PresenceTracker, StreamChannels, WhisperPublisher],
        },
        {
          provide: BroadcastDispatcher,
          useFactory: (hub: Hub, sessions: SessionService, stats: GatewayStats) => new BroadcastDispatcher(hub, sessions, logger, stats, {
              broker,
              distributed: isSharedBroker(config.broker.name),
              maxPending: config.broker.maxPending,
              reorderMs: config.broker.reorderMs,
            }),
          inject: [Hub, SessionService, GatewayStats],
        },
        {
          provide: BroadcastIntakes,
          useFactory: async (dispatcher: BroadcastDispatcher, hub: Hub, stats: GatewayStats, presence: PresenceTracker, whispers: WhisperPublisher) => {
            const intakes = await createBroadcastIntakes(config, { local: dispatcher, sharedBroker: isSharedBroker(config.broker.name), interest: hub, stats, logger });
            presence.publishThrough(intakes.publisher.sink, intakes.publisher.relayed);
            whispers.attach(intakes.publisher.sink);
            return intakes;
          },
          inject: [BroadcastDispatcher, Hub, GatewayStats, PresenceTracker, WhisperPublisher],
        },
        {
          provide: METRICS_REGISTRY,
          // Built after SessionService and the broadcast relay registered their gauges (the injection orders it);
          // prom-client is imported only when metrics are served (metrics_http).
          useFactory: async (stats: GatewayStats) =>
            config.metrics.httpPath ? (await import('./metrics/metrics-registry.js')).createMetricsRegistry(stats) : null,
          inject: [GatewayStats, SessionService, BroadcastIntakes],
        },
        {
          provide: HttpEndpoints,
          useFactory: (stats: GatewayStats, metrics: Registry | null) =>
            new HttpEndpoints(config, stats, metrics, logger),
          inject: [GatewayStats, METRICS_REGISTRY],
        },
        CableGateway,
      ],
    };
  }
}
