/** The servers a run compares, each started as a real process on this machine. */
export type PeerId = 'gateway' | 'gateway-http' | 'socketio' | 'ws';

/** Every peer, in the order runs measure and report them. */
export const PEER_IDS: readonly PeerId[] = ['gateway', 'gateway-http', 'socketio', 'ws'];

/** The peers a run measures unless `--peers` names others: `gateway-http` (RPC over HTTP) is asked for by name. */
export const DEFAULT_PEER_IDS: readonly PeerId[] = ['gateway', 'socketio', 'ws'];

/** The wire protocol the load clients speak to a peer. */
export type ClientProtocolName = 'action-cable' | 'socket-io';

/** How a scenario wants a peer started. */
export interface PeerStartOptions {
  /** The run's Redis, where the publisher sends broadcasts. */
  redisUrl: string;
  /** Open the V8 inspector (for forced GC and heap usage in the idle scenario). */
  inspect: boolean;
  /** When set, the measured server writes a V8 CPU profile here on exit (companions in subfolders). */
  cpuProfDir?: string;
}

/** A process the peer needs beside the measured server (the gateway's RPC app). */
export interface CompanionProcess {
  name: string;
  pid: number;
}

/** A started peer. `pid` is the measured server process. */
export interface RunningPeer {
  readonly url: string;
  readonly pid: number;
  readonly inspectorUrl?: string;
  readonly companions: CompanionProcess[];
  /** Everything the processes printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** One peer of the comparison. */
export interface Peer {
  readonly id: PeerId;
  /** Name in tables and charts. */
  readonly title: string;
  readonly protocol: ClientProtocolName;
  /** The URL a signed-in user connects with (the gateway's RPC app reads a JWT); others return `url`. */
  urlForUser(url: string, userId: string): string;
  /** Why the peer cannot run here (e.g. not built), or undefined when it can. */
  unavailableReason(): string | undefined;
  start(options: PeerStartOptions): Promise<RunningPeer>;
}
