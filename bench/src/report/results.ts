import type { BenchOptions, ScenarioName } from '../cli-options.js';
import type { PeerId } from '../peers/peer.js';
import type { LatencySummary } from '../statistics.js';

/** What every scenario result says about the peer it measured. */
export interface PeerMeasurement {
  peer: PeerId;
  title: string;
  /** What was measured beside the peer when a scenario measures it more than once (e.g. `broker=nats`). */
  variant?: string;
  /** Set when the measurement could not be made; the numbers are then absent or partial. */
  error?: string;
  /**
   * 1-minute load average of the machine before and after the measurement: on a shared 2-core
   * machine, anything else running skews the numbers, and this says how much was.
   */
  loadAverage?: [number, number];
}

export interface BroadcastResult extends PeerMeasurement {
  clients: number;
  subscribed: number;
  broadcasts: number;
  /** clients × broadcasts */
  expected: number;
  /** First receipts of measured broadcasts. */
  delivered: number;
  deliveredPercent: number;
  duplicates: number;
  outOfOrder: number;
  /** Publish (stamped just before PUBLISH) → receipt at each client. */
  latencyMs: LatencySummary;
}

export interface ConnectResult extends PeerMeasurement {
  clients: number;
  subscribed: number;
  failed: number;
  errors: Record<string, number>;
  seconds: number;
  /** Connections per second, each counted at its subscribe confirmation. */
  connectionsPerSecond: number;
  /** Socket opened → subscribe confirmed, per connection. */
  connectMs: LatencySummary;
  /** CPU each server process used during the connect phase (/proc/<pid>/stat), per subscribed connection. */
  cpu: ProcessCpu[];
}

export interface ProcessCpu {
  name: string;
  cpuMs: number;
  /** cpuMs / subscribed connections. */
  msPerConnection: number;
}

export interface ProcessMemory {
  name: string;
  rssBytes: number;
}

export interface IdleResult extends PeerMeasurement {
  clients: number;
  subscribed: number;
  /** Connections still open at the end of the hold. */
  stillOpen: number;
  /** RSS with no client, as it is (no forced GC), after start-up settled. */
  baselineAsIsRssBytes: number;
  /** RSS at the end of the hold, as it is (read before any forced GC). */
  asIsRssBytes: number;
  /** (RSS as-is after the hold − RSS as-is with no client) / subscribed, in KB: the headline. */
  asIsRssPerConnectionKB: number;
  /** The same two readings after forced full GCs. */
  baselineRssBytes: number;
  rssBytes: number;
  baselineHeapUsedBytes: number;
  heapUsedBytes: number;
  /** (RSS after GC − baseline RSS after GC) / subscribed, in KB (1024 bytes). */
  rssPerConnectionKB: number;
  heapPerConnectionKB: number;
  /** Processes beside the measured one (the gateway's RPC app), at the end. */
  companions: ProcessMemory[];
}

export interface RpcResult extends PeerMeasurement {
  clients: number;
  mode: string;
  seconds: number;
  commands: number;
  completed: number;
  unanswered: number;
  commandsPerSecond: number;
  /** One round trip (a message answered, or an unsubscribe + subscribe confirmed). */
  latencyMs: LatencySummary;
}

export interface ReliabilityResult extends PeerMeasurement {
  /** What was measured beside the peer: the broker (gateway) or the adapter (Socket.IO). */
  variant: string;
  clients: number;
  /** Clients subscribed before publishing began. */
  subscribed: number;
  /** Broadcasts published (numbered 1…published). */
  published: number;
  /** clients × published */
  expected: number;
  /** (client, broadcast) pairs received exactly once. */
  exactlyOnce: number;
  exactlyOncePercent: number;
  duplicates: number;
  outOfOrder: number;
  lost: number;
  /** Drops made by the clients (socket destroyed, no close frame). */
  drops: number;
  /** Reconnections that caught up, after a drop or the node restart. */
  reconnects: number;
  /** …of which the server restored the session. */
  restored: number;
  /** …of which got a new session (re-subscribed). */
  fresh: number;
  /** …of which were refused a replay (reject_history). */
  historyRejected: number;
  /** Clients connected and caught up at the end. */
  liveAtEnd: number;
  /** Signal of the node restarted midway, and how long it took to be ready again. */
  restart: { signal: string; node: number; atSecond: number; downMs: number };
  /** New connection attempt (after the outage) → caught up, per reconnection. */
  restoreMs: LatencySummary;
}

