import { nowMicros } from '../clock.js';
import { commentsIdentifier, commentsStream } from '../demo-channel.js';
import type { ClientProtocolName } from '../peers/peer.js';
import type { Stamp } from '../stamped-payload.js';
import { SampleBuffer } from '../statistics.js';
import { actionCableProtocol } from './action-cable.client-protocol.js';
import { targetFor, type ClientProtocol, type SubscriptionTarget } from './client-protocol.js';
import { LoadConnection, type ConnectionListener } from './load-connection.js';
import { OpenBatch } from './open-batch.js';
import { socketIoProtocol } from './socket-io.client-protocol.js';
import type {
  BroadcastReport,
  CloseReply,
  CommandsReply,
  CommandsRequest,
  OpenReply,
  OpenRequest,
  StatusReply,
  WorkerProgress,
} from './worker-messages.js';

const PROTOCOLS: Record<ClientProtocolName, ClientProtocol> = { 'action-cable': actionCableProtocol, 'socket-io': socketIoProtocol };

/** Time a command loop waits for its last answers after the deadline before it counts them unanswered. */
const COMMAND_GRACE_MS = 10_000;

interface PendingOpen {
  batch: OpenBatch;
  connectMs: SampleBuffer;
}

interface CommandRun {
  request: CommandsRequest;
  deadline: number;
  active: number;
  commands: number;
  completed: number;
  latencyMs: SampleBuffer;
  sentAt: Map<LoadConnection, number>;
  cycles: Map<LoadConnection, number>;
  done: () => void;
}

/** All load connections of one worker process, and the counters the run collects from them. */
export class ConnectionSet implements ConnectionListener {
  private readonly connections: LoadConnection[] = [];
  private pendingOpen: PendingOpen | undefined;
  private commandRun: CommandRun | undefined;
  private subscribedCount = 0;
  private droppedCount = 0;
  private received = 0;
  private measured = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private firstMeasuredSeq = Number.POSITIVE_INFINITY;
  private readonly broadcastLatency = new SampleBuffer(1 << 16);

  constructor(private readonly workerIndex: number) {}

  progress(): WorkerProgress {
    const open = this.pendingOpen?.batch;
    return {
      opening: open?.inFlight ?? 0,
      subscribed: this.subscribedCount,
      failed: open?.failures ?? 0,
      received: this.received,
      completed: this.commandRun?.completed ?? 0,
    };
  }

  open(request: OpenRequest): Promise<OpenReply> {
    if (this.pendingOpen) return Promise.reject(new Error('an open request is already running'));
    const protocol = PROTOCOLS[request.protocol];
    return new Promise((resolve) => {
      const connectMs = new SampleBuffer(request.count);
      const launchOne = (): void => {
        const index = this.connections.length;
        const target = targetFor(request.target, `w${this.workerIndex}-c${index}`);
        this.connections.push(new LoadConnection(index, request.url, protocol, target, this));
      };
      const batch = new OpenBatch(
        { count: request.count, concurrency: request.concurrency, timeoutMs: request.timeoutMs, timeoutReason: `no confirmation within ${request.timeoutMs} ms` },
        launchOne,
        (outcome) => {
          this.pendingOpen = undefined;
          if (outcome.timedOut) for (const connection of this.connections) if (connection.state === 'connecting') connection.terminate();
          resolve({ kind: 'open', subscribed: outcome.succeeded, failed: outcome.failed, errors: outcome.errors, connectMs: connectMs.toArray() });
        },
      );
      this.pendingOpen = { batch, connectMs };
      batch.start();
    });
  }

  expectBroadcasts(firstMeasuredSeq: number): void {
    this.firstMeasuredSeq = firstMeasuredSeq;
  }

  collectBroadcasts(): BroadcastReport {
    return {
      kind: 'broadcasts',
      received: this.received,
      measured: this.measured,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      latencyMs: this.broadcastLatency.toArray(),
    };
  }

