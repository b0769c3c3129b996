import type { Publication } from '#libs/protocol';
import type { PublicationLog, StreamPosition } from '../broker/broker.js';
import type { GatewayLogger } from '../log/logger.js';

/** One publication waiting for its position (or behind one that is). */
interface Waiting {
  readonly publication: Publication;
  readonly forward: PositionedDelivery | undefined;
  position: StreamPosition | null;
  settled: boolean;
}

/** Hands a publication, with its position or null, to the hub. */
export type PositionedDelivery = (publication: Publication, position: StreamPosition | null) => void;

/**
 * Registers publications with the broker and delivers them in each stream's registration order,
 * even when a networked broker answers later: a stream's publications queue behind the first one
 * still waiting for its position. A synchronous answer (broker=memory, none) with nothing waiting
 * on its stream is delivered at once, with no queue and no promise.
 *
 * Bound: at most `maxPending` registrations wait for the broker at once; past it a publication is
 * delivered without a position (in order, behind its stream's waiting ones) and not stored. The
 * broker's own timeout bounds how long one registration waits, so the queues drain.
 */
export class StreamSequencer {
  private readonly waiting = new Map<string, Waiting[]>();
  private inFlight = 0;

  constructor(
    private readonly log: PublicationLog,
    private readonly deliver: PositionedDelivery,
    private readonly maxPending: number,
    private readonly logger: GatewayLogger,
  ) {}

  /** Registrations waiting for the broker now. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Registers `publication` (unless `store` is false) and delivers it in its stream's order;
   * `forward` (the relay to the other gateways) gets it first, with its position, in that order too.
   */
  push(publication: Publication, store: boolean, forward?: PositionedDelivery): void {
    const queue = this.waiting.get(publication.stream);
    const registered = store && this.inFlight < this.maxPending ? this.log.register(publication.stream, publication.data) : null;
    if (!queue && !(registered instanceof Promise)) {
      forward?.(publication, registered);
      this.deliver(publication, registered);
      return;
    }
    const entry: Waiting = { publication, forward, position: null, settled: !(registered instanceof Promise) };
    if (registered instanceof Promise) {
      this.inFlight++;
      registered.then(
        (position) => this.settle(entry, position),
        (error: Error) => {
          // The seam says register never rejects; a backend breaking that still must not stall the stream.
          this.logger.error({ stream: publication.stream, err: error.message }, 'broker registration failed: delivered without a position');
          this.settle(entry, null);
        },
      );
    } else entry.position = registered;
    if (queue) queue.push(entry);
    else this.waiting.set(publication.stream, [entry]);
  }

  private settle(entry: Waiting, position: StreamPosition | null): void {
    this.inFlight--;
    entry.position = position;
    entry.settled = true;
    this.flush(entry.publication.stream);
  }

  /** Delivers the stream's settled publications from its head, up to the first still waiting. */
  private flush(stream: string): void {
    const queue = this.waiting.get(stream);
    if (!queue) return;
    let delivered = 0;
    while (delivered < queue.length && queue[delivered]!.settled) {
      const { publication, position, forward } = queue[delivered]!;
      delivered++;
      forward?.(publication, position);
      this.deliver(publication, position);
    }
    if (delivered === queue.length) this.waiting.delete(stream);
    else queue.splice(0, delivered);
  }
}
