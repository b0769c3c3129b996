import type { Redis } from 'ioredis';
import type { RedisxConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';
import { entriesOfClaim, entriesOfRead, type StreamEntry } from './redis-stream-entries.js';
import { RedisStreamLease } from './redis-stream-lease.js';
import { pause, settlesWithin } from './waits.js';

/** How long `start` waits for the consumer group before going on and retrying in the background. */
const FIRST_GROUP_WAIT_MS = 5_000;
/** XAUTOCLAIM calls per re-claim pass at most, so a huge backlog of a dead gateway is taken in slices. */
const MAX_CLAIM_CALLS_PER_PASS = 10;
/** Longest pause between two attempts after an error the client did not absorb itself. */
const MAX_ERROR_BACKOFF_MS = 2_000;

/**
 * anycable-go's `redisx` broadcast adapter: publishers `XADD <stream> * payload <publication>`;
 * the gateways read the stream through ONE consumer group (`redisx_group`), so each entry is
 * taken by exactly one gateway, which delivers it, relays it to the others, then XACKs it
 * (at-least-once: an entry delivered but not acknowledged, because the connection dropped in
 * between, is delivered again by whoever re-claims it).
 *
 * - One gateway of the group reads at a time (RedisStreamLease, `<stream>:<group>:reader`, held
 *   for `redisx_claim_min_idle_milliseconds` and renewed before each read), so publications stay
 *   in order on every gateway; the others stand by and take over when the reader dies.
 * - Consumer name: this gateway's node id. When it becomes the reader it first re-delivers what
 *   the same consumer left pending (a restart with a fixed `node_id`).
 * - Every `redisx_read_block_milliseconds` the reader re-claims (XAUTOCLAIM) entries another
 *   consumer kept pending longer than `redisx_claim_min_idle_milliseconds`: a dead reader's.
 * - The group is created at id 0: when Redis lost it (a restart without persistence), the entries
 *   published since, while no gateway could read them, are still delivered.
 * - Two connections: the blocking XREADGROUP one (dropped to stop at once) and one for the rest.
 * - On a clean stop the consumer leaves the group when it has nothing pending, so consumers of
 *   gateways long gone do not pile up.
 */
export class RedisStreamIntake implements BroadcastIntake {
  readonly name = 'redisx';
  readonly fanout = false;
  private reader: Redis | null = null;
  private commands: Redis | null = null;
  private running = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly lease: RedisStreamLease;

  constructor(
    private readonly url: string,
    private readonly config: RedisxConfig,
    private readonly consumer: string,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {
    this.lease = new RedisStreamLease(`${config.stream}:${config.group}:reader`, consumer, config.claimMinIdleMs);
  }

  async start(sink: BroadcastSink): Promise<void> {
    this.reader = createRedisClient(this.url, 'redisx reader', this.logger);
    this.commands = createRedisClient(this.url, 'redisx', this.logger);
    this.running = true;
    let groupReady!: () => void;
    const ready = new Promise<void>((resolve) => (groupReady = resolve));
    this.loop = this.consume(this.reader, this.commands, sink, groupReady);
    await settlesWithin(ready, FIRST_GROUP_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    // Interrupts the blocking read: an entry it had just taken stays pending, and is re-claimed.
    this.reader?.disconnect();
    // The loop may be waiting for a Redis that is down (an XACK in the offline queue): do not wait for it.
    if (this.loop) await settlesWithin(this.loop, 2_000);
    const commands = this.commands;
    this.reader = this.commands = this.loop = null;
    if (!commands) return;
    await settlesWithin(this.leaveGroup(commands), 2_000);
    await settlesWithin(
      this.lease.release(commands).catch((error: Error) => this.logger.warn({ intake: 'redisx', err: error.message }, 'Could not release the reader lease')),
      1_000,
    );
    await closeRedisClient(commands, 'redisx', this.logger);
  }

  private async consume(reader: Redis, commands: Redis, sink: BroadcastSink, groupReady: () => void): Promise<void> {
    const { stream, group } = this.config;
    let haveGroup = false;
    let role: 'unknown' | 'reader' | 'standby' = 'unknown';
    let lastClaimAt = 0;
    let failures = 0;
    while (this.running) {
      try {
        if (!haveGroup) {
          await this.createGroup(commands);
          haveGroup = true;
          groupReady();
        }
        if (!(await this.lease.hold(commands))) {
          if (role !== 'standby') this.logger.info({ intake: 'redisx', lease: this.lease.key }, 'Another gateway reads the Redis stream: standing by');
          role = 'standby';
          failures = 0;
          await pause(this.config.readBlockMs, this.stopping.signal);
          continue;
        }
        if (role !== 'reader') {
          role = 'reader';
          this.logger.info({ intake: 'redisx', stream, group, consumer: this.consumer }, 'This gateway reads the Redis stream now');
          await this.redeliverOwnPending(commands, sink);
          lastClaimAt = 0;
        }
        if (Date.now() - lastClaimAt >= this.config.readBlockMs) {
          await this.reclaim(commands, sink);
          lastClaimAt = Date.now();
        }
        const reply = await reader.call(
          'XREADGROUP', 'GROUP', group, this.consumer, 'COUNT', this.config.batchSize, 'BLOCK', this.config.readBlockMs, 'STREAMS', stream, '>',
        );
        await this.deliver(commands, entriesOfRead(reply), sink);
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        const message = (error as Error).message;
        if (message.startsWith('NOGROUP')) {
          this.logger.warn({ intake: 'redisx', stream, group }, 'Redis stream consumer group missing (Redis restarted?): creating it again');
          haveGroup = false;
          continue;
        }
        failures++;
        if (failures === 1) this.logger.error({ intake: 'redisx', stream, group, err: message }, 'Redis stream read failed: retrying');
        await pause(Math.min(100 * failures, MAX_ERROR_BACKOFF_MS), this.stopping.signal);
      }
    }
  }

  private async createGroup(commands: Redis): Promise<void> {
    const { stream, group } = this.config;
    try {
      await commands.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
      this.logger.info({ intake: 'redisx', stream, group, consumer: this.consumer }, 'Created the Redis stream consumer group');
    } catch (error) {
      if (!(error as Error).message.startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Entries this consumer read before a restart (same node id) but never acknowledged. */
  private async redeliverOwnPending(commands: Redis, sink: BroadcastSink): Promise<void> {
    let after = '0';
    for (;;) {
      const reply = await commands.call('XREADGROUP', 'GROUP', this.config.group, this.consumer, 'COUNT', this.config.batchSize, 'STREAMS', this.config.stream, after);
      const entries = entriesOfRead(reply);
      if (entries.length === 0) return;
      this.logger.info({ intake: 'redisx', entries: entries.length }, 'Re-delivering entries left pending by this consumer');
      await this.deliver(commands, entries, sink);
      after = entries[entries.length - 1].id;
    }
  }

  /** Takes over what other consumers kept pending past the idle bound (a dead gateway's entries). */
  private async reclaim(commands: Redis, sink: BroadcastSink): Promise<void> {
    let cursor = '0-0';
    for (let call = 0; call < MAX_CLAIM_CALLS_PER_PASS; call++) {
      const reply = await commands.call(
        'XAUTOCLAIM', this.config.stream, this.config.group, this.consumer, this.config.claimMinIdleMs, cursor, 'COUNT', this.config.batchSize,
      );
      const claimed = entriesOfClaim(reply);
      if (claimed.entries.length > 0) {
        this.logger.info({ intake: 'redisx', entries: claimed.entries.length }, 'Re-claimed entries left pending by another gateway');
        await this.deliver(commands, claimed.entries, sink);
      }
      cursor = claimed.cursor;
      if (cursor === '0-0') return;
    }
  }

  /** Delivers in stream order, then acknowledges the whole batch. */
  private async deliver(commands: Redis, entries: readonly StreamEntry[], sink: BroadcastSink): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) {
      if (entry.payload === null) {
        this.stats.broadcastsRefused++;
        this.logger.warn({ intake: 'redisx', id: entry.id }, 'Redis stream entry without a payload field ignored');
        continue;
      }
      sink.deliverPayload(entry.payload, 'redisx');
    }
    await commands.call('XACK', this.config.stream, this.config.group, ...entries.map((entry) => entry.id));
  }

  private async leaveGroup(commands: Redis): Promise<void> {
    const { stream, group } = this.config;
    try {
      const pending = (await commands.call('XPENDING', stream, group, '-', '+', 1, this.consumer)) as unknown[];
      if (pending.length > 0) {
        this.logger.info({ intake: 'redisx', consumer: this.consumer }, 'Leaving entries pending for another gateway to re-claim');
        return;
      }
      await commands.call('XGROUP', 'DELCONSUMER', stream, group, this.consumer);
    } catch (error) {
      this.logger.warn({ intake: 'redisx', consumer: this.consumer, err: (error as Error).message }, 'Could not leave the Redis stream consumer group');
    }
  }
}
