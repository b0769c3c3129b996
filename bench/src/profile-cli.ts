/**
 * `node dist/bench/src/profile-cli.js <file.cpuprofile> [rows]`: where a profiled server spent its
 * time (by origin, by function, and inclusive time of our own functions), for the profiles that
 * `npm run bench -- <scenario> --cpu-prof` writes.
 */
import { summarizeProfile, type ProfileRow } from './profile/cpu-profile-summary.js';

function print(title: string, rows: ProfileRow[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const row of rows) process.stdout.write(`${row.percent.toFixed(1).padStart(6)}% ${String(row.ms).padStart(7)} ms  ${row.name}\n`);
}

const [path, rows] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node dist/bench/src/profile-cli.js <file.cpuprofile> [rows]\n');
  process.exit(2);
}
const summary = summarizeProfile(path, Number(rows ?? 20));
process.stdout.write(`${path}: ${summary.totalMs} ms sampled\n`);
print('by phase (each sample once; see bench/src/profile/connect-phases.ts)', summary.byPhase);
print('self time by origin', summary.byOrigin);
print('self time by function', summary.selfByFunction);
print('inclusive time of our functions', summary.inclusiveOwn);
