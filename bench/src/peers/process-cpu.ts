import { readFileSync } from 'node:fs';

/**
 * Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ). It is 100 on every Linux
 * ABI Node runs on (the kernel fixes it for user space), so it is not read from sysconf.
 */
const USER_HZ = 100;

/** CPU time a process has used so far (user + system), in milliseconds, from /proc/<pid>/stat. */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of proc(5); the slice starts at field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`no utime/stime in /proc/${pid}/stat`);
  return (ticks * 1000) / USER_HZ;
}

/** A named process whose CPU time a scenario reads before and after a phase. */
export interface CpuProbe {
  name: string;
  pid: number;
}

/** CPU milliseconds each probe used between `start()` and the returned function's call. */
export function startCpuMeter(probes: readonly CpuProbe[]): () => { name: string; cpuMs: number }[] {
  const before = probes.map((probe) => readCpuMs(probe.pid));
  return () => probes.map((probe, index) => ({ name: probe.name, cpuMs: readCpuMs(probe.pid) - before[index] }));
}
