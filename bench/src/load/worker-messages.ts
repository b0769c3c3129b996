import type { ClientProtocolName } from '../peers/peer.js';
import type { SubscriptionTarget } from './client-protocol.js';

/**
 * How a run drives a load worker process over IPC (advanced serialization, so sample arrays travel
 * as typed arrays). Every request gets exactly one reply with the same id.
 */

/** Open `count` connections, each subscribed to `target`, at most `concurrency` in flight. */
export interface OpenRequest {
  kind: 'open';
  url: string;
  protocol: ClientProtocolName;
  count: number;
  concurrency: number;
  target: SubscriptionTarget;
  timeoutMs: number;
}
export interface OpenReply {
  kind: 'open';
  subscribed: number;
  failed: number;
  /** Failure reason → count. */
  errors: Record<string, number>;
  /** Per connection, from opening the socket to the subscribe confirmation. */
  connectMs: Float32Array;
}

/** Start counting broadcasts: sequence numbers below `firstMeasuredSeq` are warm-up. */
export interface ExpectBroadcastsRequest {
  kind: 'expect-broadcasts';
  firstMeasuredSeq: number;
}
export interface BroadcastReport {
  kind: 'broadcasts';
  /** Every broadcast received, warm-up included. */
  received: number;
  /** Measured broadcasts received (first receipt per connection and sequence number). */
  measured: number;
  duplicates: number;
  outOfOrder: number;
  latencyMs: Float32Array;
}
export interface CollectBroadcastsRequest {
  kind: 'collect-broadcasts';
}

/** How the rpc scenario makes commands. */
export type CommandMode =
  | { kind: 'message'; data: Record<string, unknown> }
  /** Unsubscribe the previous identifier and subscribe a new one; each confirmation completes a cycle. */
  | { kind: 'subscribe-cycle' };

/** Every subscribed connection runs commands back to back (one in flight each) for `durationMs`. */
export interface CommandsRequest {
  kind: 'commands';
  durationMs: number;
  /** `message` commands go to each connection's own subscription (the open request's target). */
  mode: CommandMode;
}
export interface CommandsReply {
  kind: 'commands';
  /** Commands the server took: completed requests, plus unsubscribes in subscribe-cycle mode. */
  commands: number;
  /** Round trips completed (a message answered, or a cycle confirmed). */
  completed: number;
  /** Round trips left unanswered at the end (counted, not retried). */
  unanswered: number;
  latencyMs: Float32Array;
}

export interface StatusRequest {
  kind: 'status';
}
export interface StatusReply {
  kind: 'status';
  open: number;
  subscribed: number;
  /** Subscribed connections that the server closed or that failed since. */
  dropped: number;
}

export interface CloseRequest {
  kind: 'close';
}
export interface CloseReply {
  kind: 'close';
  closed: number;
}

/**
 * Reliability clients (load/recovering-client.ts): `count` clients, spread over `urls` by their
 * global index (`firstIndex` + their position), each subscribed to one stream and expecting the
 * broadcasts numbered 1…expectedBroadcasts.
 */
export interface ReliableOpenRequest {
  kind: 'reliable-open';
  urls: string[];
  protocol: 'cable-restore' | 'socket-io-recovery';
  count: number;
  firstIndex: number;
  concurrency: number;
  /** Action Cable identifier (cable-restore). */
  identifier: string;
  /** Socket.IO room (socket-io-recovery). */
  room: string;
  /**
   * cable-restore: keep the session id through a `disconnect` frame that says reconnect (a server
   * restart) and ask to restore it, as @anycable/core did up to 1.1.1; from 1.1.2 it forgets the id
   * on any `disconnect` frame (false: what the reliability scenario's clients do).
   */
  keepSidOnRestart: boolean;
  /** How long a client's WebSocket handshake may take before it gives the attempt up and tries again. */
  handshakeTimeoutMs: number;
  expectedBroadcasts: number;
  timeoutMs: number;
}
export interface ReliableOpenReply {
  kind: 'reliable-open';
  live: number;
  failed: number;
  errors: Record<string, number>;
}

/** Drop every live client at random moments (mean interval), offline up to `outageMaxMs`; 0 stops. */
export interface ReliableDropsRequest {
  kind: 'reliable-drops';
  meanIntervalMs: number;
  outageMaxMs: number;
}

