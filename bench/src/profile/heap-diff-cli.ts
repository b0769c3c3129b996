/**
 * `node dist/bench/src/profile/heap-diff-cli.js <empty.heapsnapshot> <loaded.heapsnapshot> [connections] [rows]`:
 * what a loaded server holds beyond the empty one, by kind of object, per connection when given
 * (snapshots from `node --heapsnapshot-signal=SIGUSR2 …` then `kill -USR2 <pid>`).
 */
import { diffHeapSummaries, summarizeHeapSnapshot } from './heap-snapshot-summary.js';

const [emptyPath, loadedPath, connections = '1', rowCount = '40'] = process.argv.slice(2);
if (!emptyPath || !loadedPath) {
  process.stderr.write('usage: heap-diff-cli <empty.heapsnapshot> <loaded.heapsnapshot> [connections] [rows]\n');
  process.exit(2);
}
const per = Number(connections);
const rows = diffHeapSummaries(summarizeHeapSnapshot(emptyPath), summarizeHeapSnapshot(loadedPath), per);
const total = rows.reduce((sum, row) => sum + row.bytes, 0);
process.stdout.write(`total ${total.toFixed(0)} bytes${per > 1 ? ' per connection' : ''}\n`);
process.stdout.write('bytes\tcount\tkind\n');
for (const row of rows.slice(0, Number(rowCount))) process.stdout.write(`${row.bytes.toFixed(1)}\t${row.count.toFixed(2)}\t${row.kind}\n`);
