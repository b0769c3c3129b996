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
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('exit', (code, signal) => {
  const executed = /tests (\d+)/.exec(tail);
  if (!executed || Number(executed[1]) === 0) {
    console.error('the test runner executed no test: failing the run');
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