export interface ReliableCollectRequest {
  kind: 'reliable-collect';
}
/** Sums over a worker's reliability clients. */
export interface ReliabilityReport {
  kind: 'reliability';
  clients: number;
  /** Clients connected and caught up at the end. */
  live: number;
  /** (client, broadcast) pairs received exactly once. */
  exactlyOnce: number;
  duplicates: number;
  outOfOrder: number;
  lost: number;
  /** Receipts of numbers that were never published (must stay 0). */
  unexpected: number;
  /** Drops made by the clients (socket destroyed). */
  drops: number;
  /** Reconnections that caught up (after a drop, or after the server closed the connection). */
  reconnects: number;
  /** …of which the server restored the session. */
  restored: number;
  /** …of which got a new session (subscribed again). */
  fresh: number;
  /** …of which the server refused to replay what was missed. */
  historyRejected: number;
  failed: number;
  errors: Record<string, number>;
  /** Connection attempts that ended before their client was back, by reason (it tried again). */
  attemptErrors: Record<string, number>;
  /** Per reconnection: new connection attempt (after the outage) → caught up, in ms. */
  restoreMs: Float32Array;
  /** When the last reconnection caught up (Date.now(), this machine's clock), 0 when none did. */
  lastCaughtUpAt: number;
}

/**
 * deploy: every subscribed connection sends a numbered `message` command every `periodMs` (spread over
 * the period) for `durationMs`, and records each command's outcome: answered (the app's broadcast back,
 * carrying the number), refused by the gateway (`{"type":"error"}` frame: rpc_unavailable or rpc_timeout),
 * or none. The reply comes once every command has an outcome, or `graceMs` after the last was sent.
 */
export interface SteadyCommandsRequest {
  kind: 'steady-commands';
  durationMs: number;
  periodMs: number;
  graceMs: number;
  /** The command's data; `message` gets the command's number. */
  data: Record<string, unknown>;
}
export interface SteadyCommandsReply {
  kind: 'steady-commands';
  sent: number;
  answered: number;
  /** Refused as not run by the app (rpc_unavailable). */
  refusedUnrun: number;
  /** Refused as maybe run (rpc_timeout); its answer may also have come. */
  refusedMaybeRun: number;
  /** Commands both answered and refused rpc_timeout, in either order (the app ran it, its reply came after the deadline). */
  answeredAfterRefusal: number;
  /** Outcomes of commands with an outcome already, other than the above (must stay 0). */
  duplicates: number;
  /** Commands without any outcome at the end (must stay 0). */
  unanswered: number;
  /** Connections closed while the run went on (must stay 0). */
  dropped: number;
  /** Per command: sent → first outcome, ms. */
  outcomeMs: Float32Array;
}

export type WorkerRequest =
  | SteadyCommandsRequest
  | OpenRequest
  | ExpectBroadcastsRequest
  | CollectBroadcastsRequest
  | CommandsRequest
  | StatusRequest
  | CloseRequest
  | ReliableOpenRequest
  | ReliableDropsRequest
  | ReliableCollectRequest;
export type WorkerReply = SteadyCommandsReply | OpenReply | BroadcastReport | CommandsReply | StatusReply | CloseReply | ReliableOpenReply | ReliabilityReport | { kind: 'ok' };

/** Counters a worker pushes twice a second while it lives. */
export interface WorkerProgress {
  opening: number;
  subscribed: number;
  failed: number;
  received: number;
  completed: number;
}

export type ToWorker = { id: number; request: WorkerRequest };
export type FromWorker =
  | { id: number; reply: WorkerReply }
  | { id: number; error: string }
  | { progress: WorkerProgress };

/** The reply kind each request kind gets. */
export interface ReplyOf {
  open: OpenReply;
  'expect-broadcasts': { kind: 'ok' };
  'collect-broadcasts': BroadcastReport;
  commands: CommandsReply;
  'steady-commands': SteadyCommandsReply;
  status: StatusReply;
  close: CloseReply;
  'reliable-open': ReliableOpenReply;
  'reliable-drops': { kind: 'ok' };
  'reliable-collect': ReliabilityReport;
}
