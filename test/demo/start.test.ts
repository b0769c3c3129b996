import { after, describe, test } from 'node:test';
import { execSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePort, startProcess, type RunningProcess } from '../support/index.js';
import { runDemoScenario } from '../support/demo-scenario.js';

/** `npm start` minus the build: the launcher as package.json runs it. */
function startLauncher(env: Record<string, string>): RunningProcess {
  return startProcess(process.execPath, ['dist/scripts/start.js'], env, 'npm start');
}

async function freePorts(): Promise<{ gateway: number; rpc: number; http: number }> {
  return { gateway: await freePort(), rpc: await freePort(), http: await freePort() };
}

function launcherEnv(ports: { gateway: number; rpc: number; http: number }): Record<string, string> {
  return { ANYCABLE_PORT: String(ports.gateway), ANYCABLE_RPC_HOST: `127.0.0.1:${ports.rpc}`, RPC_HTTP_PORT: String(ports.http) };
}

/** The pids the launcher reports for its two apps. */
async function appPids(launcher: RunningProcess): Promise<number[]> {
  const [, gateway, rpc] = await launcher.waitForOutput(/started the gateway \(pid (\d+)\) and the RPC app \(pid (\d+)\)/);
  return [Number(gateway), Number(rpc)];
}

/** The exit code, once the process has exited by itself. */
function exitCode(running: RunningProcess): Promise<number | null> {
  const { child } = running;
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
}

describe('npm start (dist/scripts/start.js)', () => {
  const launchers: RunningProcess[] = [];
  after(async () => {
    for (const launcher of launchers) await launcher.stop('SIGKILL');
  });

  test('starts both apps on the embedded default (HTTP broadcasting), runs the demo, stops both on Ctrl-C', async () => {
    const ports = await freePorts();
    const launcher = startLauncher(launcherEnv(ports));
    launchers.push(launcher);
    const pids = await appPids(launcher);
    await launcher.waitForOutput(/Press Ctrl-C to stop/, 60_000);

    const output = launcher.output();
    assert.match(output, new RegExp(`Demo page\\s+http://127\\.0\\.0\\.1:${ports.http}/`));
    assert.match(output, new RegExp(`Broadcasting\\s+http → http://127\\.0\\.0\\.1:${ports.gateway}/_broadcast`));
    assert.match(output, /^gateway \| .*Gateway listening on/m, 'gateway lines are prefixed');
    assert.match(output, /^rpc {5}\| .*RPC server listening on/m, 'RPC app lines are prefixed');

    const page = await (await fetch(`http://127.0.0.1:${ports.http}/`)).text();
    assert.match(page, new RegExp(`<meta name="action-cable-url" content="ws://127\\.0\\.0\\.1:${ports.gateway}/cable">`));
    await runDemoScenario({ cableUrl: `ws://127.0.0.1:${ports.gateway}/cable`, httpUrl: `http://127.0.0.1:${ports.http}` });

    // The banner's made-up broadcast key and its curl work as printed; another key is refused.
    assert.match(output, /Metrics {7}off \(ANYCABLE_METRICS_HTTP=\/metrics/);
    const key = /key made up for this run: (\S+)/.exec(output)?.[1];
    const curl = /try: (curl -X POST .*)$/m.exec(output)?.[1];
    assert.ok(key && curl, 'the banner prints the broadcast key and a curl');
    assert.ok(curl.includes(`Authorization: Bearer ${key}`));
    const status = (command: string): string => execSync(`${command} -s -o /dev/null -w '%{http_code}'`, { encoding: 'utf8' });
    assert.equal(status(curl), '201');
    assert.equal(status(curl.replace(key, 'not-the-key')), '401');

    assert.equal(await launcher.stop('SIGINT', 60_000), 0, launcher.output().slice(-3000));
    assert.match(launcher.output(), /gateway exited with code 0, RPC app exited with code 0/);
    assert.ok(launcher.output().indexOf('Gateway stopped') < launcher.output().indexOf('RPC server stopped'), 'the gateway stops first');
    for (const pid of pids) assert.equal(alive(pid), false, `app pid ${pid} still runs`);
  });

  test('an app that cannot start stops the other one, and the launcher exits 1', async () => {
    const ports = await freePorts();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.http, '127.0.0.1', resolve));
    try {
      const launcher = startLauncher(launcherEnv(ports));
      launchers.push(launcher);
      const pids = await appPids(launcher);
      await launcher.waitForOutput(/the rpc app exited with code 1 on its own: stopping the other one/, 60_000);
      assert.equal(await exitCode(launcher), 1, launcher.output().slice(-3000));
      assert.doesNotMatch(launcher.output(), /Press Ctrl-C to stop/);
      for (const pid of pids) assert.equal(alive(pid), false, `app pid ${pid} still runs`);
    } finally {
      blocker.close();
    }
  });

  test('a bad port refuses to start anything, naming the variable', async () => {
    const launcher = startLauncher({ ANYCABLE_PORT: 'eighty' });
    launchers.push(launcher);
    await launcher.waitForOutput(/npm start: ANYCABLE_PORT must be a port number/);
    assert.equal(await exitCode(launcher), 1);
    assert.doesNotMatch(launcher.output(), /started the gateway/);
  });
});
