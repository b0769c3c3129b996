import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A child process started by a test, with its output kept for failure messages. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Resolves when the output matches `pattern`; rejects if the process exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and waits for the exit; SIGKILLs after `graceMs`. Resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Starts a command with extra env; its output is kept, and echoed when TEST_VERBOSE is set. */
export function startProcess(command: string, args: string[], env: Record<string, string> = {}, name = command): RunningProcess {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    const text = chunk.toString();
    log += text;
    if (log.length > 2_000_000) log = log.slice(-1_000_000);
    if (process.env.TEST_VERBOSE) process.stderr.write(`[${name}] ${text}`);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  return {
    child,
    output: () => log,
    waitForOutput(pattern, timeoutMs = 15_000) {
      return new Promise((resolvePromise, reject) => {
        const check = (): void => {
          const match = log.match(pattern);
          if (match) {
            cleanup();
            resolvePromise(match);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: no output matching ${pattern} after ${timeoutMs} ms; output:\n${log.slice(-4000)}`));
        }, timeoutMs);
        const onExit = (): void => {
          cleanup();
          reject(new Error(`${name} exited (code ${child.exitCode}) before printing ${pattern}; output:\n${log.slice(-4000)}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Starts a built app of this repository as production runs it (`npm run start:<app>`, the Dockerfile,
 * docker-compose): `node dist/apps/<app>/src/main.bundle.js`, the bundle of scripts/bundle.mjs (the gateway's is split into chunks).
 */
export function startApp(app: 'gateway' | 'rpc', env: Record<string, string>): RunningProcess {
  return startProcess(process.execPath, [`dist/apps/${app}/src/main.bundle.js`], env, app);
}

/** True if `program` is on the PATH. */
export function hasProgram(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}
