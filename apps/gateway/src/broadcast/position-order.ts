import type { Publication } from '#libs/protocol';
import type { HistoryRead, StreamPosition } from '../broker/broker.js';
import type { StreamInterestListener } from '../hub/stream-interest.js';
import type { PositionedDelivery } from './stream-sequencer.js';

/** A stream's delivery state on this gateway: the last offset delivered and what waits for a gap. */
interface StreamOrder {
  epoch: string;
  last: number;
  /** Publications past a gap, by offset. */
  readonly held: Map<number, Publication>;
  timer: NodeJS.Timeout | null;
  /** A gap is being fetched from the broker. */
  filling: boolean;
  /** Offsets passed over without being delivered (the fetch failed): delivered late if they come. */
  readonly skipped: Set<number>;
  /** The first offset delivered since this gateway tracks the stream, and when (see `accept`). */
  readonly first: number;
  readonly since: number;
  /** Offsets below `first` delivered late at the stream's start (each once). */
  readonly lateAtStart: Set<number>;
}

/** Offsets remembered as skipped per stream at most (past it the oldest are forgotten: late ones are then dropped). */
const MAX_SKIPPED = 1_000;

export interface PositionOrderOptions {
  /** How long a publication waits for an earlier offset (`broker_reorder_milliseconds`; 0 = never). */
  readonly windowMs: number;
  /** Publications held across streams at most (`broker_max_pending`); past it the stream's gap is given up. */
  readonly maxHeld: number;
  /** Streams tracked at most (least recently delivered forgotten first). */
  readonly maxStreams: number;
  /** True while the stream has local subscribers (only those are tracked: nobody here waits for the others). */
  readonly isFollowed: (stream: string) => boolean;
  /** Reads the stream's messages after a position from the broker (a gap that did not come in time). */
  readonly fill: (stream: string, after: StreamPosition) => Promise<HistoryRead> | HistoryRead;
  /** The clock (ms), for tests. */
  readonly now?: () => number;
}

/**
 * Delivers each stream's positioned publications in offset order on this gateway. With a shared
 * broker, two gateways register publications of one stream (two http intakes, redisx consumers):
 * each relays its own in order, but the relays of different gateways can cross, so offset 8 may
 * arrive before 7. A publication after a gap waits up to `windowMs` for the missing offsets; then
 * the gap is read from the broker's history (a relay that is slow or was lost), delivered, and
 * what waited follows. A late relay of an offset already delivered is dropped; one the broker could
 * not give is delivered late rather than lost, and so is an earlier offset that crossed the first one
 * this gateway delivered at the stream's start (within the window). Unpositioned publications pass straight through.
 * Only streams with local subscribers are tracked; a stream's state is forgotten when its last
 * local subscriber leaves or its first arrives.
 */
export class PositionOrder implements StreamInterestListener {
  private readonly streams = new Map<string, StreamOrder>();
  private heldCount = 0;
  /** Publications delivered after their successors (late, or their gap given up). */
  outOfOrder = 0;

  constructor(
    private readonly deliver: PositionedDelivery,
    private readonly options: PositionOrderOptions,
  ) {}

  /** Publications waiting for a gap now. */
  get held(): number {
    return this.heldCount;
  }

  accept(publication: Publication, position: StreamPosition | null): void {
    if (!position || this.options.windowMs === 0 || !this.options.isFollowed(publication.stream)) {
      this.deliver(publication, position);
      return;
    }
    const stream = publication.stream;
    let order = this.streams.get(stream);
    if (!order || order.epoch !== position.epoch) {
      if (order) this.giveUp(stream, order);
      const since = this.now();
      order = { epoch: position.epoch, last: position.offset, held: new Map(), timer: null, filling: false, skipped: new Set(), first: position.offset, since, lateAtStart: new Set() };
      this.remember(stream, order);
      this.deliver(publication, position);
      return;
    }
    if (position.offset <= order.last) {
      if (order.skipped.delete(position.offset) || this.crossedAtStart(order, position.offset)) {
        this.outOfOrder++;
        this.deliver(publication, position);
      }
      // Otherwise delivered already (it came from the broker when its relay was late): a duplicate.
      return;
    }
    if (position.offset === order.last + 1 && !order.filling) {
      order.last++;
      this.deliver(publication, position);
      this.flush(stream, order);
      return;
    }
    order.held.set(position.offset, publication);
    this.heldCount++;
    if (this.heldCount > this.options.maxHeld) this.giveUp(stream, order);
    else if (!order.timer && !order.filling) order.timer = setTimeout(() => this.fillGap(stream, order), this.options.windowMs);
  }

