/** Settings of a bench peer server process, from its environment (the bench sets them when it starts one). */
export interface PeerServerEnv {
  host: string;
  port: number;
  redisUrl: string;
  redisChannel: string;
}

/** Reads BENCH_HOST, BENCH_PORT, BENCH_REDIS_URL and BENCH_REDIS_CHANNEL; a bad value is a clear error. */
export function readPeerServerEnv(env: NodeJS.ProcessEnv = process.env): PeerServerEnv {
  const port = Number(env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`BENCH_PORT must be a TCP port number, got ${JSON.stringify(env.BENCH_PORT)}`);
  }
  const redisUrl = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    new URL(redisUrl);
  } catch (error) {
    throw new Error(`BENCH_REDIS_URL is not a URL (${JSON.stringify(redisUrl)}): ${(error as Error).message}`);
  }
  return {
    host: env.BENCH_HOST ?? '127.0.0.1',
    port,
    redisUrl,
    redisChannel: env.BENCH_REDIS_CHANNEL ?? '__anycable__',
  };
}

/** Ends the process on SIGTERM/SIGINT through process.exit, so `--cpu-prof` gets to write its profile. */
export function exitOnSignals(cleanup: () => Promise<void> | void): void {
  const stop = (signal: string): void => {
    Promise.resolve()
      .then(cleanup)
      .catch((error: unknown) => process.stderr.write(`cleanup after ${signal} failed: ${String(error)}\n`))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
