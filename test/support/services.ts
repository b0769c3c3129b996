import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { hasProgram, startProcess, type RunningProcess } from './processes.js';

/** A Redis or NATS server for a test: a private process when the program is installed, else a shared URL. */
export interface TestService {
  readonly url: string;
  readonly port: number;
  /** Private servers only: kills the server (SIGKILL, as a crash). */
  kill(): Promise<void>;
  /** Private servers only: starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  readonly private: boolean;
}

async function managed(start: (port: number) => RunningProcess): Promise<TestService> {
  const port = await freePort();
  let current: RunningProcess | undefined;
  const boot = async (): Promise<void> => {
    current = start(port);
    await waitForPort(port);
  };
  await boot();
  return {
    url: '',
    port,
    private: true,
    async kill() {
      await current?.stop('SIGKILL');
    },
    restart: boot,
    async stop() {
      await current?.stop('SIGTERM', 3_000);
    },
  };
}

function shared(url: string): TestService {
  const port = Number(new URL(url).port);
  const refuse = async (): Promise<void> => {
    throw new Error(`cannot kill or restart the shared server ${url}: install the program to get a private one`);
  };
  return { url, port, private: false, kill: refuse, restart: refuse, stop: async () => {} };
}

/** A private redis-server on a free port (no persistence), or REDIS_URL / 127.0.0.1:6379. */
export async function startRedis(): Promise<TestService> {
  if (!hasProgram('redis-server')) return shared(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const service = await managed((port) =>
    startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, `redis:${port}`),
  );
  return { ...service, url: `redis://127.0.0.1:${service.port}` };
}

/**
 * A private nats-server on a free port, or NATS_URL / 127.0.0.1:4222. With `jetstream`, it runs
 * `-js` with its own store directory, kept across kill()/restart() (so streams and KV buckets
 * survive a NATS restart, as on a real server) and removed by stop().
 */
export async function startNats(options: { jetstream?: boolean } = {}): Promise<TestService> {
  const program = ['nats-server', '/usr/sbin/nats-server'].find(hasProgram);
  if (!program) return shared(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const storeDir = options.jetstream ? mkdtempSync(join(tmpdir(), 'nats-js-')) : undefined;
  const jetstream = storeDir ? ['-js', '-sd', storeDir] : [];
  const service = await managed((port) => startProcess(program, ['-a', '127.0.0.1', '-p', String(port), ...jetstream], {}, `nats:${port}`));
  return {
    ...service,
    url: `nats://127.0.0.1:${service.port}`,
    async stop() {
      await service.stop();
      if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
