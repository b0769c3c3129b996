/**
 * The gateway's counters: plain numbers bumped on the hot paths (a property increment, no
 * allocation), read lazily by /health and the Prometheus endpoint.
 */
export class GatewayStats {
  connectionsTotal = 0;
  connectionsRejected = 0;
  broadcastsReceived = 0;
  broadcastsRefused = 0;
  /** Publications taken by this gateway (http, redisx) and relayed to the others over pub/sub. */
  broadcastsRelayed = 0;
  /** Relays dropped: over pubsub_max_pending, or refused by the pub/sub server. */
  relayDropped = 0;
  /** Frames written for broadcasts (one per subscriber reached). */
  broadcastFramesSent = 0;
  remoteDisconnects = 0;
  rpcCalls = 0;
  rpcErrors = 0;
  rpcRetries = 0;
  rpcQueueRejections = 0;
  failedAuths = 0;
  badFrames = 0;
  droppedCommands = 0;
  slowClients = 0;
  oversizedFrames = 0;
  pongTimeouts = 0;
  disconnectCalls = 0;
  /** Disconnect calls that waited past disconnect_backlog_size (encoded; all still sent). */
  disconnectOverflowed = 0;
  /** Broker operations its backend refused or failed (register, history, sessions): NATS or Redis away. */
  brokerErrors = 0;
  /** Presence webhooks delivered / given up (after retries, refused, or dropped past presence_webhook_max_pending). */
  presenceWebhooksSent = 0;
  presenceWebhooksFailed = 0;
  /** Sessions whose live frames held for a history answer went over history_hold_size. */
  historyHoldOverflows = 0;

  /** Gauges computed on read, registered by their owners (sessions, streams, queues). */
  private readonly gauges = new Map<string, () => number>();

  registerGauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  gauge(name: string): number {
    return this.gauges.get(name)?.() ?? 0;
  }

  gaugeNames(): string[] {
    return [...this.gauges.keys()];
  }
}
