import type { StreamPosition } from '../broker/broker.js';
import type { HubSubscriber } from '../hub/hub.js';
import type { FrameEncoder } from '../transport/frame-encoder.js';
import type { SessionSocket } from '../transport/session-socket.js';

export interface LiveDeliveryOptions {
  /**
   * How long a restored subscription's live frames wait for the client's `history` command
   * (`history_hold_milliseconds`); past it they are sent as they are. Once the command came, they
   * wait for its answer whatever this says (the broker's read is bounded by its own timeout).
   */
  readonly holdMs: number;
  /** Live frames held per session at most (`history_hold_size`); past it every held frame is sent at once. */
  readonly maxHeld: number;
}

/** One live broadcast frame held back, with what the history answer needs to skip it. */
interface HeldFrame {
  readonly frame: Buffer;
  readonly identifier: string;
  readonly stream: string;
  readonly position: StreamPosition | null;
}

/** The highest position a history answer sent, per stream of one subscription. */
export type CoveredPositions = ReadonlyMap<string, StreamPosition>;

/** What `onOverflow` / `onTimeout` report. */
export type HoldEnd = 'overflow' | 'timeout';

/**
 * A session's live broadcasts on their way to its socket, made exactly-once around history
 * answers (anycable-go sends live frames before the history answer, so a restored client sees
 * some twice and out of order):
 * - a subscription asking for history (after a restore, or `history` on subscribe / as a
 *   command) has its live frames held until the answer is written;
 * - the answer says how far it went per stream; held frames it covered are dropped, the others
 *   follow it in order, and later frames it covered (a slower gateway's relay) are dropped too.
 * The common case (nothing held, no history asked) is one check and a direct write.
 */
export class LiveDelivery implements HubSubscriber {
  /** Subscriptions whose live frames are held: waiting for the client's command, or for the answer. */
  private held: Map<string, 'awaiting-command' | 'answering'> | null = null;
  private queue: HeldFrame[] = [];
  /** Per subscription, per stream: the last position a history answer sent (later duplicates are dropped). */
  private covered: Map<string, Map<string, StreamPosition>> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: SessionSocket,
    private readonly options: LiveDeliveryOptions,
    private readonly onHoldEnded: (reason: HoldEnd, released: number) => void,
  ) {}

  get sid(): string {
    return this.socket.sid;
  }

  get encoder(): FrameEncoder {
    return this.socket.encoder;
  }

  sendFrame(frame: Buffer, identifier = '', stream = '', position: StreamPosition | null = null): boolean {
    if (this.held === null && this.covered === null) return this.socket.sendFrame(frame);
    if (this.held?.has(identifier)) {
      this.queue.push({ frame, identifier, stream, position });
      if (this.queue.length > this.options.maxHeld) this.releaseAll('overflow');
      return true;
    }
    if (this.isCovered(identifier, stream, position)) return false;
    return this.socket.sendFrame(frame);
  }

  /** Restored subscriptions: hold their live frames until the client asks for history (or `holdMs`). */
  holdUntilAsked(identifiers: Iterable<string>): void {
    const held = (this.held ??= new Map());
    for (const identifier of identifiers) held.set(identifier, 'awaiting-command');
    if (held.size > 0 && !this.timer) {
      this.timer = setTimeout(() => this.releaseUnasked(), this.options.holdMs);
      this.timer.unref();
    }
  }

  /** A history answer for `identifier` is being prepared: hold its live frames until {@link answered}. */
  holdForAnswer(identifier: string): void {
    (this.held ??= new Map()).set(identifier, 'answering');
  }

  /**
   * The history answer for `identifier` is written: its held frames follow, except those the
   * answer covered; `covered` stays to drop late duplicates.
   */
  answered(identifier: string, covered: CoveredPositions): void {
    if (covered.size > 0) {
      const known = (this.covered ??= new Map()).get(identifier);
      if (known) for (const [stream, position] of covered) known.set(stream, position);
      else this.covered.set(identifier, new Map(covered));
    }
    if (!this.held?.delete(identifier)) return;
    const kept: HeldFrame[] = [];
    for (const held of this.queue) {
      if (held.identifier !== identifier) kept.push(held);
      else if (!this.isCovered(identifier, held.stream, held.position)) this.socket.sendFrame(held.frame);
    }
    this.queue = kept;
    this.settle();
  }

  /** The subscription is gone: forget its holds and coverage. */
  forget(identifier: string): void {
    this.covered?.delete(identifier);
    if (this.covered?.size === 0) this.covered = null;
    if (!this.held?.delete(identifier)) return;
    this.queue = this.queue.filter((held) => held.identifier !== identifier);
    this.settle();
  }

  /** The session closed: drop everything held. */
  dispose(): void {
    this.held = null;
    this.covered = null;
    this.queue = [];
    this.clearTimer();
  }

  private isCovered(identifier: string, stream: string, position: StreamPosition | null): boolean {
    if (!position) return false;
    const last = this.covered?.get(identifier)?.get(stream);
    return last !== undefined && last.epoch === position.epoch && position.offset <= last.offset;
  }

  /** `holdMs` passed: subscriptions whose client never asked for history get their frames. */
  private releaseUnasked(): void {
    this.timer = null;
    if (!this.held) return;
    let released = 0;
    for (const [identifier, stage] of this.held) {
      if (stage !== 'awaiting-command') continue;
      released++;
      this.answered(identifier, new Map());
    }
    if (released > 0) this.onHoldEnded('timeout', released);
  }

  private releaseAll(reason: HoldEnd): void {
    const queue = this.queue;
    this.queue = [];
    this.held = null;
    this.clearTimer();
    for (const held of queue) this.socket.sendFrame(held.frame);
    this.onHoldEnded(reason, queue.length);
  }

  private settle(): void {
    if (this.held && this.held.size === 0) {
      this.held = null;
      this.clearTimer();
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
