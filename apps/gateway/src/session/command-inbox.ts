import type { ClientCommand } from '#libs/protocol';

/** Commands that wait their turn (pongs never do). */
export type QueuedCommand = Exclude<ClientCommand, { command: 'pong' }>;

/** A queued command and when its client stops waiting for it (arrival + rpc_request_timeout, epoch ms). */
export interface InboxEntry {
  readonly command: QueuedCommand;
  readonly notAfter: number;
}

/** The socket side of back-pressure. */
interface Readable {
  pause(): void;
  resume(): void;
}

/**
 * One session's commands waiting for their turn, in order, at most `limit` (`max_pending_commands`).
 * At half of it the socket is no longer read (TCP back-pressure) until the queue is below half again.
 * Each command carries its client's deadline counted from its arrival: a command stuck behind a slow
 * one (an RPC app restarting) is refused when its own time is up, not a full deadline after its turn.
 */
export class CommandInbox {
  private readonly entries: InboxEntry[] = [];

  constructor(
    private readonly socket: Readable,
    private readonly limit: number,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** False when full (the command is not kept). */
  push(command: QueuedCommand): boolean {
    if (this.entries.length >= this.limit) return false;
    this.entries.push({ command, notAfter: Date.now() + this.timeoutMs });
    if (this.entries.length >= this.limit / 2) this.socket.pause();
    return true;
  }

  shift(): InboxEntry | undefined {
    const entry = this.entries.shift();
    if (this.entries.length < this.limit / 2) this.socket.resume();
    return entry;
  }
}
