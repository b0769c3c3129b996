import { readFileSync } from 'node:fs';
import { phaseOf } from './connect-phases.js';
import { SourceResolver } from './source-resolver.js';

/** The parts of a V8 .cpuprofile (Chrome DevTools format) the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

/** One row: a name and the share of sampled time. */
export interface ProfileRow {
  name: string;
  ms: number;
  percent: number;
}

/** Where a profiled process spent its time. */
export interface ProfileSummary {
  totalMs: number;
  /** Self time grouped by origin: our source files, packages, Node internals, native/GC/idle. */
  byOrigin: ProfileRow[];
  /** Self time of single functions. */
  selfByFunction: ProfileRow[];
  /** Inclusive time (self + callees) of the functions in our own source (apps/, libs/, bench/). */
  inclusiveOwn: ProfileRow[];
  /** Every sample put in one phase of a connection's life (connect-phases.ts). */
  byPhase: ProfileRow[];
}

const OWN_SOURCE = /(?:^|\/)(?:dist\/)?((?:apps|libs|bench)\/[^?#]+)$/;

/** Names the origin of a call frame: `apps/gateway/src/hub/hub.js`, `pkg:ws`, `node:net`, `(native)`. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const own = OWN_SOURCE.exec(url);
  if (own && !url.includes('/node_modules/')) return own[1];
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

/**
 * Summarises a .cpuprofile file: the top `limit` rows of each view. Frames of a bundle (the apps run
 * as dist/apps/<app>/src/main.bundle.js) are read through its source map, so that they are named by
 * the file they came from (a package, or our own source) rather than all by the bundle.
 */
export function summarizeProfile(path: string, limit = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const sources = new SourceResolver();
  for (const node of profile.nodes) sources.resolve(node.callFrame);
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const label = (id: number): string => {
    const frame = nodes.get(id)!.callFrame;
    return `${frame.functionName || '(anonymous)'} ${originOf(frame.url, frame.functionName)}:${frame.lineNumber + 1}`;
  };
  for (const [id, micros] of selfMicros) {
    const frame = nodes.get(id)!.callFrame;
    add(byOrigin, originOf(frame.url, frame.functionName), micros);
    add(byFunction, label(id), micros);
  }
  const inclusive = new Map<string, number>();
  const totals = new Map<number, number>();
  const totalOf = (id: number): number => {
    const cached = totals.get(id);
    if (cached !== undefined) return cached;
    const node = nodes.get(id)!;
    const sum = (selfMicros.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + totalOf(child), 0);
    totals.set(id, sum);
    return sum;
  };
  // Inclusive time per own function, counted once per call path (outermost frame of a recursion wins).
  const walk = (id: number, onPath: Set<string>): void => {
    const node = nodes.get(id)!;
    const key = label(id);
    const own = OWN_SOURCE.test(node.callFrame.url) && !node.callFrame.url.includes('/node_modules/');
    const fresh = own && !onPath.has(key);
    if (fresh) {
      add(inclusive, key, totalOf(id));
      onPath.add(key);
    }
    for (const child of node.children ?? []) walk(child, onPath);
    if (fresh) onPath.delete(key);
  };
  walk(profile.nodes[0].id, new Set());
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byPhase = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const stack: { functionName: string; origin: string }[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)!.callFrame;
      stack.push({ functionName: frame.functionName, origin: originOf(frame.url, frame.functionName) });
    }
    add(byPhase, phaseOf(stack), micros);
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => ({ name, ms: Math.round(micros / 1e3), percent: Math.round((micros / total) * 1000) / 10 }));
  return {
    totalMs: Math.round(total / 1e3),
    byOrigin: rows(byOrigin),
    selfByFunction: rows(byFunction),
    inclusiveOwn: rows(inclusive),
    byPhase: rows(byPhase),
  };
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}
