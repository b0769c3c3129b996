// `npm start`: the gateway and the RPC app (with the demo page) as child processes, on the embedded
// default (HTTP broadcasting, no Redis). Logs are prefixed per app; Ctrl-C stops the gateway, then
// the RPC app, and waits for both. Configuration: see scripts/start/launch-plan.ts and the README.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppProcess, type AppExit } from './start/app-process.js';
import { LaunchConfigError, planLaunch, type LaunchPlan } from './start/launch-plan.js';

/** Repository root (this file runs as dist/scripts/start.js). */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** How long both apps may take to answer their health checks after starting. */
const READY_TIMEOUT_MS = 60_000;
/** The RPC app finishes its calls in flight quickly; past this it is killed. */
const RPC_STOP_GRACE_MS = 15_000;

const out = process.stdout;
const paint = (code: string, text: string): string => (out.isTTY ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (line: string): void => void out.write(`${paint('1', 'start   |')} ${line}\n`);

async function main(): Promise<number> {
  let plan: LaunchPlan;
  try {
    plan = planLaunch(process.env);
  } catch (error) {
    if (!(error instanceof LaunchConfigError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n`);
    return 1;
  }

  const apps = {
    gateway: new AppProcess('gateway', 'dist/apps/gateway/src/main.bundle.js', {
      cwd: ROOT,
      env: { ...process.env, ...plan.gateway.env },
      prefix: `${paint('36', 'gateway |')} `,
      out,
    }),
    rpc: new AppProcess('rpc', 'dist/apps/rpc/src/main.bundle.js', {
      cwd: ROOT,
      env: { ...process.env, ...plan.rpc.env },
      prefix: `${paint('35', 'rpc     |')} `,
      out,
    }),
  };
  say(`started the gateway (pid ${apps.gateway.pid}) and the RPC app (pid ${apps.rpc.pid})`);
  // Whatever happens to the launcher, it does not leave its apps behind.
  process.on('exit', () => {
    apps.gateway.kill();
    apps.rpc.kill();
  });

  let stopped: Promise<number> | null = null;
  let announceStop: (stop: Promise<number>) => void = () => {};
  const stopStarted = new Promise<Promise<number>>((resolve) => (announceStop = resolve));
  /** Stops the gateway, then the RPC app; resolves with the launcher's exit code. */
  const stopAll = (signal: NodeJS.Signals, failed: boolean): Promise<number> => {
    stopped ??= (async () => {
      const gateway = await apps.gateway.stop(signal, gatewayStopGraceMs());
      const rpc = await apps.rpc.stop(signal, RPC_STOP_GRACE_MS);
      say(`gateway ${describe(gateway)}, RPC app ${describe(rpc)}`);
      return failed || gateway.code !== 0 || rpc.code !== 0 ? 1 : 0;
    })();
    announceStop(stopped);
    return stopped;
  };

  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // The same signal may arrive twice at once (sent to the process and to its group, as `timeout`
      // does): only a later one means "force".
      if (stopped && Date.now() - firstSignalAt < 1_000) return;
      if (stopped) {
        say(`${signal} again: killing both apps`);
        apps.gateway.kill();
        apps.rpc.kill();
        return;
      }
      firstSignalAt = Date.now();
      say(`${signal}: stopping the gateway, then the RPC app (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to kill them)`);
      void stopAll(signal, false);
    });
  }
  for (const app of Object.values(apps)) {
    void app.exited.then((exit) => {
      if (stopped) return;
      say(`the ${app.name} app ${describe(exit)} on its own: stopping the other one`);
      void stopAll('SIGTERM', true);
    });
  }

  const ready = await waitUntilHealthy([plan.gateway.healthUrl, plan.rpc.healthUrl], () => stopped !== null);
  if (stopped) return stopped;
  if (!ready) {
    say(`the apps did not answer their health checks within ${READY_TIMEOUT_MS / 1000} s: stopping`);
    return stopAll('SIGTERM', true);
  }
  printBanner(plan);
  // Runs until a signal, or an app exiting, starts the stop.
  return await stopStarted;
}

/** The gateway waits up to its shutdown_timeout (30 s) for sessions to close; a margin before SIGKILL. */
function gatewayStopGraceMs(): number {
  const seconds = Number(process.env.ANYCABLE_SHUTDOWN_TIMEOUT);
  return ((Number.isFinite(seconds) && seconds > 0 ? seconds : 30) + 10) * 1000;
}

/** Polls every URL until each answers 200; false after READY_TIMEOUT_MS or when `cancelled()`. */
async function waitUntilHealthy(urls: string[], cancelled: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(urls);
  while (pending.size > 0) {
    if (cancelled() || Date.now() > deadline) return false;
    for (const url of [...pending]) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.ok,
        () => false, // not listening yet: the next round asks again
      );
      if (ok) pending.delete(url);
    }
    if (pending.size > 0) await sleep(200);
  }
  return true;
}

function printBanner(plan: LaunchPlan): void {
  const lines = [
    '',
    `  ${paint('1', 'Demo page')}     ${paint('4', plan.demoUrl)}   ← open this in a browser (two tabs to see each other)`,
    `  Gateway       ${plan.cableUrl}  (health: ${plan.gateway.healthUrl})`,
    `  RPC app       gRPC on ${plan.rpcHost}`,
    `  Broadcasting  ${plan.broadcasting}`,
    ...broadcastLines(plan),
    plan.metricsUrl
      ? `  Metrics       ${plan.metricsUrl}  (Prometheus)`
      : '  Metrics       off (ANYCABLE_METRICS_HTTP=/metrics serves Prometheus metrics on the gateway)',
    ...(plan.generated.length > 0 ? [`  Made up for this run: ${plan.generated.join(', ')} (set them to choose your own)`] : []),
    '  Press Ctrl-C to stop.',
    '',
  ];
  for (const line of lines) say(line);
}

/** With http broadcasting: the key and a curl that publishes a comment to the demo's post 42. */
function broadcastLines(plan: LaunchPlan): string[] {
  const http = plan.httpBroadcast;
  if (!http) return [];
  const key = http.generatedKey ?? '<your ANYCABLE_BROADCAST_KEY>';
  const body = JSON.stringify({ stream: 'comments:post:42', data: JSON.stringify({ author: 'curl', body: 'hello from curl' }) });
  return [
    http.generatedKey ? `                key made up for this run: ${http.generatedKey}` : '                key: your ANYCABLE_BROADCAST_KEY (or derived from ANYCABLE_SECRET)',
    `                try: curl -X POST ${http.url} -H 'Authorization: Bearer ${key}' -d '${body}'`,
  ];
}

function describe(exit: AppExit): string {
  return exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`npm start failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
