import { spawnSync } from 'node:child_process';

/**
 * Shell prefix that raises the soft open-files limit to the hard one before `exec`ing a process:
 * a server or load worker holding 10,000 sockets needs more than the common soft default of 1024.
 * The pid stays the same through `exec`, so the bench still measures the right process.
 */
export const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true';

/** The hard open-files limit of processes this one starts (what RAISE_FD_LIMIT raises them to). */
export function hardFdLimit(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const value = result.stdout.trim();
  return value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
}
