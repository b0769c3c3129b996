import type { RunningProcess } from '../../../test/support/index.js';
import { startNodeProcess, type NodeProcessOptions } from '../peers/node-process.js';

/**
 * How long a node may take to be ready, at start and after the restart. A restart happens while the
 * other node takes every client and the load workers are busy: on 2 shared cores that can be slow.
 */
export const NODE_READY_TIMEOUT_MS = 90_000;

/** Which client protocol the cluster's nodes speak (see load/recovery-protocol.ts). */
export type RecoveryProtocolName = 'cable-restore' | 'socket-io-recovery';

/** Sends one broadcast payload into a cluster, to every subscriber of the measured stream. */
export interface ReliabilityPublisher {
  publish(data: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Two (or more) nodes of a peer, behind which the reliability clients come and go. */
export interface ReliabilityCluster {
  readonly urls: string[];
  readonly protocol: RecoveryProtocolName;
  /** The Action Cable identifier (gateway) or room (Socket.IO) every client follows. */
  readonly identifier: string;
  readonly room: string;
  readonly publisher: ReliabilityPublisher;
  /** Stops node `index` with `signal` and starts it again on the same port; resolves when it is ready. */
  restart(index: number, signal: NodeJS.Signals): Promise<void>;
  /** The last lines of every node, for error messages. */
  output(): string;
  /** Everything the nodes printed (kept up to ~1 MB each), written beside the results. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A node process that can be restarted on the same port with the same settings (the clients come
 * back to the same URL, as behind a load balancer).
 */
export class RestartableNode {
  private current: RunningProcess;

  private constructor(private readonly options: NodeProcessOptions, first: RunningProcess, private log = '') {
    this.current = first;
  }

  static async start(options: NodeProcessOptions): Promise<RestartableNode> {
    return new RestartableNode(options, (await startNodeProcess(options)).process);
  }

  /**
   * Stops the process with `signal` (SIGKILL after `stopGraceMs`, default 15 s; `stopped` is told
   * its exit code, null when a signal ended it), then starts it again; resolves when it is ready.
   */
  async restart(signal: NodeJS.Signals, hooks: { stopGraceMs?: number; stopped?: (exitCode: number | null) => void } = {}): Promise<void> {
    const exitCode = await this.current.stop(signal, hooks.stopGraceMs ?? 15_000);
    hooks.stopped?.(exitCode);
    this.log += `${this.current.output()}\n--- ${this.options.name} stopped with ${signal}, restarted ---\n`;
    this.current = (await startNodeProcess(this.options)).process;
  }

  /** The running process's pid (a new one after each restart). */
  get pid(): number | undefined {
    return this.current.child.pid;
  }

  output(): string {
    return `--- ${this.options.name} ---\n${(this.log + this.current.output()).slice(-4000)}`;
  }

  logs(): string {
    return `--- ${this.options.name} ---\n${this.log}${this.current.output()}`;
  }

  async stop(): Promise<void> {
    await this.current.stop('SIGTERM', 15_000);
  }
}
