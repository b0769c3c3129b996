import type { PresenceDocuments, VersionedSet } from './presence-documents.js';
import type { PresenceSet } from './presence-set.js';

/**
 * broker=memory: the sets of this process (anycable-go's memory broker: presence per gateway).
 * Versions are still checked: the store awaits between its read and its write, so two changes of
 * one stream can interleave. The sets hold no more than the sessions that joined and did not expire.
 */
export class MemoryPresenceDocuments implements PresenceDocuments {
  private readonly sets = new Map<string, { set: PresenceSet; version: number; nextDeadline: number }>();
  private writes = 0;

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  read(stream: string): VersionedSet {
    const entry = this.sets.get(stream);
    return entry ? { set: entry.set, version: String(entry.version) } : { set: null, version: null };
  }

  write(stream: string, set: PresenceSet | null, version: string | null, nextDeadline: number): boolean {
    const current = this.sets.get(stream);
    if ((current ? String(current.version) : null) !== version) return false;
    if (set === null) this.sets.delete(stream);
    else this.sets.set(stream, { set, version: ++this.writes, nextDeadline });
    return true;
  }

  due(now: number): string[] {
    const due: string[] = [];
    for (const [stream, { nextDeadline }] of this.sets) if (nextDeadline < now) due.push(stream);
    return due;
  }
}
