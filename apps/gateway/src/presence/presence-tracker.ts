import type { Publication } from '#libs/protocol';
import type { BroadcastSink } from '../broadcast/broadcast-intake.js';
import type { PresenceEvent, PresenceInfo, PresenceInfoValue } from '../broker/presence/presence-set.js';
import type { PresenceStore } from '../broker/presence/presence-store.js';
import type { GatewayLogger } from '../log/logger.js';
import type { PresenceWebhook } from './presence-webhook.js';

export interface PresenceOptions {
  /** `presence_ttl`: how long a session that went away without leaving stays in a set. */
  readonly ttlMs: number;
  /** `presence_max_info_size`: bytes of JSON a join's info may take. */
  readonly maxInfoBytes: number;
}

/** Why a join or leave was refused (for the session's log line), or null when it was applied. */
export type PresenceRefusalReason = string | null;

/** anycable-go's expireLoop runs every second: a session's record goes at most 1 s after its TTL. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * This gateway's side of presence (anycable-go node.go's presence handling): applies joins and
 * leaves to the broker's presence sets, announces each `join` / `leave` to the stream's
 * subscribers on every gateway — as a transient publication with `broadcast_type: presence`
 * through the same path as broadcasts (delivered here, relayed over the pub/sub to the others) —
 * keeps the records of its connected sessions alive (touched every presence_ttl / 2, like
 * anycable-go's session keepalive), and sweeps expired records every second. With a shared
 * backend every gateway sweeps; the compare-and-set lets exactly one announce each `leave`.
 */
export class PresenceTracker {
  private sink: BroadcastSink | null = null;
  /** Streams → this gateway's connected sessions in their set (to touch). */
  private readonly live = new Map<string, Set<string>>();
  /** Sessions → the streams they joined (to forget them when they close). */
  private readonly joined = new Map<string, Set<string>>();
  private timers: NodeJS.Timeout[] = [];
  private sweeping = false;
  private touching = false;

  constructor(
    private readonly store: PresenceStore | null,
    readonly options: PresenceOptions,
    private readonly logger: GatewayLogger,
    /** Told every event this gateway announces (null: no presence_webhook_url). */
    private readonly webhook: PresenceWebhook | null = null,
  ) {}

  /** Whether a broker keeps presence sets (broker=none does not). */
  get enabled(): boolean {
    return this.store !== null;
  }

  /** Where events go: the broadcast side's sink that delivers here and relays to the other gateways. */
  publishThrough(sink: BroadcastSink, relayed: boolean): void {
    this.sink = sink;
    if (this.store?.shared && !relayed) {
      this.logger.warn('presence sets are shared (broker) but pubsub is none: join/leave events reach this gateway\'s clients only');
    }
  }

  async start(): Promise<void> {
    if (!this.store) return;
    await this.store.start();
    const every = (ms: number, run: () => Promise<void>): void => {
      const timer = setInterval(() => void run(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(this.options.ttlMs / 2, 500), () => this.touchLive());
    every(SWEEP_INTERVAL_MS, () => this.sweep());
  }

  async stop(): Promise<void> {
    this.webhook?.stop();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.store?.stop();
  }

  /** `sid` joins `stream`'s set as `id` with `info`. */
  async join(sid: string, stream: string, id: string, info: PresenceInfoValue): Promise<PresenceRefusalReason> {
    if (!this.store) return 'presence needs a broker (broker=memory, nats or redis)';
    const size = info === undefined ? 0 : Buffer.byteLength(JSON.stringify(info));
    if (size > this.options.maxInfoBytes) return `presence info of ${size} bytes is over presence_max_info_size=${this.options.maxInfoBytes}`;
    const outcome = await this.store.add(stream, sid, id, info, Date.now() + this.options.ttlMs);
    if (!outcome.ok) return outcome.error;
    this.remember(sid, stream);
    this.announce(stream, outcome.event);
    return null;
  }

  /** `sid` leaves `stream`'s set. */
  async leave(sid: string, stream: string): Promise<PresenceRefusalReason> {
    if (!this.store) return 'presence needs a broker (broker=memory, nats or redis)';
    this.forget(sid, stream);
    const outcome = await this.store.remove(stream, sid);
    if (!outcome.ok) return outcome.error;
    this.announce(stream, outcome.event);
    return null;
  }

  /** `stream`'s set; null without a broker or when its backend did not answer. */
  async info(stream: string): Promise<PresenceInfo | null> {
    return this.store ? this.store.info(stream) : null;
  }

  /**
   * The session closed without leaving: its records are no longer touched, so they go after
   * presence_ttl (a reconnect joining with the same id meanwhile keeps the id present, silently).
   */
  sessionClosed(sid: string): void {
    for (const stream of this.joined.get(sid) ?? []) this.forget(sid, stream);
  }

  private remember(sid: string, stream: string): void {
    let sids = this.live.get(stream);
    if (!sids) this.live.set(stream, (sids = new Set()));
    sids.add(sid);
    let streams = this.joined.get(sid);
    if (!streams) this.joined.set(sid, (streams = new Set()));
    streams.add(stream);
  }

  private forget(sid: string, stream: string): void {
    const sids = this.live.get(stream);
    if (sids?.delete(sid) && sids.size === 0) this.live.delete(stream);
    const streams = this.joined.get(sid);
    if (streams?.delete(stream) && streams.size === 0) this.joined.delete(sid);
  }

  private async touchLive(): Promise<void> {
    if (!this.store || this.touching) return;
    this.touching = true;
    try {
      const deadline = Date.now() + this.options.ttlMs;
      for (const [stream, sids] of [...this.live]) await this.store.touch(stream, new Set(sids), deadline);
    } finally {
      this.touching = false;
    }
  }

  private async sweep(): Promise<void> {
    if (!this.store || this.sweeping) return;
    this.sweeping = true;
    try {
      for (const { stream, event } of await this.store.expire(Date.now())) {
        this.logger.debug({ stream, id: event.id }, 'presence expired');
        this.announce(stream, event);
      }
    } finally {
      this.sweeping = false;
    }
  }

  private announce(stream: string, event: PresenceEvent | null): void {
    if (!event) return;
    const publication: Publication = { stream, data: JSON.stringify(event), meta: { broadcast_type: 'presence', transient: true } };
    this.webhook?.notify(stream, event);
    if (this.sink) this.sink.deliverMessages([publication], 'presence');
    else this.logger.warn({ stream }, 'presence event before the broadcast side started: not announced');
  }
}
