import { commentsIdentifier, commentsStream } from '../demo-channel.js';
import { collectGarbage, readRssBytes } from '../peers/process-memory.js';
import type { RunningPeer } from '../peers/peer.js';
import type { IdleResult } from '../report/results.js';
import { round, total } from '../statistics.js';
import { describeErrors, openClients, sleep, tick, withSession, type Scenario } from './scenario.js';

/**
 * Settling time before the baseline, so start-up allocations are done: our gateway collects its
 * start's garbage 1 s after listening (bootstrap's collectStartGarbage); read at 1 s, the baseline
 * sometimes came before it (99 MiB as-is against 79 after GC in one run) and the per-connection
 * figure after the hold came out too low.
 */
const BASELINE_SETTLE_MS = 3_000;

/**
 * idle: N subscribed clients held for a while; per connection, the server's RSS as it is after the
 * hold (what `top` and a container's memory limit see) minus its RSS before any client, then the same
 * after forced full GCs (through its inspector), and the V8 heap after GC.
 */
export const idleScenario: Scenario<IdleResult> = {
  name: 'idle',
  describe: (o) =>
    `${o.connections} subscribed clients held ${o.idleSeconds} s; (RSS as-is after the hold − RSS as-is before any client) / clients, ` +
    'then the same after forced GCs on both sides.',

  measure: (peer, context) =>
    withSession('idle', peer, context, { inspect: true }, async (session) => {
      const { options } = context;
      const { server } = session;
      await sleep(BASELINE_SETTLE_MS);
      const baselineAsIs = readRssBytes(server.pid);
      const baseline = await memoryAfterGc(server);
      const opened = await openClients(session, options.connections, {
        identifier: commentsIdentifier(),
        stream: commentsStream(),
      });
      const holdUntil = Date.now() + options.idleSeconds * 1000;
      const stopTicker = tick(context, () => `${session.label}: holding ${opened.subscribed} clients, ${Math.max(0, Math.ceil((holdUntil - Date.now()) / 1000))} s left`);
      await sleep(options.idleSeconds * 1000);
      stopTicker();
      // Read before anything forces a collection: this is the figure an operator sees.
      const loadedAsIs = readRssBytes(server.pid);
      const companions = server.companions.map((companion) => ({ name: companion.name, rssBytes: readRssBytes(companion.pid) }));
      const loaded = await memoryAfterGc(server);
      const statuses = await session.workers.all(() => ({ kind: 'status' as const }));
      const stillOpen = total(statuses, (status) => status.open);
      const perConnectionKB = (bytes: number): number => (opened.subscribed === 0 ? 0 : round(bytes / opened.subscribed / 1024, 2));
      const result: IdleResult = {
        peer: peer.id,
        title: peer.title,
        clients: options.connections,
        subscribed: opened.subscribed,
        stillOpen,
        baselineAsIsRssBytes: baselineAsIs,
        asIsRssBytes: loadedAsIs,
        asIsRssPerConnectionKB: perConnectionKB(loadedAsIs - baselineAsIs),
        baselineRssBytes: baseline.rssBytes,
        rssBytes: loaded.rssBytes,
        baselineHeapUsedBytes: baseline.heapUsedBytes,
        heapUsedBytes: loaded.heapUsedBytes,
        rssPerConnectionKB: perConnectionKB(loaded.rssBytes - baseline.rssBytes),
        heapPerConnectionKB: perConnectionKB(loaded.heapUsedBytes - baseline.heapUsedBytes),
        companions,
      };
      const problems: string[] = [];
      if (opened.failed > 0) problems.push(`${opened.failed} clients did not subscribe: ${describeErrors(opened.errors)}`);
      if (stillOpen < opened.subscribed) problems.push(`${opened.subscribed - stillOpen} clients were closed during the hold`);
      if (problems.length) result.error = problems.join('; ');
      return result;
    }),
};

async function memoryAfterGc(server: RunningPeer): Promise<{ rssBytes: number; heapUsedBytes: number }> {
  if (!server.inspectorUrl) throw new Error('the idle scenario needs the server started with the inspector');
  const heap = await collectGarbage(server.inspectorUrl);
  return { rssBytes: readRssBytes(server.pid), heapUsedBytes: heap.usedSize };
}
