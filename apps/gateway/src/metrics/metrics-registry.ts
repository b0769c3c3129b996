import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayStats } from './gateway-stats.js';

type CounterName = {
  [K in keyof GatewayStats]: GatewayStats[K] extends number ? K : never;
}[keyof GatewayStats];

const COUNTERS: ReadonlyArray<[string, string, CounterName]> = [
  ['connections_total', 'WebSocket connections accepted', 'connectionsTotal'],
  ['connections_rejected_total', 'WebSocket upgrades refused (path, origin, max_conn, shutdown)', 'connectionsRejected'],
  ['broadcast_msg_total', 'Publications received', 'broadcastsReceived'],
  ['broadcast_refused_total', 'Malformed publications ignored', 'broadcastsRefused'],
  ['broadcast_frames_total', 'Broadcast frames written to subscribers', 'broadcastFramesSent'],
  ['pubsub_relayed_total', 'Publications relayed to the other gateways over pub/sub', 'broadcastsRelayed'],
  ['pubsub_dropped_total', 'Relays to the other gateways dropped (pubsub_max_pending, pub/sub errors)', 'relayDropped'],
  ['broker_errors_total', 'Broker operations refused or failed by its backend (publications then carry no position)', 'brokerErrors'],
  ['presence_webhooks_sent_total', 'Presence webhooks delivered', 'presenceWebhooksSent'],
  ['presence_webhooks_failed_total', 'Presence webhooks given up (after retries, refused by the receiver, or dropped past presence_webhook_max_pending)', 'presenceWebhooksFailed'],
  ['remote_disconnects_total', 'Sessions closed by remote disconnect commands', 'remoteDisconnects'],
  ['rpc_call_total', 'RPC calls made', 'rpcCalls'],
  ['rpc_error_total', 'RPC calls without an answer', 'rpcErrors'],
  ['rpc_retries_total', 'RPC attempts retried (RESOURCE_EXHAUSTED, UNAVAILABLE)', 'rpcRetries'],
  ['rpc_queue_rejections_total', 'RPC calls refused because rpc_queue_size was reached', 'rpcQueueRejections'],
  ['failed_auths_total', 'Connections refused by authentication', 'failedAuths'],
  ['client_bad_frames_total', 'Client frames ignored as malformed', 'badFrames'],
  ['client_dropped_commands_total', 'Client commands dropped over max_pending_commands', 'droppedCommands'],
  ['slow_clients_total', 'Clients disconnected over ws_max_pending_size', 'slowClients'],
  ['oversized_frames_total', 'Connections closed with 1009 over max_message_size', 'oversizedFrames'],
  ['pong_timeouts_total', 'Sessions closed for a missing pong', 'pongTimeouts'],
  ['disconnect_calls_total', 'Disconnect RPC calls sent', 'disconnectCalls'],
  ['disconnect_overflow_total', 'Disconnect calls that waited past disconnect_backlog_size (still sent)', 'disconnectOverflowed'],
  ['history_hold_overflows_total', 'Sessions whose live messages held for a history answer went over history_hold_size', 'historyHoldOverflows'],
];

/** Prometheus registry (anycable-go's metric names, prefixed `anycable_go_`) reading the stats on scrape. */
export function createMetricsRegistry(stats: GatewayStats): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const [name, help, field] of COUNTERS) {
    new Counter({
      name: `anycable_go_${name}`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats[field]);
      },
    });
  }
  for (const name of stats.gaugeNames()) {
    new Gauge({
      name: `anycable_go_${name}`,
      help: `${name.replace(/_/g, ' ')} (now)`,
      registers: [registry],
      collect() {
        this.set(stats.gauge(name));
      },
    });
  }
  return registry;
}
