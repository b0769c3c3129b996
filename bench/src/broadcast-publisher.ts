import { Redis } from 'ioredis';
import { DEFAULT_BROADCAST_CHANNEL, encodeBroadcast } from '#libs/protocol';
import { stampedPayload } from './stamped-payload.js';

/** A series of stamped broadcasts: sequence numbers `firstSeq`… at `rate` per second. */
export interface PublishPlan {
  stream: string;
  firstSeq: number;
  count: number;
  rate: number;
  payloadBytes: number;
  onPublished?: (seq: number) => void;
}

/**
 * Publishes broadcasts the way an app does with the redis adapter (`PUBLISH __anycable__
 * {"stream","data"}`), which all three peers consume. Each payload is stamped just before PUBLISH.
 */
export class BroadcastPublisher {
  private readonly redis: Redis;

  constructor(redisUrl: string, private readonly channel = DEFAULT_BROADCAST_CHANNEL) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.on('error', (error) => process.stderr.write(`bench publisher: redis error: ${error.message}\n`));
  }

  /** Publishes on a fixed schedule (not waiting for replies, so a slow reply does not shift the next send). */
  publish(plan: PublishPlan): Promise<void> {
    return publishOnSchedule(plan, (data) => this.redis.publish(this.channel, encodeBroadcast({ stream: plan.stream, data })));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

/**
 * Sends `plan.count` stamped payloads at `plan.rate` per second through `send`, on a fixed schedule:
 * a send is not awaited before the next (a slow reply does not shift the schedule); resolves when
 * every send has settled, rejecting with the first failure.
 */
export async function publishOnSchedule(plan: PublishPlan, send: (data: string) => Promise<unknown>): Promise<void> {
  const intervalMs = 1000 / plan.rate;
  const startedAt = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let index = 0; index < plan.count; index += 1) {
    const wait = startedAt + index * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const seq = plan.firstSeq + index;
    sends.push(send(stampedPayload(seq, plan.payloadBytes)));
    plan.onPublished?.(seq);
  }
  await Promise.all(sends);
}
