import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { BroadcastResult } from './results.js';

const PERCENTILES = ['p50', 'p95', 'p99', 'max'] as const;

/**
 * SVG chart of the broadcast latency percentiles per peer (grouped bars, log scale), rendered
 * headless with vega-lite + vega (no canvas needed for SVG).
 */
export async function renderLatencyChart(results: BroadcastResult[], subtitle: string): Promise<string> {
  const values = results
    .filter((result) => result.latencyMs.count > 0)
    .flatMap((result) =>
      PERCENTILES.map((percentile) => ({ peer: result.title, percentile, ms: Math.max(0.001, result.latencyMs[percentile]) })),
    );
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Broadcast latency, publish → receipt at every client', subtitle },
    width: 480,
    height: 280,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'percentile', type: 'nominal', sort: [...PERCENTILES], title: null },
      xOffset: { field: 'peer', type: 'nominal' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'milliseconds (log scale)' },
      color: { field: 'peer', type: 'nominal', title: 'peer' },
    },
  };
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
