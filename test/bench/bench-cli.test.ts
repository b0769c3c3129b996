import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../support/index.js';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run bench (scripts/bench.mjs → dist/bench/src/cli.js)', () => {
  for (const flag of ['--help', '-h']) {
    test(`${flag} prints the usage and exits 0`, async () => {
      const result = await run(['dist/bench/src/cli.js', flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Usage: npm run bench -- <scenario\.\.\.\|all> \[options\]/);
    });
  }

  test('a bad option still exits 2 with the usage', async () => {
    const result = await run(['dist/bench/src/cli.js', 'all', '--no-such-option']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option --no-such-option/);
  });

  test('--help through the npm script does not rebuild (dist/ is built)', async () => {
    const result = await run(['scripts/bench.mjs', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: npm run bench/);
    assert.doesNotMatch(result.stderr, /npm run build/);
  });
});
