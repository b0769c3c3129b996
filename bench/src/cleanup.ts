/**
 * Processes a run has started (peers, Redis, load workers), stopped on SIGINT/SIGTERM so an
 * interrupted run leaves nothing behind.
 */
const cleanups = new Set<() => Promise<void>>();

/** Registers a stop function; call the returned function once the resource is released normally. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  cleanups.add(stop);
  return () => {
    cleanups.delete(stop);
  };
}

/** Stops everything still registered (each at most once), logging failures. */
export async function stopEverything(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.all(
    pending.map((stop) => stop().catch((error: unknown) => process.stderr.write(`bench: cleanup failed: ${String(error)}\n`))),
  );
}

/** On SIGINT/SIGTERM: stop everything, then exit with 130/143. */
export function stopEverythingOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping the processes of this run\n`);
      void stopEverything().finally(() => process.exit(code));
    });
  }
}
