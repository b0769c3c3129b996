/**
 * Exponential backoff with "full jitter": attempt 1 waits up to `baseMs`, each further attempt doubles,
 * capped at `maxMs`. Jitter keeps many app instances from reconnecting in lock-step after an outage.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
