/**
 * One measurement of the RPC client cost bench, in its own process: `<kind> <grpcPort> <httpPort>
 * <calls> <concurrency>`. Warms up, then makes `calls` Connect calls with `concurrency` in flight
 * and prints `{"kind","cpuMicrosPerCall","callsPerSecond"}` (this process's user + system CPU).
 */
import { CLIENT_KINDS, makeClient, type ClientKind } from './client-kinds.js';

const [kindArg, grpcPort, httpPort, callsArg, concurrencyArg] = process.argv.slice(2);
const kind = kindArg as ClientKind;
if (!CLIENT_KINDS.includes(kind)) throw new Error(`unknown client kind ${kindArg}`);
const calls = Number(callsArg);
const concurrency = Number(concurrencyArg);
const client = makeClient(kind, { grpc: Number(grpcPort), http: Number(httpPort) }, concurrency);

async function run(count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await client.call(`bench-${next++}`);
    }),
  );
}

await run(Math.max(200, Math.floor(calls / 10)));
const cpuBefore = process.cpuUsage();
const started = performance.now();
await run(calls);
const cpu = process.cpuUsage(cpuBefore);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ kind, cpuMicrosPerCall: (cpu.user + cpu.system) / calls, callsPerSecond: calls / seconds })}\n`);
client.close();
setTimeout(() => process.exit(0), 100).unref();
