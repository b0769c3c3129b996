import type { PeerId } from '../peers/peer.js';
import { round } from '../statistics.js';
import type { PeerMeasurement, Ratio, ScenarioResults } from './results.js';

interface MetricSpec<R extends PeerMeasurement> {
  metric: string;
  read: (result: R) => number;
  lowerIsBetter: boolean;
  targets?: Partial<Record<PeerId, string>>;
}

/**
 * The headline numbers: our gateway's value divided by each peer's, for the metric users choose on
 * in every scenario. Targets are the (gateway p99 ≤ 1.5× the ws floor, ≤ 0.5× Socket.IO's).
 */
export function computeRatios(results: ScenarioResults, { withTargets = true }: { withTargets?: boolean } = {}): Ratio[] {
  const ratios = [
    ...ratiosOf('broadcast', results.broadcast, [
      { metric: 'p99 latency', read: (r) => r.latencyMs.p99, lowerIsBetter: true, targets: { ws: '≤ 1.5', socketio: '≤ 0.5' } },
      { metric: 'p50 latency', read: (r) => r.latencyMs.p50, lowerIsBetter: true },
    ]),
    ...ratiosOf('connect', results.connect, [{ metric: 'connections/s', read: (r) => r.connectionsPerSecond, lowerIsBetter: false }]),
    // The no-RPC mode (JWT + signed stream): the target is within 1.3x of the ws floor.
    ...ratiosOf(
      'connect',
      results.connect,
      [{ metric: 'connections/s, JWT + signed stream (no RPC)', read: (r) => r.connectionsPerSecond, lowerIsBetter: false, targets: { ws: '≥ 0.77' } }],
      'norpc',
    ),
    ...ratiosOf('idle', results.idle, [
      { metric: 'RSS per connection as-is', read: (r) => r.asIsRssPerConnectionKB, lowerIsBetter: true },
      { metric: 'RSS per connection after GC', read: (r) => r.rssPerConnectionKB, lowerIsBetter: true },
    ]),
    ...ratiosOf('rpc', results.rpc, [{ metric: 'commands/s', read: (r) => r.commandsPerSecond, lowerIsBetter: false }]),
  ];
  return withTargets ? ratios : ratios.map(({ target: _target, ...ratio }) => ratio);
}

function ratiosOf<R extends PeerMeasurement>(scenario: Ratio['scenario'], results: R[] | undefined, specs: MetricSpec<R>[], variant?: string): Ratio[] {
  // Without a variant: the gateway's first (default) measurement.
  const gateway = results?.find((result) => result.peer === 'gateway' && !result.error && (variant === undefined ? result.variant !== 'norpc' : result.variant === variant));
  if (!results || !gateway) return [];
  const ratios: Ratio[] = [];
  for (const spec of specs) {
    for (const peer of results) {
      if (peer.peer === 'gateway' || peer.error) continue;
      const denominator = spec.read(peer);
      if (!(denominator > 0)) continue;
      ratios.push({
        scenario,
        metric: spec.metric,
        versus: peer.peer,
        value: round(spec.read(gateway) / denominator, 2),
        lowerIsBetter: spec.lowerIsBetter,
        target: spec.targets?.[peer.peer],
      });
    }
  }
  return ratios;
}