  runCommands(request: CommandsRequest): Promise<CommandsReply> {
    if (this.commandRun) return Promise.reject(new Error('a command run is already going'));
    return new Promise((resolve) => {
      const run: CommandRun = {
        request,
        deadline: Date.now() + request.durationMs,
        active: 0,
        commands: 0,
        completed: 0,
        latencyMs: new SampleBuffer(),
        sentAt: new Map(),
        cycles: new Map(),
        done: () => undefined,
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.commandRun = undefined;
        for (const connection of this.connections) {
          connection.inCommandLoop = false;
          connection.awaitingAnswer = false;
        }
        resolve({ kind: 'commands', commands: run.commands, completed: run.completed, unanswered: run.active, latencyMs: run.latencyMs.toArray() });
      };
      const timer = setTimeout(finish, request.durationMs + COMMAND_GRACE_MS);
      run.done = finish;
      this.commandRun = run;
      for (const connection of this.connections) {
        if (connection.state !== 'subscribed') continue;
        connection.inCommandLoop = true;
        run.active += 1;
        this.sendCommand(run, connection);
      }
      if (run.active === 0) finish();
    });
  }

  /** The connections subscribed now (the steady-commands run drives them). */
  subscribedConnections(): LoadConnection[] {
    return this.connections.filter((connection) => connection.state === 'subscribed');
  }

  status(): StatusReply {
    const open = this.connections.filter((connection) => connection.ws.readyState === connection.ws.OPEN).length;
    return { kind: 'status', open, subscribed: this.subscribedCount, dropped: this.droppedCount };
  }

  close(): CloseReply {
    for (const connection of this.connections) connection.terminate();
    const closed = this.connections.length;
    this.connections.length = 0;
    return { kind: 'close', closed };
  }

  // ConnectionListener

  subscribed(connection: LoadConnection, connectMs: number): void {
    this.subscribedCount += 1;
    const pending = this.pendingOpen;
    if (!pending) return;
    pending.connectMs.push(connectMs);
    pending.batch.succeed();
  }

  failed(_connection: LoadConnection, reason: string): void {
    this.pendingOpen?.batch.fail(reason);
  }

  broadcast(connection: LoadConnection, stamp: Stamp): void {
    this.received += 1;
    if (stamp.seq === connection.lastSeq) {
      this.duplicates += 1;
      return;
    }
    if (stamp.seq < connection.lastSeq) {
      this.outOfOrder += 1;
      return;
    }
    connection.lastSeq = stamp.seq;
    if (stamp.seq < this.firstMeasuredSeq) return;
    this.measured += 1;
    this.broadcastLatency.push((nowMicros() - stamp.sentAtMicros) / 1e3);
  }

  answered(connection: LoadConnection): void {
    const run = this.commandRun;
    if (!run) return;
    run.completed += 1;
    run.commands += 1;
    run.latencyMs.push((nowMicros() - (run.sentAt.get(connection) ?? nowMicros())) / 1e3);
    if (Date.now() < run.deadline && connection.state === 'subscribed') {
      this.sendCommand(run, connection);
      return;
    }
    connection.inCommandLoop = false;
    run.active -= 1;
    if (run.active === 0) run.done();
  }

  dropped(connection: LoadConnection): void {
    this.droppedCount += 1;
    this.subscribedCount -= 1;
    const run = this.commandRun;
    if (run && connection.inCommandLoop) {
      connection.inCommandLoop = false;
      run.active -= 1;
      if (run.active === 0) run.done();
    }
  }

  private sendCommand(run: CommandRun, connection: LoadConnection): void {
    const cycle = (run.cycles.get(connection) ?? 0) + 1;
    run.cycles.set(connection, cycle);
    run.sentAt.set(connection, nowMicros());
    connection.awaitingAnswer = true;
    const mode = run.request.mode;
    if (mode.kind === 'message') {
      connection.send(connection.protocol.commandFrame(connection.target, mode.data, cycle));
      return;
    }
    if (cycle > 1) {
      connection.send(connection.protocol.unsubscribeFrame(cycleTarget(this.workerIndex, connection, cycle - 1)));
      run.commands += 1;
    }
    connection.send(connection.protocol.subscribeFrame(cycleTarget(this.workerIndex, connection, cycle), cycle));
  }
}

/** A fresh comments subscription per cycle, so the server never sees a subscribe it would ignore. */
function cycleTarget(workerIndex: number, connection: LoadConnection, cycle: number): SubscriptionTarget {
  const postId = `rpc-w${workerIndex}-c${connection.index}-${cycle}`;
  return { identifier: commentsIdentifier(postId), stream: commentsStream(postId) };
}
