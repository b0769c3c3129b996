import type { GatewayLogger } from '../../log/logger.js';
import type { GatewayStats } from '../../metrics/gateway-stats.js';
import type { PresenceDocuments } from './presence-documents.js';
import {
  addPresence,
  expirePresence,
  nextDeadlineOf,
  PresenceRefusal,
  presenceInfoOf,
  removePresence,
  touchPresence,
  type PresenceChange,
  type PresenceEvent,
  type PresenceInfo,
  type PresenceInfoValue,
  type PresenceSet,
} from './presence-set.js';
import type { ExpiredPresence, PresenceOutcome, PresenceStore } from './presence-store.js';

/**
 * Conditional writes tried per change before it is refused. Each retry means another gateway
 * changed the same stream's set in between; 16 is far above what two-digit gateway counts cause.
 */
const MAX_ATTEMPTS = 16;

/**
 * The presence sets over a document backend: each change reads the stream's set, applies the pure
 * operation of presence-set.ts and writes it back only if nobody changed it meanwhile (else it starts
 * over), so on a shared backend exactly one gateway sees each `join` / `leave` and announces it.
 */
export class DocumentPresenceStore implements PresenceStore {
  /** Backend failures are logged once per episode (then counted). */
  private failing = false;

  constructor(
    private readonly documents: PresenceDocuments,
    readonly shared: boolean,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {}

  start(): Promise<void> {
    return this.documents.start();
  }

  stop(): Promise<void> {
    return this.documents.stop();
  }

  async add(stream: string, sid: string, id: string, info: PresenceInfoValue, deadline: number): Promise<PresenceOutcome> {
    return this.outcome(stream, (set) => addPresence(set, sid, id, info, deadline));
  }

  async remove(stream: string, sid: string): Promise<PresenceOutcome> {
    return this.outcome(stream, (set) => removePresence(set, sid));
  }

  async touch(stream: string, sids: ReadonlySet<string>, deadline: number): Promise<void> {
    await this.change(stream, (set) => touchPresence(set, sids, deadline)).catch((error: Error) => this.failed('touch', error));
  }

  async expire(now: number): Promise<ExpiredPresence[]> {
    const expired: ExpiredPresence[] = [];
    let streams: string[];
    try {
      streams = await this.documents.due(now);
    } catch (error) {
      this.failed('expire', error as Error);
      return expired;
    }
    for (const stream of streams) {
      try {
        const events = await this.change(stream, (set) => expirePresence(set, now));
        for (const event of events) expired.push({ stream, event });
      } catch (error) {
        this.failed('expire', error as Error);
      }
    }
    return expired;
  }

  async info(stream: string): Promise<PresenceInfo | null> {
    try {
      const { set } = await this.documents.read(stream);
      this.recovered();
      return presenceInfoOf(set);
    } catch (error) {
      this.failed('info', error as Error);
      return null;
    }
  }

  private async outcome(stream: string, operation: (set: PresenceSet | null) => PresenceChange): Promise<PresenceOutcome> {
    try {
      return { ok: true, event: (await this.change(stream, operation)) as PresenceEvent | null };
    } catch (error) {
      if (error instanceof PresenceRefusal) return { ok: false, error: error.message };
      this.failed('change', error as Error);
      return { ok: false, error: `presence backend failed: ${(error as Error).message}` };
    }
  }

  /** Read, apply, write if unchanged; again from the read when someone else wrote first. */
  private async change<T>(stream: string, operation: (set: PresenceSet | null) => PresenceChange<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { set, version } = await this.documents.read(stream);
      const { set: next, result } = operation(set);
      // Written even when both are empty: that clears the stream from the backend's index of deadlines.
      if (await this.documents.write(stream, next, version, nextDeadlineOf(next))) {
        this.recovered();
        return result;
      }
    }
    throw new Error(`stream ${JSON.stringify(stream)} changed ${MAX_ATTEMPTS} times in a row under this change`);
  }

  private failed(operation: string, error: Error): void {
    this.stats.brokerErrors++;
    if (this.failing) return;
    this.failing = true;
    this.logger.warn({ operation, err: error.message }, 'presence backend failed (further failures counted in broker_errors_total, not logged)');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info('presence backend answering again');
  }
}
