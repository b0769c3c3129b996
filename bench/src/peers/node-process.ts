import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RAISE_FD_LIMIT } from '../fd-limit.js';
import { REPO_ROOT, startProcess, type RunningProcess } from '../../../test/support/index.js';

/** How to start one Node server of a peer. */
export interface NodeProcessOptions {
  /** Script path relative to the repository root, e.g. `dist/apps/gateway/src/main.js`. */
  script: string;
  env: Record<string, string>;
  name: string;
  /** Output that says the server is ready. */
  ready: RegExp;
  readyTimeoutMs?: number;
  inspect?: boolean;
  cpuProfDir?: string;
}

/** A started Node server with what the bench needs to measure it. */
export interface NodeProcess {
  readonly process: RunningProcess;
  readonly pid: number;
  readonly inspectorUrl?: string;
}

const INSPECTOR_LINE = /Debugger listening on (ws:\/\/\S+)/;

/** True when the compiled script exists (`npm run build` has run). */
export function scriptBuilt(script: string): boolean {
  return existsSync(join(REPO_ROOT, script));
}

/**
 * Starts `node [flags] <script>` (open-files limit raised, same pid after exec) and waits for its ready line. Flags: `--inspect=127.0.0.1:0` when asked
 * (the bench then forces GC through the inspector), `--cpu-prof` into a directory when profiling.
 */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const flags: string[] = [];
  if (options.inspect) flags.push('--inspect=127.0.0.1:0');
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child = startProcess('sh', ['-c', `${RAISE_FD_LIMIT}; exec "$@"`, 'sh', process.execPath, ...flags, options.script], options.env, options.name);
  try {
    await child.waitForOutput(options.ready, options.readyTimeoutMs ?? 30_000);
    const inspectorUrl = options.inspect ? (await child.waitForOutput(INSPECTOR_LINE, 5_000))[1] : undefined;
    const pid = child.child.pid;
    if (pid === undefined) throw new Error(`${options.name} has no pid`);
    return { process: child, pid, inspectorUrl };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}
