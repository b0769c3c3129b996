/**
 * A load worker process: holds thousands of client connections for one run and answers the run's
 * requests over IPC (see worker-messages.ts). Started by WorkerPool; exits when its parent goes.
 */
import { ConnectionSet } from './connection-set.js';
import { RecoveringClientSet } from './recovering-client-set.js';
import { SteadyCommandRun } from './steady-command-run.js';
import type { FromWorker, ToWorker, WorkerReply, WorkerRequest } from './worker-messages.js';

const PROGRESS_INTERVAL_MS = 500;

const workerIndex = Number(process.env.BENCH_WORKER_INDEX ?? 0);
const connections = new ConnectionSet(workerIndex);
const recovering = new RecoveringClientSet();
const steady = new SteadyCommandRun();

function send(message: FromWorker): void {
  process.send?.(message);
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.kind) {
    case 'open':
      return connections.open(request);
    case 'expect-broadcasts':
      connections.expectBroadcasts(request.firstMeasuredSeq);
      return { kind: 'ok' };
    case 'collect-broadcasts':
      return connections.collectBroadcasts();
    case 'commands':
      return connections.runCommands(request);
    case 'steady-commands':
      return steady.run(connections.subscribedConnections(), request);
    case 'status':
      return connections.status();
    case 'close':
      return { kind: 'close', closed: connections.close().closed + recovering.close() };
    case 'reliable-open':
      return recovering.open(request);
    case 'reliable-drops':
      recovering.setDrops(request);
      return { kind: 'ok' };
    case 'reliable-collect':
      return recovering.collect();
  }
}

if (!process.send) {
  process.stderr.write('bench load worker: must be started by the bench (no IPC channel)\n');
  process.exit(2);
}

process.on('message', (message: ToWorker) => {
  handle(message.request).then(
    (reply) => send({ id: message.id, reply }),
    (error: unknown) => send({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
process.on('disconnect', () => {
  connections.close();
  recovering.close();
  process.exit(0);
});
setInterval(() => send({ progress: recovering.size > 0 ? recovering.progress() : connections.progress() }), PROGRESS_INTERVAL_MS).unref();
