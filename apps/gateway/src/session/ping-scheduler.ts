import type { PingPrecision } from '../config/gateway-config.js';
import { encodePing } from '../protocol/server-frame.encoder.js';
import { EncodedOnce } from '../transport/frame-encoder.js';

/** A session as the pinger sees it. */
export interface PingTarget {
  /** Slot index the scheduler assigned (its per-session offset); -1 when not scheduled. */
  pingSlot: number;
  /** `frame` is encoded once per encoder (WebSocket, SSE) and shared by every session of the tick. */
  ping(frame: EncodedOnce, nowMs: number): void;
}

/**
 * Sends every session a ping each `ping_interval`, spread over the interval: sessions are dealt
 * round-robin into slots (their offset), and each tick pings one slot. Pinging 10,000 sessions in
 * one burst blocked the thread for over 100 ms; a slot of a few hundred does not.
 * The ping frame is built once per tick (once per second with second precision) and encoder, shared by all.
 */
export class PingScheduler {
  private readonly slots: Set<PingTarget>[];
  private cursor = 0;
  private nextSlot = 0;
  private timer: NodeJS.Timeout | null = null;
  private frame: EncodedOnce | null = null;
  private frameStamp = '';

  constructor(
    readonly intervalMs: number,
    private readonly precision: PingPrecision,
    slotCount = Math.min(100, Math.max(1, Math.round(intervalMs / 100))),
  ) {
    this.slots = Array.from({ length: slotCount }, () => new Set<PingTarget>());
  }

  get size(): number {
    return this.slots.reduce((total, slot) => total + slot.size, 0);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(Date.now()), this.intervalMs / this.slots.length);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  add(target: PingTarget): void {
    if (target.pingSlot >= 0) return;
    target.pingSlot = this.nextSlot;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    this.slots[target.pingSlot].add(target);
  }

  remove(target: PingTarget): void {
    if (target.pingSlot < 0) return;
    this.slots[target.pingSlot].delete(target);
    target.pingSlot = -1;
  }

  /** Pings the next slot (public for tests: the timer calls it). */
  tick(nowMs: number): void {
    const slot = this.slots[this.cursor];
    this.cursor = (this.cursor + 1) % this.slots.length;
    if (slot.size === 0) return;
    const frame = this.frameAt(nowMs);
    for (const target of slot) target.ping(frame, nowMs);
  }

  private frameAt(nowMs: number): EncodedOnce {
    const text = encodePing(nowMs, this.precision);
    if (this.frame && this.frameStamp === text) return this.frame;
    this.frameStamp = text;
    this.frame = EncodedOnce.frame(text);
    return this.frame;
  }
}
