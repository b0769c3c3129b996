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

/** What `onHoldEnded` reports. */
export type HoldEnd = 'overflow' | 'timeout';

/** A missed message fetched to fill a gap: its offset and its frame as JSON text. */
export interface MissedMessage {
  readonly offset: number;
  readonly text: string;
}

/**
 * Fetches the messages of `stream` after `after`, encoded for the subscription `identifier`;
 * null when the broker cannot answer (the gap is then skipped).
 */
export type GapFiller = (identifier: string, stream: string, after: StreamPosition) => Promise<readonly MissedMessage[] | null>;

/**
 * What every session's live delivery shares, one per gateway: its bounds, where the end of a hold
 * is reported (counted and logged with the sid) and how a gap is filled. Shared rather than given
 * as callbacks per session: two closures per session (and the property arrays esbuild's keepNames
 * gives them) were about 0.4 KB of heap per idle connection.
 */
export interface LiveDeliveryContext {
  readonly options: LiveDeliveryOptions;
  /** A hold ended by itself (`holdMs` passed, or over `maxHeld`): `released` frames went out as they were. */
  holdEnded(sid: string, reason: HoldEnd, released: number): void;
  readonly fill: GapFiller;
}

/** What the client of one subscription has of one stream since a history answer: the last position written. */
interface Continuity {
  epoch: string;
  offset: number;
  /** Frames waiting while a gap is fetched from the broker (null: no fetch under way). */
  waiting: HeldFrame[] | null;
}

export class LiveDelivery implements HubSubscriber {
  /** Subscriptions whose live frames are held: waiting for the client's command, or for the answer. */
  private held: Map<string, 'awaiting-command' | 'answering'> | null = null;
  /** Frames of held subscriptions, in arrival order (null while nothing is held: most sessions never hold). */
  private queue: HeldFrame[] | null = null;
  /** Per subscription, per stream: the last position written since a history answer. */
  private covered: Map<string, Map<string, Continuity>> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: SessionSocket,
    private readonly context: LiveDeliveryContext,
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
      const queue = (this.queue ??= []);
      queue.push({ frame, identifier, stream, position });
      if (queue.length > this.context.options.maxHeld) this.releaseAll('overflow');
      return true;
    }
    return this.pass({ frame, identifier, stream, position });
  }

  /** Restored subscriptions: hold their live frames until the client asks for history (or `holdMs`). */
  holdUntilAsked(identifiers: Iterable<string>): void {
    const held = (this.held ??= new Map());
    for (const identifier of identifiers) held.set(identifier, 'awaiting-command');
    if (held.size > 0 && !this.timer) {
      this.timer = setTimeout(() => this.releaseUnasked(), this.context.options.holdMs);
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
      const known = (this.covered ??= new Map()).get(identifier) ?? new Map<string, Continuity>();
      this.covered.set(identifier, known);
      for (const [stream, { epoch, offset }] of covered) {
        const current = known.get(stream);
        if (current && current.epoch === epoch && current.offset >= offset) continue;
        known.set(stream, { epoch, offset, waiting: current?.waiting ?? null });
      }
    }
    if (!this.held?.delete(identifier)) return;
    const kept: HeldFrame[] = [];
    const released: HeldFrame[] = [];
    for (const held of this.queue ?? []) (held.identifier === identifier ? released : kept).push(held);
    this.queue = kept.length > 0 ? kept : null;
    this.settle();
    for (const held of released) this.pass(held);
  }

  /** The subscription is gone: forget its holds and coverage. */
  forget(identifier: string): void {
    for (const continuity of this.covered?.get(identifier)?.values() ?? []) continuity.waiting = null;
    this.covered?.delete(identifier);
    if (this.covered?.size === 0) this.covered = null;
    if (!this.held?.delete(identifier)) return;
    const kept = this.queue?.filter((held) => held.identifier !== identifier) ?? [];
    this.queue = kept.length > 0 ? kept : null;
    this.settle();
  }

  /** The session closed: drop everything held. */
  dispose(): void {
    this.held = null;
    for (const streams of this.covered?.values() ?? []) for (const continuity of streams.values()) continuity.waiting = null;
    this.covered = null;
    this.queue = null;
    this.clearTimer();
  }

  /**
   * Writes a frame that is not held: straight through unless its subscription's stream is
   * continuous since a history answer (then duplicates are dropped and gaps fetched). False when
   * not written now.
   */
  private pass(held: HeldFrame): boolean {
    const continuity = held.position ? this.covered?.get(held.identifier)?.get(held.stream) : undefined;
    if (!continuity || !held.position) return this.socket.sendFrame(held.frame);
    const { epoch, offset } = held.position;
    if (continuity.waiting) {
      continuity.waiting.push(held);
      if (continuity.waiting.length > this.context.options.maxHeld) this.flushWaiting(continuity, 'overflow');
      return true;
    }
    if (epoch !== continuity.epoch) {
      // Another epoch: the stream's history started over (expired, or its store lost it); follow the new one.
      continuity.epoch = epoch;
      continuity.offset = offset;
      return this.socket.sendFrame(held.frame);
    }
    if (offset <= continuity.offset) return false;
    if (offset === continuity.offset + 1) {
      continuity.offset = offset;
      return this.socket.sendFrame(held.frame);
    }
    continuity.waiting = [held];
    this.context.fill(held.identifier, held.stream, { epoch: continuity.epoch, offset: continuity.offset }).then(
      (missed) => this.filled(continuity, missed),
      () => this.filled(continuity, null),
    );
    return true;
  }

  /** The gap's messages came (or not): write those still missing, then what waited, in order. */
  private filled(continuity: Continuity, missed: readonly MissedMessage[] | null): void {
    if (!continuity.waiting) return; // disposed, or flushed meanwhile
    const before = continuity.waiting[0]!.position!.offset;
    for (const message of missed ?? []) {
      if (message.offset <= continuity.offset || message.offset >= before) continue;
      this.socket.sendText(message.text);
      continuity.offset = message.offset;
    }
    this.flushWaiting(continuity, null);
  }

  /** Writes what waited behind a gap in order (skipping duplicates); a gap still there is jumped. */
  private flushWaiting(continuity: Continuity, reason: HoldEnd | null): void {
    const waiting = continuity.waiting ?? [];
    continuity.waiting = null;
    for (const held of waiting) {
      const offset = held.position!.offset;
      if (held.position!.epoch === continuity.epoch && offset <= continuity.offset) continue;
      continuity.epoch = held.position!.epoch;
      continuity.offset = offset;
      this.socket.sendFrame(held.frame);
    }
    if (reason) this.context.holdEnded(this.socket.sid, reason, waiting.length);
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
    if (released > 0) this.context.holdEnded(this.socket.sid, 'timeout', released);
  }

  private releaseAll(reason: HoldEnd): void {
    const queue = this.queue ?? [];
    this.queue = null;
    this.held = null;
    this.clearTimer();
    for (const held of queue) this.socket.sendFrame(held.frame);
    this.context.holdEnded(this.socket.sid, reason, queue.length);
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
