import type { LatencySummary } from '../statistics.js';
import type { BenchReport, PeerMeasurement, Ratio } from './results.js';

const PEER_TITLES: Record<string, string> = { gateway: 'our gateway', 'gateway-http': 'our gateway, RPC over HTTP', socketio: 'Socket.IO + redis-adapter', ws: 'bare ws (floor)' };

/** The run as markdown: machine, command, headline ratios, then one table per scenario. */
export function renderMarkdown(report: BenchReport, descriptions: Record<string, string>): string {
  const { machine, results } = report;
  const lines: string[] = [
    `Measured ${report.generatedAt} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}.`,
    `Command: \`${report.command}\``,
    '',
  ];
  if (report.ratios.length) lines.push('### Headline: our gateway ÷ peer', '', ...ratioTable(report.ratios), '');
  if (results.broadcast) {
    lines.push(...section('broadcast', descriptions, ['delivered', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms']));
    for (const r of results.broadcast) {
      if (!r.latencyMs) lines.push(failedRow(r, 6));
      else lines.push(row(r, [`${r.deliveredPercent}% (${r.delivered}/${r.expected})`, ...latencyCells(r.latencyMs)]));
    }
    lines.push('');
  }
  if (results.connect) {
    lines.push(...section('connect', descriptions, ['subscribed', 'connections/s', 'CPU ms/conn per process', 'p50 ms', 'p99 ms', 'max ms']));
    for (const r of results.connect) {
      if (!r.connectMs) lines.push(failedRow(r, 6));
      else {
        const cpu = (r.cpu ?? []).map((c) => `${c.name} ${c.msPerConnection}`).join(', ') || '–';
        lines.push(row(r, [`${r.subscribed}/${r.clients}`, String(r.connectionsPerSecond), cpu, String(r.connectMs.p50), String(r.connectMs.p99), String(r.connectMs.max)]));
      }
    }
    lines.push('');
  }
  if (results.idle) {
    lines.push(
      ...section('idle', descriptions, [
        'clients held',
        'RSS KB/conn as-is',
        'RSS as-is no client → held (MiB)',
        'RSS KB/conn after GC',
        'heap KB/conn after GC',
        'RSS after GC before → after (MiB)',
        'companions RSS (MiB)',
      ]),
    );
    for (const r of results.idle) {
      if (!r.companions) {
        lines.push(failedRow(r, 7));
        continue;
      }
      const companions = r.companions.map((c) => `${c.name} ${mib(c.rssBytes)}`).join(', ') || '–';
      lines.push(
        row(r, [
          `${r.stillOpen}/${r.clients}`,
          String(r.asIsRssPerConnectionKB),
          `${mib(r.baselineAsIsRssBytes)} → ${mib(r.asIsRssBytes)}`,
          String(r.rssPerConnectionKB),
          String(r.heapPerConnectionKB),
          `${mib(r.baselineRssBytes)} → ${mib(r.rssBytes)}`,
          companions,
        ]),
      );
    }
    lines.push('');
  }
  if (results.rpc) {
    lines.push(...section('rpc', descriptions, ['commands', 'commands/s', 'round trip p50 ms', 'p99 ms', 'unanswered']));
    for (const r of results.rpc) {
      if (!r.latencyMs) lines.push(failedRow(r, 5));
      else lines.push(row(r, [String(r.commands), String(r.commandsPerSecond), String(r.latencyMs.p50), String(r.latencyMs.p99), String(r.unanswered)]));
    }
    lines.push('');
  }
  if (results.reliability) {
    lines.push(
      ...section('reliability', descriptions, ['exactly once', 'duplicates', 'out of order', 'lost', 'restore p50 ms', 'restore p99 ms', 'reconnects (restored / new session / history refused)', 'drops']),
    );
    for (const r of results.reliability) {
      if (!r.restoreMs) {
        lines.push(failedRow(r, 11).replace(/^\| [^|]+/, `| ${r.title}`));
        continue;
      }
      lines.push(
        `| ${r.title}${r.error ? ' ⚠' : ''} | ${r.exactlyOncePercent}% (${r.exactlyOnce}/${r.expected}) | ${r.duplicates} | ${r.outOfOrder} | ${r.lost} | ${r.restoreMs.p50} | ${r.restoreMs.p99} | ${r.reconnects} (${r.restored} / ${r.fresh} / ${r.historyRejected}) | ${r.drops} |`,
      );
    }
    lines.push('');
  }
  if (results.deploy) {
    lines.push(...section('deploy', descriptions, ['RPC app exit / back (ms after SIGTERM)', 'commands', 'answered', 'refused not run / maybe run', 'no outcome', 'two outcomes', 'outcome p50 / p99 / max ms', 'clients dropped']));
    for (const r of results.deploy) {
      if (!r.outcomeMs) lines.push(failedRow(r, 8));
      else
        lines.push(
          row(r, [
            `${r.rpcExitMs} / ${r.rpcBackMs}`,
            String(r.sent),
            String(r.answered),
            `${r.refusedUnrun} / ${r.refusedMaybeRun}${r.answeredAfterRefusal ? ` (${r.answeredAfterRefusal} also answered)` : ''}`,
            String(r.unanswered),
            String(r.duplicates),
            `${r.outcomeMs.p50} / ${r.outcomeMs.p99} / ${r.outcomeMs.max}`,
            String(r.dropped),
          ]),
        );
    }
    lines.push('');
  }
  if (results.storm) {
    lines.push(
      ...section('storm', descriptions, [
        'back / subscribed (failed)',
        'restored / new sessions',
        'SIGTERM → all back (s)',
        'ready → all back (s)',
        'old gateway stop / restart (s); its CPU ms while stopping',
        'reconnect p50 / p99 ms',
        'RPC calls of the new gateway',
        'RPC app CPU ms: shutdown + reconnect (per client)',
        'new gateway CPU ms (per client)',
        "clients' CPU ms: restart + reconnect",
        'failed attempts (retried)',
      ]),
    );
    for (const r of results.storm) {
      if (r.back === undefined) {
        lines.push(failedRow(r, 11).replace(/^\| [^|]+/, `| ${r.title}`));
        continue;
      }
      const cells = [
        `${r.back}/${r.subscribed} (${r.failed})`,
        `${r.restored} / ${r.fresh}`,
        String(r.sigtermToBackSeconds),
        String(r.readyToBackSeconds),
        `${r.stopSeconds} / ${r.restartSeconds}; ${r.oldGatewayStopCpuMs}`,
        `${r.reconnectMs.p50} / ${r.reconnectMs.p99}`,
        String(r.newGatewayRpcCalls),
        `${r.rpcShutdownCpuMs} + ${r.rpcReconnectCpuMs} (${r.rpcCpuMsPerClient})`,
        `${r.gatewayCpuMs} (${r.gatewayCpuMsPerClient})`,
        `${r.clientsRestartCpuMs} + ${r.clientsReconnectCpuMs}`,
        describeCounts(r.attemptErrors ?? {}),
      ];
      lines.push(`| ${r.title}${r.error ? ' ⚠' : ''} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  const loads = Object.values(results).flat().flatMap((r: PeerMeasurement) => r.loadAverage ?? []);
  if (loads.length) {
    lines.push(`Machine 1-minute load average during the measurements: ${Math.min(...loads)}–${Math.max(...loads)} on ${report.machine.cores} cores (the run itself accounts for part of it: the server, the load workers, Redis).`, '');
  }
  const errors = Object.values(results).flat().filter((r: PeerMeasurement) => r.error);
  if (errors.length) {
    lines.push('### Problems', '', ...errors.map((r: PeerMeasurement) => `- ${r.peer}: ${r.error?.split('\n')[0]}`), '');
  }
  return lines.join('\n');
}

function ratioTable(ratios: Ratio[]): string[] {
  // A --quick run carries no targets (they are the full-size run's): no target column then.
  const withTargets = ratios.some((ratio) => ratio.target !== undefined);
  const lines = [
    `| scenario | metric | vs | gateway ÷ peer | reading |${withTargets ? ' target |' : ''}`,
    `|---|---|---|---|---|${withTargets ? '---|' : ''}`,
  ];
  for (const ratio of ratios) {
    const better = ratio.lowerIsBetter ? ratio.value <= 1 : ratio.value >= 1;
    const factor = ratio.lowerIsBetter ? 1 / ratio.value : ratio.value;
    const reading =
      ratio.value === 1 ? 'equal' : better ? `${fmt(factor)}× better` : `${fmt(1 / factor)}× worse`;
    lines.push(`| ${ratio.scenario} | ${ratio.metric} | ${PEER_TITLES[ratio.versus] ?? ratio.versus} | ${ratio.value} | ${reading} |${withTargets ? ` ${ratio.target ?? ''} |` : ''}`);
  }
  return lines;
}

function section(name: string, descriptions: Record<string, string>, columns: string[]): string[] {
  return [`### ${name}`, '', descriptions[name] ?? '', '', `| peer | ${columns.join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`];
}

function row(result: PeerMeasurement, cells: string[]): string {
  const title = result.error ? `${PEER_TITLES[result.peer] ?? result.peer} ⚠` : PEER_TITLES[result.peer] ?? result.peer;
  return `| ${title} | ${cells.join(' | ')} |`;
}

/** A peer whose measurement failed before it had numbers: its error is listed under Problems. */
/** `1,234 (900× reason; 334× other)`, the three commonest reasons. */
function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const sum = entries.reduce((total, [, times]) => total + times, 0);
  if (sum === 0) return '0';
  return `${sum} (${entries.slice(0, 3).map(([reason, times]) => `${times}× ${reason}`).join('; ')})`;
}

function failedRow(result: PeerMeasurement, columns: number): string {
  return row(result, ['failed', ...Array.from({ length: columns - 1 }, () => '–')]);
}

function latencyCells(latency: LatencySummary): string[] {
  return [latency.p50, latency.p95, latency.p99, latency.max, latency.mean].map(String);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function fmt(value: number): string {
  return value.toFixed(2);
}
