import { resolve } from 'node:path';
import { REPO_ROOT } from '../../test/support/index.js';
import { DEFAULT_PEER_IDS, PEER_IDS, type PeerId } from './peers/peer.js';

/** The measurements a run can make. */
export type ScenarioName = 'broadcast' | 'connect' | 'idle' | 'rpc' | 'reliability' | 'deploy' | 'storm';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['broadcast', 'connect', 'idle', 'rpc', 'reliability', 'deploy', 'storm'];
/**
 * What `all` runs: the throughput and memory scenarios at one size. `reliability` is named on its
 * own: it has its own client count and two-node clusters.
 */
export const ALL_SCENARIOS: readonly ScenarioName[] = ['broadcast', 'connect', 'idle', 'rpc'];

/** The distributed brokers the reliability scenario runs our gateway with. */
export type GatewayBroker = 'redis' | 'nats';
export const GATEWAY_BROKERS: readonly GatewayBroker[] = ['redis', 'nats'];

/**
 * How the storm scenario's clients come back after the gateway restarts: `plain`, a new session
 * through Connect + subscribe RPCs; `restore`, the session restored from broker=redis (no RPC);
 * `jwt`, a new session identified by a JWT and subscribed to a signed stream (no RPC).
 */
export type StormMode = 'plain' | 'restore' | 'jwt';
export const STORM_MODES: readonly StormMode[] = ['plain', 'restore', 'jwt'];

/** How the reliability scenario restarts one node midway: SIGKILL (a crash) or SIGTERM (a deploy). */
export type RestartSignal = 'SIGKILL' | 'SIGTERM';

/** How the rpc scenario makes commands (see load/worker-messages.ts CommandMode). */
export type RpcMode = 'message' | 'subscribe-cycle';

/** Everything a run is told, after defaults. */
export interface BenchOptions {
  scenarios: ScenarioName[];
  peers: PeerId[];
  /** Clients of the broadcast, connect and idle scenarios. */
  connections: number;
  /** Measured broadcasts. */
  broadcasts: number;
  /** Broadcasts sent first and not measured (JIT warm-up of every process). */
  warmup: number;
  /** Broadcasts per second. */
  rate: number;
  /** Padding of each broadcast payload, in bytes. */
  payloadBytes: number;
  /** Load worker processes sharing the clients. */
  workers: number;
  /** Connection attempts in flight per worker. */
  concurrency: number;
  /** How long the idle scenario holds its clients before measuring. */
  idleSeconds: number;
  /** Length of the rpc scenario's command run. */
  rpcSeconds: number;
  /** Clients sending commands (one in flight each) in the rpc scenario. */
  rpcClients: number;
  rpcMode: RpcMode;
  /** Clients of the reliability scenario (over two nodes). */
  reliableClients: number;
  /** How long the reliability scenario publishes (and drops clients). */
  reliableSeconds: number;
  /** Broadcasts per second in the reliability scenario. */
  reliableRate: number;
  /** Mean time between two drops of one client (each drop comes a uniform 0…2× this after the client is back). */
  dropEveryMs: number;
  /** Longest outage after a drop (uniform 0…this) before the client reconnects. */
  outageMs: number;
  restartSignal: RestartSignal;
  /** Brokers our gateway is measured with in the reliability scenario. */
  brokers: GatewayBroker[];
  /** How the storm scenario's clients come back (one measurement per mode). */
  stormModes: StormMode[];
  /** deploy: each client's command period, the pause between the RPC app's exit and its start, the gateway's rpc_request_timeout. */
  deployPeriodMs: number;
  deployGapMs: number;
  deployTimeoutMs: number;
  /** Where the results go. */
  outDir: string;
  /** Names the result files: <label>.json, <label>.md, <label>-broadcast-latency.svg. */
  label: string;
  quick: boolean;
  /** Write a V8 CPU profile of each measured server into <outDir>/profiles/. */
  cpuProf: boolean;
}

type NumericOption = { [K in keyof BenchOptions]: BenchOptions[K] extends number ? K : never }[keyof BenchOptions];

const NUMERIC_FLAGS: Record<string, NumericOption> = {
  connections: 'connections',
  broadcasts: 'broadcasts',
  warmup: 'warmup',
  rate: 'rate',
  payload: 'payloadBytes',
  workers: 'workers',
  concurrency: 'concurrency',
  'idle-seconds': 'idleSeconds',
  'rpc-seconds': 'rpcSeconds',
  'rpc-clients': 'rpcClients',
  'reliable-clients': 'reliableClients',
  'reliable-seconds': 'reliableSeconds',
  'reliable-rate': 'reliableRate',
  'drop-every-ms': 'dropEveryMs',
  'outage-ms': 'outageMs',
  'deploy-period-ms': 'deployPeriodMs',
  'deploy-gap-ms': 'deployGapMs',
  'deploy-timeout': 'deployTimeoutMs',
};

