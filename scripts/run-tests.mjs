// Runs every compiled test with node's test runner and refuses a run that executed nothing.
// Unit tests live beside their units (dist/**/src/**/*.spec.js); end-to-end tests in dist/test/**/*.test.js.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = 'dist';
const only = process.argv.slice(2);

function collect(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules') collect(path, out);
    } else if (/\.(spec|test)\.js$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

const files = collect(root)
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort((a, b) => Number(a.endsWith('.test.js')) - Number(b.endsWith('.test.js')) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`no test files found under ${root}/ ${only.length ? `matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}

// Files run one at a time by default: end-to-end files start real processes, and the machine has 2 cores.
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
// A hung test must fail, not hold CI until its time limit: each test gets TEST_TIMEOUT_MS (default 3 min),
// and the whole run TEST_RUN_TIMEOUT_MS (default 30 min), after which it is killed and fails.
const testTimeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 180_000);
const runTimeoutMs = Number(process.env.TEST_RUN_TIMEOUT_MS ?? 1_800_000);
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, '--test-reporter=spec', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
);
const watchdog = setTimeout(() => {
  console.error(`the test run exceeded ${runTimeoutMs} ms: killing it`);
  process.kill(-child.pid, 'SIGKILL');
}, runTimeoutMs);
watchdog.unref();
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  const executed = /tests (\d+)/.exec(tail);
  if (!executed || Number(executed[1]) === 0) {
    console.error('the test runner executed no test: failing the run');
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
