import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/**
 * The session (socket) a piece of work runs for, so that `broadcast(..., { toOthers: true })`
 * can exclude it (`meta.exclude_socket`). The RPC app runs each command inside
 * `BroadcastContext.run(sid, ...)`; the value follows every `await` below it (AsyncLocalStorage).
 */
export class BroadcastContext {
  /** Runs `fn` with `socketId` as the current session id; returns what `fn` returns. */
  static run<T>(socketId: string, fn: () => T): T {
    return storage.run(socketId, fn);
  }

  /** The session id of the innermost enclosing `run`, or undefined outside of one. */
  static currentSocketId(): string | undefined {
    return storage.getStore();
  }
}
