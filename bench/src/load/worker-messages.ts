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

export type WorkerRequest = OpenRequest | ExpectBroadcastsRequest | CollectBroadcastsRequest | CommandsRequest | StatusRequest | CloseRequest;
export type WorkerReply = OpenReply | BroadcastReport | CommandsReply | StatusReply | CloseReply | { kind: 'ok' };

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
  status: StatusReply;
  close: CloseReply;
}
