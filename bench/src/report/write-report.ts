import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLatencyChart } from './latency-chart.js';
import { renderMarkdown } from './markdown-report.js';
import type { BenchReport } from './results.js';

/** File names of a run's results inside the output directory. */
export function resultFiles(label: string): { json: string; markdown: string; chart: string } {
  return { json: `${label}.json`, markdown: `${label}.md`, chart: `${label}-broadcast-latency.svg` };
}

/** Writes <label>.json, <label>.md and (with broadcast results) <label>-broadcast-latency.svg; returns their paths. */
export async function writeReport(outDir: string, report: BenchReport, descriptions: Record<string, string>): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const files = resultFiles(report.options.label);
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    const path = join(outDir, name);
    writeFileSync(path, text);
    written.push(path);
  };
  write(files.json, `${JSON.stringify(report, null, 2)}\n`);
  write(files.markdown, `${renderMarkdown(report, descriptions)}\n`);
  const broadcast = report.results.broadcast;
  if (broadcast?.length) {
    const o = report.options;
    write(files.chart, await renderLatencyChart(broadcast, `${o.connections} subscribers, ${o.broadcasts} broadcasts at ${o.rate}/s — ${report.machine.cpuModel}, ${report.machine.cores} cores`));
  }
  return written;
}
