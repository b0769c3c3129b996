import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** How a child ended: its exit code, or the signal that killed it. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One app of `npm start` as a child process: every output line prefixed with the app's name, so two
 * apps' logs stay readable in one terminal.
 */
export class AppProcess {
  readonly exited: Promise<AppExit>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    script: string,
    options: { cwd: string; env: Record<string, string | undefined>; prefix: string; out: Writable },
  ) {
    // detached: the app gets its own process group, so a Ctrl-C in the terminal reaches the launcher
    // only, and the launcher decides the order of the stops (the gateway first: its Disconnect calls
    // must still find the RPC app).
    this.child = spawn(process.execPath, [script], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of [this.child.stdout!, this.child.stderr!]) prefixLines(stream, options.prefix, options.out);
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    // A spawn failure (no such file) also ends in 'exit' or is reported here; never an unhandled 'error'.
    this.child.on('error', (error) => options.out.write(`${options.prefix}failed to start: ${error.message}\n`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (if still running) and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<AppExit> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL at once (a second Ctrl-C, or the launcher itself exiting). */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

/** Writes each complete line of `input` to `out` with `prefix`; a last partial line when the stream ends. */
function prefixLines(input: NodeJS.ReadableStream, prefix: string, out: Writable): void {
  let pending = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    if (lines.length > 0) out.write(lines.map((line) => `${prefix}${line}\n`).join(''));
  });
  input.on('end', () => {
    if (pending) out.write(`${prefix}${pending}\n`);
    pending = '';
  });
}
