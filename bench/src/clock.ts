/**
 * One clock for every process of a run: the publisher stamps a broadcast with it and each client
 * subtracts on receipt. process.hrtime() reads CLOCK_MONOTONIC, which is system-wide on Linux, so
 * stamps compare across processes of the same machine with microsecond resolution (Date.now() has
 * only milliseconds, and performance.now() starts at each process's own origin).
 */
export function nowMicros(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e6 + nanoseconds / 1e3;
}

/** Milliseconds elapsed since a nowMicros() reading. */
export function millisSince(startMicros: number): number {
  return (nowMicros() - startMicros) / 1e3;
}
