/**
 * What the gateway's bundle reads at start, by configuration. The split bundle (scripts/bundle.mjs)
 * keeps each optional dependency in a chunk that only the configuration using it imports: a static
 * import added anywhere on the start path would pull it back into every start (time and RSS), and no
 * other test would notice. esbuild marks each bundled module with a `// <path>` comment, so the
 * chunks a process loaded tell which packages it read. Not a timing: which code loads, nothing else.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startProcess } from '../support/index.js';

const BUNDLE_DIR = 'dist/apps/gateway/src';
/** Packages only some configurations use, and what turns each on. */
const OPTIONAL = ['nats', 'ioredis', 'undici', 'prom-client', 'jsonwebtoken', 'express'] as const;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-footprint-'));
  // Module hooks run off the main thread: each loaded file of the bundle is appended to LOADED_LIST.
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.includes('/main.bundle')) appendFileSync(process.env.LOADED_LIST, url + '\\n');
  return next(url, context);
}`;
  writeFileSync(join(dir, 'hooks.mjs'), hooks);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the bundle with `env`, waits until it listens, stops it; the packages whose code it loaded. */
async function packagesLoaded(name: string, env: Record<string, string>): Promise<Set<string>> {
  const list = join(dir, `${name}.txt`);
  const gateway = startProcess(process.execPath, ['--import', join(dir, 'register.mjs'), `${BUNDLE_DIR}/main.bundle.js`], {
    ANYCABLE_HOST: '127.0.0.1',
    ANYCABLE_PORT: '0',
    ANYCABLE_BROADCAST_ADAPTER: 'http',
    LOADED_LIST: list,
    ...env,
  }, `gateway (${name})`);
  try {
    await gateway.waitForOutput(/Gateway listening on/, 20_000);
  } finally {
    await gateway.stop('SIGKILL');
  }
  assert.ok(existsSync(list), 'the load hook saw no file of the bundle');
  const files = new Set(readFileSync(list, 'utf8').trim().split('\n'));
  const packages = new Set<string>();
  for (const url of files) {
    for (const match of readFileSync(new URL(url), 'utf8').matchAll(/^\/\/ \S*node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm)) packages.add(match[1]!);
  }
  return packages;
}

describe('gateway start footprint: optional dependencies load only when configured', () => {
  test('the default configuration loads none of them (but does load what it needs)', async () => {
    const loaded = await packagesLoaded('default', {});
    for (const name of ['@nestjs/core', '@grpc/grpc-js', 'ws', 'pino']) assert.ok(loaded.has(name), `${name} is needed at start: ${[...loaded].join(', ')}`);
    assert.deepEqual(OPTIONAL.filter((name) => loaded.has(name)), []);
  });

  test('each is loaded once its feature is configured', async () => {
    const loaded = await packagesLoaded('configured', {
      ANYCABLE_METRICS_HTTP: '/metrics',
      ANYCABLE_JWT_SECRET: 'footprint-secret',
      ANYCABLE_RPC_IMPL: 'http',
      ANYCABLE_RPC_HOST: 'http://127.0.0.1:9/_anycable',
    });
    for (const name of ['prom-client', 'jsonwebtoken', 'undici']) assert.ok(loaded.has(name), `${name} not loaded: ${[...loaded].join(', ')}`);
    assert.ok(!loaded.has('express'), 'the gateway serves HTTP without Express');
  });
});
