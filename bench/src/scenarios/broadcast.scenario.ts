import { BroadcastPublisher } from '../broadcast-publisher.js';
import { BENCH_POST_ID, commentsIdentifier, commentsStream } from '../demo-channel.js';
import type { BroadcastResult } from '../report/results.js';
import { round, summarize, total } from '../statistics.js';
import { describeErrors, openClients, sleep, tick, withSession, type Scenario } from './scenario.js';

/** How long delivery may stall (no new receipt) before the scenario stops waiting for the rest. */
const DRAIN_STALL_MS = 10_000;

/**
 * broadcast: N clients subscribed to one stream; W warm-up then M measured broadcasts published to
 * Redis at a fixed rate; latency from publish to receipt at every client, and delivered %.
 */
export const broadcastScenario: Scenario<BroadcastResult> = {
  name: 'broadcast',
  describe: (o) =>
    `${o.connections} clients subscribed to one stream; ${o.warmup} warm-up + ${o.broadcasts} measured broadcasts ` +
    `at ${o.rate}/s, ${o.payloadBytes}-byte padding; publish → receipt at every client.`,

  measure: (peer, context) =>
    withSession('broadcast', peer, context, { inspect: false }, async (session) => {
      const { options } = context;
      const opened = await openClients(session, options.connections, {
        identifier: commentsIdentifier(),
        stream: commentsStream(),
      });
      const firstMeasuredSeq = options.warmup + 1;
      const publishCount = options.warmup + options.broadcasts;
      await session.workers.all(() => ({ kind: 'expect-broadcasts' as const, firstMeasuredSeq }));
      const publisher = new BroadcastPublisher(context.redisUrl);
      let published = 0;
      const stopTicker = tick(context, () => {
        const { received } = session.workers.progress();
        return `${session.label}: published ${published}/${publishCount}, received ${received}/${opened.subscribed * publishCount}`;
      });
      try {
        await publisher.publish({
          stream: commentsStream(BENCH_POST_ID),
          firstSeq: 1,
          count: publishCount,
          rate: options.rate,
          payloadBytes: options.payloadBytes,
          onPublished: () => (published += 1),
        });
        await waitForDelivery(() => session.workers.progress().received, opened.subscribed * publishCount);
      } finally {
        stopTicker();
        await publisher.close();
      }
      const reports = await session.workers.all(() => ({ kind: 'collect-broadcasts' as const }));
      const expected = options.connections * options.broadcasts;
      const delivered = total(reports, (report) => report.measured);
      const result: BroadcastResult = {
        peer: peer.id,
        title: peer.title,
        clients: options.connections,
        subscribed: opened.subscribed,
        broadcasts: options.broadcasts,
        expected,
        delivered,
        deliveredPercent: expected === 0 ? 100 : round((delivered / expected) * 100, 2),
        duplicates: total(reports, (report) => report.duplicates),
        outOfOrder: total(reports, (report) => report.outOfOrder),
        latencyMs: summarize(reports.map((report) => report.latencyMs)),
      };
      if (opened.failed > 0) result.error = `${opened.failed} clients did not subscribe: ${describeErrors(opened.errors)}`;
      return result;
    }),
};

/** Waits until `received()` reaches `expected`, or until it stops growing for DRAIN_STALL_MS. */
async function waitForDelivery(received: () => number, expected: number): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  // Progress reports arrive every 500 ms; the final one may lag the last receipt by that much.
  for (;;) {
    const now = received();
    if (now >= expected) return;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > DRAIN_STALL_MS) {
      return;
    }
    await sleep(100);
  }
}
