// `npm run bench -- <args>`: runs dist/bench/src/cli.js, building first only when dist/ is missing or
// older than a source (the TypeScript, the tsconfigs, package.json or the lock file). `--help`/`-h`
// never builds when a built CLI exists.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CLI = 'dist/bench/src/cli.js';
/** Written last by `npm run build` (scripts/bundle.mjs runs after tsc): its age is the build's. */
const BUILD_STAMP = 'dist/apps/rpc/src/main.bundle.js';
const SOURCE_DIRS = ['apps', 'libs', 'bench/src', 'test', 'scripts'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];

const args = process.argv.slice(2);
const wantsHelp = args.includes('--help') || args.includes('-h');

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name));
    } else if (/\.(ts|mjs|json)$/.test(path)) newest = Math.max(newest, stats.mtimeMs);
  };
  for (const path of [...SOURCE_DIRS, ...SOURCE_FILES]) if (existsSync(path)) visit(path);
  return newest;
}

function isFresh() {
  if (!existsSync(CLI) || !existsSync(BUILD_STAMP)) return false;
  return statSync(BUILD_STAMP).mtimeMs >= newestSource();
}

if (!(wantsHelp && existsSync(CLI)) && !isFresh()) {
  process.stderr.write('bench: dist/ is older than the sources: npm run build\n');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const bench = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit' });
// Ctrl-C reaches the bench through the terminal's process group: this wrapper waits for its cleanup
// instead of exiting first. A SIGTERM sent to this process alone is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => bench.kill('SIGTERM'));
bench.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
