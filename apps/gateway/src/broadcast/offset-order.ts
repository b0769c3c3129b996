import type { Publication } from '#libs/protocol';
import type { StreamPosition } from '../broker/broker.js';
import type { PositionedDelivery } from './stream-sequencer.js';

/**
 * How long a publication whose offset is past the next one expected waits for the missing ones
 * (ms). Relays between gateways on one machine or LAN take about a millisecond; 100 ms covers a
 * busy pub/sub without making a lost offset (a registration that failed after taking it) noticeable.
 */
export const OFFSET_GAP_WAIT_MS = 100;
/** Publications held per stream while a gap is open; past it they are delivered as they are. */
export const MAX_HELD_PER_STREAM = 1_000;
/** Streams whose last delivered offset is remembered; the least recently delivered is forgotten past it. */
export const MAX_ORDERED_STREAMS = 10_000;

interface Held {
  readonly publication: Publication;
  readonly position: StreamPosition;
}

interface StreamOrder {
  epoch: string;
  /** Offset of the last publication delivered. */
  last: number;
  /** Waiting for the offsets between `last` and them, sorted by offset. */
  held: Held[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * Delivers each stream's positioned publications in offset order. Publications of one stream can
 * reach a gateway out of order when two gateways took them at the same moment (HTTP broadcasts
 * spread over both: each registers its own and relays it); the broker's offsets are consecutive
 * per stream, so a publication past the next expected offset waits up to `waitMs` for the ones
 * before it. A late one (its offset already passed) and one without a position go out at once, as
 * does everything after a change of epoch. The first publication seen of a stream sets where it
 * starts (no earlier one is waited for).
 */
export class OffsetOrder {
  private readonly streams = new Map<string, StreamOrder>();

  constructor(
    private readonly deliver: PositionedDelivery,
    private readonly waitMs = OFFSET_GAP_WAIT_MS,
    private readonly maxHeld = MAX_HELD_PER_STREAM,
    private readonly maxStreams = MAX_ORDERED_STREAMS,
  ) {}

  /** Publications held for a gap now, over every stream. */
  get held(): number {
    let held = 0;
    for (const order of this.streams.values()) held += order.held.length;
    return held;
  }

  push(publication: Publication, position: StreamPosition | null): void {
    if (!position) {
      this.deliver(publication, null);
      return;
    }
    const { stream } = publication;
    const order = this.streams.get(stream);
    if (order) {
      // Re-inserted last: the map's order is least recently delivered first.
      this.streams.delete(stream);
      this.streams.set(stream, order);
    }
    if (!order || order.epoch !== position.epoch) {
      if (order) this.release(order);
      this.remember(stream, { epoch: position.epoch, last: position.offset, held: [], timer: undefined });
      this.deliver(publication, position);
      return;
    }
    if (position.offset <= order.last) {
      this.deliver(publication, position); // late (its turn passed) or repeated: as it is
      return;
    }
    if (position.offset === order.last + 1) {
      order.last = position.offset;
      this.deliver(publication, position);
      this.drain(order);
      return;
    }
    const at = order.held.findIndex((held) => held.position.offset > position.offset);
    order.held.splice(at < 0 ? order.held.length : at, 0, { publication, position });
    if (order.held.length > this.maxHeld) this.release(order);
    else order.timer ??= setTimeout(() => this.release(order), this.waitMs);
  }

  /** Delivers the held publications that follow the last delivered one without a gap. */
  private drain(order: StreamOrder): void {
    while (order.held.length > 0 && order.held[0]!.position.offset === order.last + 1) {
      const next = order.held.shift()!;
      order.last = next.position.offset;
      this.deliver(next.publication, next.position);
    }
    if (order.held.length === 0 && order.timer) {
      clearTimeout(order.timer);
      order.timer = undefined;
    }
  }

  /** The wait is over: everything held goes out in offset order, the gaps given up. */
  private release(order: StreamOrder): void {
    clearTimeout(order.timer);
    order.timer = undefined;
    const held = order.held;
    order.held = [];
    for (const { publication, position } of held) {
      order.last = Math.max(order.last, position.offset);
      this.deliver(publication, position);
    }
  }

  private remember(stream: string, order: StreamOrder): void {
    this.streams.set(stream, order);
    if (this.streams.size <= this.maxStreams) return;
    const [oldest, forgotten] = this.streams.entries().next().value as [string, StreamOrder];
    this.streams.delete(oldest);
    this.release(forgotten);
  }
}