/** Full-size defaults: the 10,000 connections on a 2-core machine. */
const FULL: Omit<BenchOptions, 'scenarios' | 'peers' | 'outDir' | 'label' | 'quick' | 'cpuProf' | 'rpcMode' | 'restartSignal' | 'brokers' | 'stormModes'> = {
  connections: 10_000,
  broadcasts: 50,
  warmup: 5,
  // One fan-out to 10,000 sockets takes a few hundred ms of CPU here (server writes + client reads on
  // 2 shared cores): at 1/s each broadcast ends before the next, so latency measures the fan-out,
  // not a queue growing under overload.
  rate: 1,
  payloadBytes: 100,
  workers: 2,
  concurrency: 100,
  idleSeconds: 10,
  rpcSeconds: 10,
  rpcClients: 100,
  // AnyCable's published forced-reconnect test: 1,000 clients, repeated drops of up to two seconds.
  reliableClients: 1_000,
  reliableSeconds: 20,
  reliableRate: 10,
  dropEveryMs: 5_000,
  outageMs: 2_000,
  // 10,000 clients, one command each per 10 s: 1,000 commands/s, the RPC app's comfortable rate here.
  deployPeriodMs: 10_000,
  deployGapMs: 3_000,
  // README, Operations: rpc_request_timeout ≥ gap + start + 1.5 s; 3 s + ~2 s + 1.5 s, rounded up.
  deployTimeoutMs: 8_000,
};

/** `--quick`: a few hundred clients, every scenario and peer well under a minute in total. */
const QUICK: typeof FULL = {
  connections: 200,
  broadcasts: 20,
  warmup: 5,
  rate: 20,
  payloadBytes: 100,
  workers: 2,
  concurrency: 50,
  idleSeconds: 1,
  rpcSeconds: 2,
  rpcClients: 20,
  reliableClients: 100,
  reliableSeconds: 6,
  reliableRate: 20,
  dropEveryMs: 1_500,
  outageMs: 500,
  deployPeriodMs: 1_000,
  deployGapMs: 2_000,
  deployTimeoutMs: 8_000,
};

export const USAGE = `Usage: npm run bench -- <scenario...|all> [options]
Scenarios: ${SCENARIO_NAMES.join(', ')} (or all = ${ALL_SCENARIOS.join(', ')})
Options:
  --peers LIST          comma list of ${PEER_IDS.join(', ')} (default: ${DEFAULT_PEER_IDS.join(',')})
  --connections N       clients of broadcast/connect/idle/storm (default ${FULL.connections}; quick ${QUICK.connections})
  --broadcasts M        measured broadcasts (default ${FULL.broadcasts})
  --warmup W            unmeasured broadcasts sent first (default ${FULL.warmup})
  --rate R              broadcasts per second (default ${FULL.rate})
  --payload BYTES       payload padding (default ${FULL.payloadBytes})
  --workers W           load worker processes (default ${FULL.workers})
  --concurrency C       connection attempts in flight per worker (default ${FULL.concurrency})
  --idle-seconds S      idle hold before measuring memory (default ${FULL.idleSeconds})
  --rpc-seconds S       rpc command run length (default ${FULL.rpcSeconds})
  --rpc-clients K       clients sending commands (default ${FULL.rpcClients})
  --rpc-mode MODE       message (actuator speak) | subscribe-cycle (default message)
  --reliable-clients N  reliability: clients over two nodes (default ${FULL.reliableClients}; quick ${QUICK.reliableClients})
  --reliable-seconds S  reliability: publishing (and dropping) time (default ${FULL.reliableSeconds}; quick ${QUICK.reliableSeconds})
  --reliable-rate R     reliability: broadcasts per second (default ${FULL.reliableRate}; quick ${QUICK.reliableRate})
  --drop-every-ms MS    reliability: mean time between two drops of one client (default ${FULL.dropEveryMs}; quick ${QUICK.dropEveryMs})
  --outage-ms MS        reliability: longest time a dropped client stays away (default ${FULL.outageMs}; quick ${QUICK.outageMs})
  --deploy-period-ms MS deploy: each client sends a command this often (default ${FULL.deployPeriodMs}; quick ${QUICK.deployPeriodMs})
  --deploy-gap-ms MS    deploy: pause between the RPC app's exit and its start (default ${FULL.deployGapMs})
  --deploy-timeout MS   deploy: the gateway's rpc_request_timeout (default ${FULL.deployTimeoutMs})
  --restart-signal SIG  reliability: SIGKILL (a crash, default) or SIGTERM (a deploy) for the node restarted midway
  --brokers LIST        reliability: brokers our gateway runs with, comma list of ${GATEWAY_BROKERS.join(', ')} (default: ${GATEWAY_BROKERS.join(',')})
  --storm-mode LIST     storm: how clients come back, comma list of ${STORM_MODES.join(', ')} (default: ${STORM_MODES.join(',')}):
                        plain = Connect + subscribe RPCs; restore = ?sid= restore from broker=redis (no RPC);
                        jwt = ?jid= JWT + $pubsub signed stream (no RPC)
  --out DIR             results directory (default bench/results)
  --label NAME          result file names (default: the scenarios, or all; quick- prefix with --quick)
  --quick               200 clients, short runs (the npm test smoke mode)
  --cpu-prof            write V8 CPU profiles of the measured servers (and load workers) to <out>/profiles/
`;

