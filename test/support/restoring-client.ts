/**
 * Helpers for reliable-stream tests: a raw extended-protocol client that follows one stream,
 * records every message it gets across its connections, and restores its session (`?sid=`, then
 * `history` from its last position) after a drop, the way @anycable/web does.
 */
import assert from 'node:assert/strict';
import { isFrame, RawCableClient, type Frame } from './cable-clients.js';
import { waitFor } from './ports.js';

export const EXT_PROTOCOL = 'actioncable-v1-ext-json';

/** Asserts `received` is 1..count, each once, in order; else says what is wrong (duplicates, missing, out of order). */
export function assertExactlyOnce(received: readonly number[], count: number): void {
  const expected = Array.from({ length: count }, (_, i) => i + 1);
  if (received.length === count && received.every((n, i) => n === expected[i])) return;
  const seen = new Set<number>();
  const duplicates = received.filter((n) => seen.has(n) || !seen.add(n));
  const missing = expected.filter((n) => !seen.has(n));
  const outOfOrder = received.flatMap((n, i) => (i > 0 && n < received[i - 1]! ? [`${received[i - 1]}→${n}`] : []));
  assert.fail(
    `not exactly once in order: ${received.length} received for ${count}; duplicates ${JSON.stringify(duplicates.slice(0, 20))}, missing ${JSON.stringify(missing.slice(0, 20))}, out of order ${JSON.stringify(outOfOrder.slice(0, 20))}`,
  );
}

/** Posts publications `{"n":i}` to a gateway's HTTP broadcast endpoint, one after the other, until stopped. */
export class SequencePublisher {
  sent = 0;
  private running = true;
  readonly done: Promise<void>;

  constructor(targets: ReadonlyArray<() => string>, stream: string, intervalMs = 5, limit = Number.POSITIVE_INFINITY) {
    this.done = (async () => {
      while (this.running && this.sent < limit) {
        const n = this.sent + 1;
        const url = targets[n % targets.length]!();
        const response = await fetch(url, { method: 'POST', body: JSON.stringify({ stream, data: JSON.stringify({ n }) }) });
        assert.equal(response.status, 201, `broadcast ${n} accepted`);
        this.sent = n;
        if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.done;
    return this.sent;
  }
}

/** One logical client: its connections in turn, the `n` of every message received, in wire order. */
export class RestoringClient {
  /** Every `n` received, over all connections, in order. */
  readonly received: number[] = [];
  /** Restores that came back `restored: true`. */
  restores = 0;
  private current!: RawCableClient;
  private sid = '';
  private position: { epoch: string; offset: number } | null = null;

  private constructor(
    readonly identifier: string,
    readonly stream: string,
  ) {}

  /** Connects to `url`, subscribes to `identifier` (whose stream is `stream`). */
  static async subscribe(url: string, identifier: string, stream: string): Promise<RestoringClient> {
    const client = new RestoringClient(identifier, stream);
    await client.open(url);
    client.current.subscribe(identifier);
    await client.current.waitForConfirm(identifier);
    return client;
  }

  /** The sid of the current connection's session. */
  get sessionId(): string {
    return this.sid;
  }

  get connection(): RawCableClient {
    return this.current;
  }

  /** Drops the connection abruptly (socket destroyed, no close frame). */
  drop(): void {
    this.current.drop();
  }

  /**
   * Reconnects to `url` with `?sid=` (must be restored, no re-subscribe) and asks for the history
   * after its last position; resolves once confirm_history came.
   */
  async restore(url: string): Promise<void> {
    await this.open(`${url}?sid=${encodeURIComponent(this.sid)}`);
    const welcome = this.current.frames[0] as Frame;
    assert.equal(welcome.restored, true, `restored from ${this.sid}: ${JSON.stringify(welcome)}`);
    assert.deepEqual(welcome.restored_ids, [this.identifier]);
    this.restores++;
    const history = this.position ? { streams: { [this.stream]: this.position } } : { since: Math.floor(Date.now() / 1000) - 60 };
    this.current.send({ command: 'history', identifier: this.identifier, history });
    const reply = await this.current.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history answer');
    assert.deepEqual(reply, { type: 'confirm_history', identifier: this.identifier });
  }

  /** Waits until `count` messages were received (whatever they are). */
  async waitForCount(count: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.received.length >= count, `${count} messages, got ${this.received.length}: …${this.received.slice(-10).join(',')}`, timeoutMs);
  }

  /** Asserts it got 1..count, each once, in order. */
  assertExactlyOnce(count: number): void {
    assertExactlyOnce(this.received, count);
  }

  close(): void {
    this.current.close();
  }

  private async open(url: string): Promise<void> {
    const client = await RawCableClient.connect(url, { protocols: [EXT_PROTOCOL] });
    this.current = client;
    client.ws.on('message', (data) => {
      if (this.current !== client) return;
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      if (frame.identifier !== this.identifier || !('message' in frame) || frame.type) return;
      this.received.push((frame.message as { n: number }).n);
      if (typeof frame.epoch === 'string' && typeof frame.offset === 'number') this.position = { epoch: frame.epoch, offset: frame.offset };
    });
    const welcome = (await client.waitForFrame((frame) => isFrame(frame) && frame.type === 'welcome', 'welcome')) as Frame;
    assert.equal(typeof welcome.sid, 'string', 'the ext welcome carries the sid');
    this.sid = welcome.sid as string;
  }
}
