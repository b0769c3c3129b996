/**
 * Two gateways sharing a distributed broker (`broker=nats` or `broker=redis`), for the reliable
 * streams tests: publications go in over HTTP to one gateway and reach the other through the pub/sub,
 * and an extended-protocol client can be dropped abruptly (socket destroyed, no close frame) and
 * restored on either gateway with `?sid=` + `history` from its last position.
 */
import assert from 'node:assert/strict';
import type { Publication } from '#libs/protocol';
import { RawCableClient, type ReceivedFrame } from './cable-clients.js';
import { startGateway, type GatewayProcess } from './gateway.js';
import { waitFor } from './ports.js';

export const EXT = ['actioncable-v1-ext-json'];
export type Frame = Record<string, unknown>;
export const isFrame = (frame: ReceivedFrame): frame is Frame => typeof frame === 'object';

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

  /** POST /_broadcast to gateway `index` (it registers the publication and relays it to the other). */
  async publish(index: number, publication: Publication): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.gateways[index]!.port}/_broadcast`, { method: 'POST', body: JSON.stringify(publication) });
    assert.equal(response.status, 201, `broadcast to gateway ${index + 1}`);
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

/** Broadcast frames (with a message) of `identifier`, in arrival order. */
export function streamFrames(client: RawCableClient, identifier: string): Frame[] {
  return client.frames.filter((frame): frame is Frame => isFrame(frame) && frame.identifier === identifier && 'message' in frame);
}

/**
 * An extended-protocol client that follows one subscription and keeps what @anycable/web keeps:
 * its sid and each stream's last position. `drop()` destroys its socket without a close frame;
 * `restore(url)` reconnects with `?sid=`, asks for history from the positions and waits for the answer.
 */
export class ReliableClient {
  /** Every message received, over all connections, in order. */
  readonly received: unknown[] = [];
  private positions: Record<string, { epoch: string; offset: number }> = {};
  private seen = 0;

  private constructor(
    public client: RawCableClient,
    readonly identifier: string,
    private readonly query: string,
  ) {}

  /** Connects to `url`, subscribes and waits for the confirmation. */
  static async subscribe(url: string, identifier: string, query = ''): Promise<ReliableClient> {
    const client = await RawCableClient.welcomed(`${url}${query}`, { protocols: EXT });
    client.subscribe(identifier);
    await client.waitForConfirm(identifier);
    return new ReliableClient(client, identifier, query);
  }

  get sid(): string {
    return String((this.client.frames.find((frame) => isFrame(frame) && frame.type === 'welcome') as Frame).sid);
  }

  /** Takes in the messages of the current connection not yet taken (updating the positions). */
  collect(): unknown[] {
    const frames = streamFrames(this.client, this.identifier).slice(this.seen);
    this.seen += frames.length;
    for (const frame of frames) {
      this.received.push(frame.message);
      if (typeof frame.stream_id === 'string' && typeof frame.epoch === 'string' && typeof frame.offset === 'number') {
        this.positions[frame.stream_id] = { epoch: frame.epoch, offset: frame.offset };
      }
    }
    return this.received;
  }

  /** Waits until `count` messages were received in all. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<unknown[]> {
    return waitFor(() => (this.collect().length >= count ? this.received : null), `${count} messages for ${this.identifier}, got ${JSON.stringify(this.received)}`, timeoutMs);
  }

  /** The network goes away: the socket is destroyed, no close frame (the server may not notice yet). */
  drop(): void {
    this.collect();
    this.client.ws.terminate();
  }

  /** Reconnects to `url` with `?sid=`; expects the session restored; asks history from the last positions; waits for confirm_history. */
  async restore(url: string): Promise<Frame> {
    this.collect();
    const sid = this.sid;
    const separator = this.query ? '&' : '?';
    this.client = await RawCableClient.welcomed(`${url}${this.query}${separator}sid=${encodeURIComponent(sid)}`, { protocols: EXT });
    this.seen = 0;
    const welcome = this.client.frames[0] as Frame;
    assert.equal(welcome.restored, true, `session ${sid} restored: ${JSON.stringify(welcome)}`);
    this.client.send({ command: 'history', identifier: this.identifier, history: { streams: this.positions } });
    const answer = await this.client.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history answer');
    assert.deepEqual(answer, { type: 'confirm_history', identifier: this.identifier });
    return welcome;
  }

  close(): void {
    this.client.close();
  }
}