/** Parses the command line; throws an Error with a clear message (and the usage) on bad input. */
export function parseOptions(argv: string[]): BenchOptions {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const takesValue = name in NUMERIC_FLAGS || ['peers', 'out', 'label', 'rpc-mode', 'restart-signal', 'brokers', 'storm-mode'].includes(name);
    if (!takesValue) {
      if (!['quick', 'cpu-prof', 'help'].includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || value.startsWith('--')) throw new Error(`option --${name} needs a value\n${USAGE}`);
    flags.set(name, value);
  }
  if (flags.has('help')) throw new Error(USAGE);
  const quick = flags.has('quick');
  const scenarios = parseScenarios(positional);
  const label = flags.get('label');
  if (typeof label === 'string' && !/^[\w.-]+$/.test(label)) throw new Error(`--label may hold letters, digits, . _ - only, got ${JSON.stringify(label)}`);
  const options: BenchOptions = {
    ...(quick ? QUICK : FULL),
    scenarios,
    label: typeof label === 'string' ? label : `${quick ? 'quick-' : ''}${sameScenarios(scenarios, ALL_SCENARIOS) ? 'all' : scenarios.join('-')}`,
    peers: parsePeers(flags.get('peers')),
    outDir: resolve(REPO_ROOT, typeof flags.get('out') === 'string' ? (flags.get('out') as string) : 'bench/results'),
    quick,
    cpuProf: flags.has('cpu-prof'),
    rpcMode: parseRpcMode(flags.get('rpc-mode')),
    restartSignal: parseRestartSignal(flags.get('restart-signal')),
    brokers: parseBrokers(flags.get('brokers')),
    stormModes: parseList(flags.get('storm-mode'), STORM_MODES, 'storm mode', '--storm-mode'),
  };
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const raw = flags.get(flag);
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    const mayBeZero = key === 'warmup' || key === 'payloadBytes' || key === 'outageMs';
    const fractional = key === 'rate' || key === 'reliableRate';
    if (!Number.isFinite(value) || value < 0 || (!mayBeZero && value === 0) || (!fractional && !Number.isInteger(value))) {
      throw new Error(`--${flag} must be a ${mayBeZero ? 'non-negative' : 'positive'} ${fractional ? 'number' : 'integer'}, got ${JSON.stringify(raw)}`);
    }
    options[key] = value;
  }
  return options;
}

function parseScenarios(names: string[]): ScenarioName[] {
  if (names.length === 0) throw new Error(`name at least one scenario\n${USAGE}`);
  if (names.includes('all')) return SCENARIO_NAMES.filter((name) => ALL_SCENARIOS.includes(name) || names.includes(name));
  for (const name of names) {
    if (!SCENARIO_NAMES.includes(name as ScenarioName)) throw new Error(`unknown scenario ${JSON.stringify(name)}\n${USAGE}`);
  }
  return SCENARIO_NAMES.filter((name) => names.includes(name));
}

function parsePeers(raw: string | true | undefined): PeerId[] {
  return typeof raw === 'string' ? parseList(raw, PEER_IDS, 'peer', '--peers') : [...DEFAULT_PEER_IDS];
}

function parseRpcMode(raw: string | true | undefined): RpcMode {
  if (raw === undefined) return 'message';
  if (raw === 'message' || raw === 'subscribe-cycle') return raw;
  throw new Error(`--rpc-mode must be message or subscribe-cycle, got ${JSON.stringify(raw)}`);
}

function sameScenarios(a: readonly ScenarioName[], b: readonly ScenarioName[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

function parseRestartSignal(raw: string | true | undefined): RestartSignal {
  if (raw === undefined) return 'SIGKILL';
  if (raw === 'SIGKILL' || raw === 'SIGTERM') return raw;
  throw new Error(`--restart-signal must be SIGKILL or SIGTERM, got ${JSON.stringify(raw)}`);
}

function parseBrokers(raw: string | true | undefined): GatewayBroker[] {
  return parseList(raw, GATEWAY_BROKERS, 'broker', '--brokers');
}

/** A comma list of names out of `known` (all of them when absent), in `known`'s order. */
function parseList<T extends string>(raw: string | true | undefined, known: readonly T[], what: string, flag: string): T[] {
  if (typeof raw !== 'string') return [...known];
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!known.includes(name as T)) throw new Error(`unknown ${what} ${JSON.stringify(name)}; ${what}s: ${known.join(', ')}`);
  }
  if (names.length === 0) throw new Error(`${flag} needs at least one ${what}`);
  return known.filter((name) => names.includes(name));
}
