import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem, type } from 'node:os';
import type { MachineInfo } from './results.js';

/** The machine a run measured on, as the README's results table shows it. */
export function describeMachine(): MachineInfo {
  const lscpu = spawnSync('lscpu', [], { encoding: 'utf8' });
  const model = /^Model name:\s*(.+)$/m.exec(lscpu.stdout ?? '')?.[1]?.trim();
  return {
    cpuModel: model ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
  };
}