export interface DeployResult extends PeerMeasurement {
  clients: number;
  subscribed: number;
  /** Each client sends a command this often. */
  periodMs: number;
  /** The gateway's rpc_request_timeout. */
  requestTimeoutMs: number;
  /** SIGTERM → the RPC app's exit, and → listening again. */
  rpcExitMs: number;
  rpcBackMs: number;
  sent: number;
  answered: number;
  refusedUnrun: number;
  refusedMaybeRun: number;
  answeredAfterRefusal: number;
  duplicates: number;
  unanswered: number;
  dropped: number;
  openAtEnd: number;
  /** Command sent → its first outcome (answer or refusal). */
  outcomeMs: LatencySummary;
}

export interface StormResult extends PeerMeasurement {
  /** How the clients come back: plain, restore or jwt (see cli-options.ts StormMode). */
  variant: string;
  clients: number;
  /** Clients subscribed before the restart. */
  subscribed: number;
  /** Clients live (subscribed again) at the end. */
  back: number;
  /** Clients subscribed before the restart and not back at the end (refused, or not back before the deadline). */
  failed: number;
  /** Failure reason → count, for the clients that failed while coming back. */
  errors: Record<string, number>;
  /** Connection attempts that ended before their client was back, by reason (the client tried again): refused while the port was closed, handshake timed out, closed by the gateway. */
  attemptErrors: Record<string, number>;
  /** Reconnections that caught up: the session restored from the broker, or a new one (subscribed again). */
  restored: number;
  fresh: number;
  /** SIGTERM → every client subscribed again (-1: not all came back). */
  sigtermToBackSeconds: number;
  /** The new gateway's ready line → every client subscribed again (-1: not all came back). */
  readyToBackSeconds: number;
  /** SIGTERM → the old gateway's exit (server_restart to every client, its Disconnect calls flushed). */
  stopSeconds: number;
  /** SIGTERM → the new gateway ready (graceful stop + start-up). */
  restartSeconds: number;
  /** Per client: its first reconnection attempt → subscribed again. */
  reconnectMs: LatencySummary;
  /** CPU the RPC app used from SIGTERM until every client was back (/proc). */
  rpcCpuMs: number;
  rpcCpuMsPerClient: number;
  /** …of which SIGTERM → new gateway ready: the old gateway's Disconnect calls at shutdown. */
  rpcShutdownCpuMs: number;
  /** …of which new gateway ready → every client back: what reconnecting asked of it (Connect, subscribe). */
  rpcReconnectCpuMs: number;
  /** CPU the old gateway used from SIGTERM to its exit (closing every session, its Disconnect calls). */
  oldGatewayStopCpuMs: number;
  /** RPC calls the new gateway made until every client was back (its anycable_go_rpc_call_total; -1: not read). */
  newGatewayRpcCalls: number;
  /** CPU the new gateway process used from its ready line until every client was back. */
  gatewayCpuMs: number;
  gatewayCpuMsPerClient: number;
  /**
   * CPU of the load workers (the clients) SIGTERM → ready (mostly their attempts against the closed
   * port) and ready → back: they share the 2 cores with the gateway starting and serving.
   */
  clientsRestartCpuMs: number;
  clientsReconnectCpuMs: number;
}

export interface ScenarioResults {
  deploy?: DeployResult[];
  broadcast?: BroadcastResult[];
  connect?: ConnectResult[];
  idle?: IdleResult[];
  rpc?: RpcResult[];
  reliability?: ReliabilityResult[];
  storm?: StormResult[];
}

/** A headline number: our gateway against one peer on one metric. */
export interface Ratio {
  scenario: ScenarioName;
  metric: string;
  versus: PeerId;
  /** gateway value / peer value. */
  value: number;
  /** Whether a smaller value is better for this metric. */
  lowerIsBetter: boolean;
  /** The target for this ratio, when it sets one. */
  target?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  options: BenchOptions;
  results: ScenarioResults;
  ratios: Ratio[];
}
