import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { BroadcastResult } from './results.js';

const PERCENTILES = ['p50', 'p95', 'p99', 'max'] as const;

/**
 * SVG chart of the broadcast latency percentiles per peer (grouped bars, values on top), rendered
 * headless with vega-lite + vega (no canvas needed for SVG).
 */
export async function renderLatencyChart(results: BroadcastResult[], subtitle: string): Promise<string> {
  const values = results
    .filter((result) => result.latencyMs?.count > 0)
    .flatMap((result) =>
      PERCENTILES.map((percentile) => ({ peer: result.title, percentile, ms: result.latencyMs[percentile] })),
    );
  // Peers keep the run's order (gateway first), not alphabetical order.
  const peers = results.map((result) => result.title);
  const encoding = {
    x: { field: 'percentile', type: 'nominal' as const, sort: [...PERCENTILES], title: null, axis: { labelAngle: 0 } },
    xOffset: { field: 'peer', type: 'nominal' as const, sort: peers },
    y: { field: 'ms', type: 'quantitative' as const, title: 'milliseconds' },
    color: { field: 'peer', type: 'nominal' as const, title: 'peer', sort: peers, legend: { labelLimit: 300, orient: 'bottom' } },
  };
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Broadcast latency, publish → receipt at every client', subtitle },
    width: 520,
    height: 300,
    data: { values },
    encoding,
    layer: [
      { mark: { type: 'bar', tooltip: true } },
      { mark: { type: 'text', dy: -6, fontSize: 9 }, encoding: { text: { field: 'ms', type: 'quantitative', format: '.1f' } } },
    ],
  };
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