  /**
   * An offset below the first one this gateway delivered for the stream, arriving within the reorder
   * window after that: another gateway's relay that crossed this one's own publication at the
   * stream's start (gateway A delivers its offset 2 before B's offset 1 reaches it). Nothing here
   * delivered it, so it is delivered late rather than dropped; once (it is marked as seen). Older
   * offsets, or later arrivals, are history from before this gateway followed the stream.
   */
  private crossedAtStart(order: StreamOrder, offset: number): boolean {
    if (offset >= order.first || this.now() - order.since > this.options.windowMs) return false;
    if (order.lateAtStart.has(offset)) return false;
    order.lateAtStart.add(offset);
    return true;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A stream followed again starts afresh: what was seen while nobody here followed it says nothing. */
  streamFollowed(stream: string): void {
    this.streamUnfollowed(stream);
  }

  streamUnfollowed(stream: string): void {
    const order = this.streams.get(stream);
    if (!order) return;
    this.giveUp(stream, order);
    this.streams.delete(stream);
  }

  /** Delivers the held publications that follow `last` without a gap; re-arms the timer for the next gap. */
  private flush(stream: string, order: StreamOrder): void {
    let next = order.held.get(order.last + 1);
    while (next) {
      order.held.delete(order.last + 1);
      this.heldCount--;
      order.last++;
      this.deliver(next, { epoch: order.epoch, offset: order.last });
      next = order.held.get(order.last + 1);
    }
    if (order.timer) clearTimeout(order.timer);
    order.timer = order.held.size > 0 ? setTimeout(() => this.fillGap(stream, order), this.options.windowMs) : null;
  }

  /** The gap did not come within the window: read it from the broker, deliver it, then what waited. */
  private fillGap(stream: string, order: StreamOrder): void {
    order.timer = null;
    if (order.held.size === 0 || order.filling) return;
    order.filling = true;
    const after = { epoch: order.epoch, offset: order.last };
    Promise.resolve(this.options.fill(stream, after)).then(
      (read) => this.gapRead(stream, order, read),
      (error: Error) => this.gapRead(stream, order, { ok: false, error: error.message }),
    );
  }

  private gapRead(stream: string, order: StreamOrder, read: HistoryRead): void {
    order.filling = false;
    if (this.streams.get(stream) !== order) return; // forgotten meanwhile (its held ones were delivered)
    if (read.ok && read.epoch === order.epoch) {
      for (const entry of read.entries) {
        if (entry.offset <= order.last || order.held.has(entry.offset)) continue;
        order.held.set(entry.offset, { stream, data: entry.data });
        this.heldCount++;
      }
    }
    this.giveUp(stream, order);
  }

  /** The gap is not coming: deliver what waits, in offset order. */
  private giveUp(_stream: string, order: StreamOrder): void {
    if (order.timer) clearTimeout(order.timer);
    order.timer = null;
    if (order.held.size === 0) return;
    const offsets = [...order.held.keys()].sort((a, b) => a - b);
    for (const offset of offsets) {
      const publication = order.held.get(offset)!;
      order.held.delete(offset);
      this.heldCount--;
      for (let missing = order.last + 1; missing < offset && order.skipped.size < MAX_SKIPPED; missing++) order.skipped.add(missing);
      order.last = Math.max(order.last, offset);
      this.deliver(publication, { epoch: order.epoch, offset });
    }
  }

  private remember(stream: string, order: StreamOrder): void {
    this.streams.delete(stream);
    this.streams.set(stream, order);
    if (this.streams.size <= this.options.maxStreams) return;
    const [oldest, state] = this.streams.entries().next().value as [string, StreamOrder];
    this.giveUp(oldest, state);
    this.streams.delete(oldest);
  }
}
