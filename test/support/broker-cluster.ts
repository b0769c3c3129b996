/**
 * Two gateways sharing a distributed broker (`broker=nats` or `broker=redis`), for the reliable
 * streams tests: publications go in over HTTP to one gateway and reach the other through the pub/sub.
 * Clients that drop and restore: test/support/restoring-client.ts.
 */
import type { Publication } from '#libs/protocol';
import { startGateway, type GatewayProcess } from './gateway.js';

/** Two gateways with the same settings (`env`: the broker, its servers, the pub/sub), restartable one by one. */
export class BrokerCluster {
  private constructor(
    readonly gateways: GatewayProcess[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string>): Promise<BrokerCluster> {
    const base = { ANYCABLE_BROADCAST_ADAPTER: 'http', ANYCABLE_PING_INTERVAL: '1', ANYCABLE_METRICS_HTTP: '/metrics', ...env };
    const gateways = await Promise.all([0, 1].map(() => startGateway(base)));
    return new BrokerCluster(gateways, base);
  }

  /** The HTTP broadcast URL of gateway `index` (it registers what it takes and relays it to the other). */
  broadcastUrl(index: number): string {
    return this.gateways[index]!.broadcastUrl();
  }

  /** POST /_broadcast to gateway `index`. */
  publish(index: number, publication: Publication): Promise<void> {
    return this.gateways[index]!.publish(publication);
  }

  /** Stops gateway `index` with `signal` and starts it again (on a new port: ask `gateways[index]` again). */
  async restart(index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<GatewayProcess> {
    await this.gateways[index]!.stop(signal);
    return this.startAgain(index);
  }

  /** Starts gateway `index` again after it was stopped (or killed) by the test. */
  async startAgain(index: number): Promise<GatewayProcess> {
    this.gateways[index] = await startGateway(this.env);
    return this.gateways[index]!;
  }

  async stop(): Promise<void> {
    await Promise.all(this.gateways.map((gateway) => gateway.stop()));
  }
}
