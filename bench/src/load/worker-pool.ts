import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { RAISE_FD_LIMIT } from '../fd-limit.js';
import type { FromWorker, ReplyOf, ToWorker, WorkerProgress, WorkerRequest } from './worker-messages.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url));

interface Waiter {
  resolve: (reply: unknown) => void;
  reject: (error: Error) => void;
}

interface WorkerHandle {
  child: ChildProcess;
  waiters: Map<number, Waiter>;
  progress: WorkerProgress;
  exited: boolean;
}

const NO_PROGRESS: WorkerProgress = { opening: 0, subscribed: 0, failed: 0, received: 0, completed: 0 };

/**
 * The load worker processes of one measurement: each holds its share of the client connections,
 * so the clients are not bottlenecked on one event loop. Started with the open-files limit raised to
 * the hard limit (thousands of sockets per worker).
 */
export class WorkerPool {
  private nextId = 1;

  private constructor(private readonly workers: WorkerHandle[]) {}

  /** Starts `count` workers; with `cpuProfDir`, each writes a V8 CPU profile there when it exits. */
  static async start(count: number, cpuProfDir?: string): Promise<WorkerPool> {
    const flags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
    const workers = Array.from({ length: count }, (_, index) => startWorker(index, flags));
    await Promise.all(workers.map((worker) => once(worker.child, 'spawn')));
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** The workers' process ids (for their CPU time in /proc). */
  get pids(): number[] {
    return this.workers.flatMap((worker) => (worker.child.pid === undefined ? [] : [worker.child.pid]));
  }

  /** Counters summed over the workers (last report of each). */
  progress(): WorkerProgress {
    const total = { ...NO_PROGRESS };
    for (const worker of this.workers) {
      for (const key of Object.keys(total) as (keyof WorkerProgress)[]) total[key] += worker.progress[key];
    }
    return total;
  }

  /** Sends one request to every worker, `make(index)` building each one; resolves with all replies. */
  all<R extends WorkerRequest>(make: (index: number) => R): Promise<ReplyOf[R['kind']][]> {
    return Promise.all(this.workers.map((worker, index) => this.request(worker, make(index))));
  }

  /** Disconnects every worker (they close their sockets and exit) and waits for them. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.exited) return;
        const exited = once(worker.child, 'exit');
        if (worker.child.connected) worker.child.disconnect();
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private request<R extends WorkerRequest>(worker: WorkerHandle, request: R): Promise<ReplyOf[R['kind']]> {
    if (worker.exited) return Promise.reject(new Error(`load worker ${worker.child.pid} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      worker.waiters.set(id, { resolve: resolve as (reply: unknown) => void, reject });
      worker.child.send({ id, request } satisfies ToWorker);
    });
  }
}

function startWorker(index: number, flags: string[]): WorkerHandle {
  const child = spawn('sh', ['-c', `${RAISE_FD_LIMIT}; exec "$@"`, 'sh', process.execPath, ...flags, WORKER_SCRIPT], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, BENCH_WORKER_INDEX: String(index) },
  });
  const handle: WorkerHandle = { child, waiters: new Map(), progress: { ...NO_PROGRESS }, exited: false };
  child.on('message', (message: FromWorker) => {
    if ('progress' in message) {
      handle.progress = message.progress;
      return;
    }
    const waiter = handle.waiters.get(message.id);
    if (!waiter) return;
    handle.waiters.delete(message.id);
    if ('error' in message) waiter.reject(new Error(`load worker ${index}: ${message.error}`));
    else waiter.resolve(message.reply);
  });
  child.on('exit', (code, signal) => {
    handle.exited = true;
    for (const waiter of handle.waiters.values()) {
      waiter.reject(new Error(`load worker ${index} exited (code ${code}, signal ${signal}) with a request pending`));
    }
    handle.waiters.clear();
  });
  return handle;
}
