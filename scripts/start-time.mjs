// Start time of the apps: from spawning `node <entry>` to the first 200 from its /health.
//
//   node scripts/start-time.mjs [--runs 5] [--burners 0] [--entry bundle,modules] [--app gateway,rpc] [--node PATH]
//
// --entry bundle   dist/apps/<app>/src/main.bundle.js (what the Dockerfile, compose and `npm start` run)
// --entry modules  dist/apps/<app>/src/main.js (tsc's output, one file per module)
// --burners N      N busy-looping processes run meanwhile (the machine "under load")
// Build first (npm run build). Prints one line per app and entry: median, min and max in ms, and the
// median CPU time (user + system, from /proc) the process spent until that first 200: on a shared
// machine the wall time grows with the load, the CPU time much less.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const usage = 'usage: node scripts/start-time.mjs [--runs N] [--burners N] [--entry bundle,modules] [--app gateway,rpc] [--node PATH]';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    burners: { type: 'string', default: '0' },
    entry: { type: 'string', default: 'bundle,modules' },
    app: { type: 'string', default: 'gateway,rpc' },
    node: { type: 'string', default: process.execPath },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const runs = Number(values.runs);
const ENTRIES = { bundle: 'main.bundle.js', modules: 'main.js' };
/** /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s (USER_HZ on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far, in ms (null where /proc is not available). */
function cpuMs(pid) {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Gives up on one start after this long (counted as a failure, not a figure). */
const START_TIMEOUT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** How each app is started here: its health URL and environment, on free ports. */
async function launch(app) {
  if (app === 'gateway') {
    const port = await freePort();
    return { env: { ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(port), ANYCABLE_BROADCAST_ADAPTER: 'http' }, url: `http://127.0.0.1:${port}/health` };
  }
  const [grpc, http] = [await freePort(), await freePort()];
  return {
    env: { ANYCABLE_RPC_HOST: `127.0.0.1:${grpc}`, RPC_HTTP_HOST: '127.0.0.1', RPC_HTTP_PORT: String(http), ANYCABLE_BROADCAST_ADAPTER: 'http' },
    url: `http://127.0.0.1:${http}/health`,
  };
}

async function measureOnce(app, entry) {
  const { env, url } = await launch(app);
  const started = performance.now();
  const child = spawn(values.node, [`dist/apps/${app}/src/${ENTRIES[entry]}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    while (performance.now() - started < START_TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`${app} (${entry}) exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(url).then((response) => response.status === 200, () => false);
      if (ok) return { wall: performance.now() - started, cpu: cpuMs(child.pid) };
      await sleep(5);
    }
    throw new Error(`${app} (${entry}) did not answer 200 within ${START_TIMEOUT_MS} ms`);
  } finally {
    child.kill('SIGKILL');
  }
}

const burners = Array.from({ length: Number(values.burners) }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
process.on('exit', () => burners.forEach((burner) => burner.kill('SIGKILL')));
try {
  process.stdout.write(`node ${(await new Promise((resolve) => { const c = spawn(values.node, ['--version']); let v = ''; c.stdout.on('data', (d) => (v += d)); c.on('exit', () => resolve(v.trim())); }))}, ${runs} runs, ${burners.length} CPU burners\n`);
  for (const app of values.app.split(',')) {
    for (const entry of values.entry.split(',')) {
      const samples = [];
      for (let run = 0; run < runs; run++) samples.push(await measureOnce(app, entry));
      const figures = samples.map((sample) => sample.wall).sort((a, b) => a - b);
      const median = figures[Math.floor(figures.length / 2)];
      const cpu = samples.map((sample) => sample.cpu).filter((value) => value !== null).sort((a, b) => a - b);
      const cpuPart = cpu.length > 0 ? `; CPU median ${Math.round(cpu[Math.floor(cpu.length / 2)])} ms` : '';
      process.stdout.write(
        `${app.padEnd(8)} ${entry.padEnd(8)} start → /health 200: median ${Math.round(median)} ms (min ${Math.round(figures[0])}, max ${Math.round(figures.at(-1))})${cpuPart}\n`,
      );
    }
  }
} finally {
  burners.forEach((burner) => burner.kill('SIGKILL'));
}
