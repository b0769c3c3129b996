/**
 * `node dist/bench/src/rpc-client/rpc-client-cost-cli.js [--calls N] [--concurrency C] [--rounds R] [--out DIR]`:
 * the gateway's CPU per RPC call, by client, in one run: its gRPC transport (grpc-js), its HTTP RPC
 * transport (undici), node:http doing the same HTTP call, and the gRPC call framed by hand on
 * node:http2 (the floor under any gRPC client in Node). Each client runs in a fresh process against
 * one canned server process (canned-rpc-server.ts), in turn, `rounds` times; the median is kept.
 * Writes <out>/rpc-client-cost.json and .md. See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../report/machine.js';
import { CLIENT_KINDS, CLIENT_TITLES, type ClientKind } from './client-kinds.js';

interface Options {
  calls: number;
  concurrency: number;
  rounds: number;
  outDir: string;
}

interface RunResult {
  kind: ClientKind;
  cpuMicrosPerCall: number;
  callsPerSecond: number;
}

/** A bad command line: exits 2 with the usage, as `npm run bench` does. */
class UsageError extends Error {}

const USAGE = 'usage: rpc-client-cost-cli.js [--calls 20000] [--concurrency 28] [--rounds 3] [--out bench/results]';

function parseOptions(argv: string[]): Options {
  const options: Options = { calls: 20_000, concurrency: 28, rounds: 3, outDir: 'bench/results' };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === '--out' && value) options.outDir = value;
    else if (flag === '--calls' || flag === '--concurrency' || flag === '--rounds') {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} needs a positive integer\n${USAGE}`);
      options[flag.slice(2) as 'calls' | 'concurrency' | 'rounds'] = number;
    } else throw new UsageError(`unknown option ${flag}\n${USAGE}`);
  }
  return options;
}

const here = (name: string): string => join(fileURLToPath(new URL('.', import.meta.url)), name);

/** Starts the canned server process; resolves with its ports and a stop function. */
async function startServer(): Promise<{ ports: { grpc: number; http: number }; stop(): void }> {
  const child = spawn(process.execPath, [here('canned-rpc-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the canned RPC server exited (${code}) before listening`)));
  });
  return { ports: JSON.parse(line) as { grpc: number; http: number }, stop: () => child.kill('SIGTERM') };
}

function runClient(kind: ClientKind, ports: { grpc: number; http: number }, options: Options): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const args = [here('client-runner.js'), kind, String(ports.grpc), String(ports.http), String(options.calls), String(options.concurrency)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${kind} client exited with ${code}`));
      try {
        resolve(JSON.parse(output) as RunResult);
      } catch (error) {
        reject(new Error(`${kind} client printed no result: ${(error as Error).message}: ${output.slice(0, 200)}`));
      }
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const server = await startServer();
  const runs = new Map<ClientKind, RunResult[]>(CLIENT_KINDS.map((kind) => [kind, []]));
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const kind of CLIENT_KINDS) {
        const result = await runClient(kind, server.ports, options);
        runs.get(kind)!.push(result);
        process.stdout.write(`round ${round} ${kind}: ${result.cpuMicrosPerCall.toFixed(1)} µs CPU per call, ${Math.round(result.callsPerSecond)} calls/s\n`);
      }
    }
  } finally {
    server.stop();
  }
  const floor = median(runs.get('http2-raw')!.map((run) => run.cpuMicrosPerCall));
  const rows = CLIENT_KINDS.map((kind) => {
    const cpu = median(runs.get(kind)!.map((run) => run.cpuMicrosPerCall));
    return { kind, title: CLIENT_TITLES[kind], cpuMicrosPerCall: Math.round(cpu * 10) / 10, callsPerSecond: Math.round(median(runs.get(kind)!.map((run) => run.callsPerSecond))), ofFloor: Math.round((cpu / floor) * 100) / 100 };
  });
  const report = { machine: describeMachine(), options, rows, runs: Object.fromEntries(runs) };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'rpc-client-cost.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = [
    `# RPC client cost: the gateway's CPU per Connect call, by client`,
    '',
    `${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}; ${options.calls} calls per run, ${options.concurrency} in flight (rpc_concurrency), ${options.rounds} rounds, medians; the client process's user + system CPU.`,
    '',
    '| client | CPU µs per call | ÷ http2-raw | calls/s |',
    '|---|---|---|---|',
    ...rows.map((row) => `| \`${row.kind}\`: ${row.title} | ${row.cpuMicrosPerCall} | ${row.ofFloor} | ${row.callsPerSecond} |`),
    '',
  ].join('\n');
  writeFileSync(join(options.outDir, 'rpc-client-cost.md'), markdown);
  process.stdout.write(`\n${markdown}\nresults: ${join(options.outDir, 'rpc-client-cost.json')}, ${join(options.outDir, 'rpc-client-cost.md')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`rpc-client-cost: ${(error as Error).message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
