import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hasProgram, REPO_ROOT, startRedis, type TestService } from '../support/index.js';
import { runDemoScenario } from '../support/demo-scenario.js';
import { parseEnvFile, readCompose, type ComposeService } from './compose-file.js';
import { startLocalDeployment, type LocalDeployment } from './local-deployment.js';

/** The seed deployment's settings (../shared/spec/broadcasting-and-config.md, last section). */
const SEED_ENV = {
  ANYCABLE_HOST: '0.0.0.0',
  ANYCABLE_PORT: '8181',
  ANYCABLE_PATH: '/ws',
  ANYCABLE_RPC_HOST: 'anycable-rpc:50051',
  ANYCABLE_HEADERS: 'COOKIE,AUTHORIZATION,ORIGIN',
  ANYCABLE_REDIS_URL: 'redis://redis:6379/1',
  ANYCABLE_LOG_LEVEL: 'info',
  ANYCABLE_DEBUG: 'false',
};
/** The port the redis image listens on (the compose file relies on its default). */
const REDIS_CONTAINER_PORT = 6379;

function run(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('docker-compose.yaml', () => {
  test('.env holds the seed deployment\'s settings', () => {
    const env = parseEnvFile(readFileSync(join(REPO_ROOT, '.env'), 'utf8'));
    for (const [name, value] of Object.entries(SEED_ENV)) assert.equal(env[name], value, name);
    assert.ok(env.JWT_SECRET, 'JWT_SECRET is set for the RPC app');
  });

  test('`docker-compose config` accepts it: services, health checks, depends_on conditions, restart policies', async (t) => {
    if (!hasProgram('docker-compose')) return t.skip('docker-compose is not installed (Debian package docker-compose): not validated');
    const result = await run('docker-compose', ['-f', 'docker-compose.yaml', 'config']);
    assert.equal(result.code, 0, result.stderr);
    const config = parse(result.stdout) as {
      services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; restart?: string; expose?: string[]; ports?: Array<{ published: number; target: number }> }>;
    };
    assert.deepEqual(Object.keys(config.services).sort(), ['anycable', 'anycable-rpc', 'redis']);
    for (const [name, service] of Object.entries(config.services)) {
      assert.equal(service.healthcheck?.test[0], 'CMD', `${name} has a health check`);
      assert.equal(service.restart, 'unless-stopped', `${name} restarts`);
    }
    const gateway = config.services.anycable!;
    const rpc = config.services['anycable-rpc']!;
    assert.deepEqual(gateway.command, ['node', 'dist/apps/gateway/src/main.bundle.js']);
    assert.deepEqual(rpc.command, ['node', 'dist/apps/rpc/src/main.bundle.js']);
    assert.equal(gateway.image, rpc.image, 'one image for both apps');
    for (const [name, value] of Object.entries(SEED_ENV)) assert.equal(gateway.environment?.[name], value, `anycable ${name}`);
    assert.equal(rpc.environment?.ANYCABLE_RPC_HOST, '[::]:50051');
    assert.equal(rpc.environment?.ANYCABLE_REDIS_URL, SEED_ENV.ANYCABLE_REDIS_URL);
    assert.equal(gateway.environment?.ANYCABLE_BROADCAST_ADAPTER, rpc.environment?.ANYCABLE_BROADCAST_ADAPTER, 'both sides of broadcasting agree');
    assert.deepEqual(gateway.ports, [{ published: 8181, target: 8181 }]);
    assert.deepEqual(rpc.expose, ['50051']);
    assert.deepEqual(gateway.depends_on, { 'anycable-rpc': { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    assert.deepEqual(rpc.depends_on, { redis: { condition: 'service_healthy' } });
    // The page's cable URL is the gateway's published port and path.
    const cableUrl = new URL(rpc.environment!.CABLE_URL!);
    assert.equal(Number(cableUrl.port), gateway.ports![0]!.published);
    assert.equal(cableUrl.pathname, SEED_ENV.ANYCABLE_PATH);
  });
});

/**
 * No Docker engine runs here: the services' own commands run as local processes with their compose
 * environment (service names → 127.0.0.1, Redis → a private server), and the demo scenario runs
 * through them. This proves the wiring of the compose file, not only its syntax.
 */
describe('the compose services, run locally with their compose environment', () => {
  let redis: TestService;
  let deployment: LocalDeployment | undefined;
  let services: Map<string, ComposeService>;

  before(async () => {
    services = readCompose(REPO_ROOT);
    redis = await startRedis();
    deployment = await startLocalDeployment(
      services,
      new Map([['redis', { containerPort: REDIS_CONTAINER_PORT, port: redis.port }]]),
      { NODE_ENV: 'production' }, // as the Dockerfile's runtime stage sets
    );
  });
  after(async () => {
    await deployment?.stop();
    await redis?.stop();
  });

  test('each service got its compose environment, with service names mapped to this host', () => {
    const gateway = deployment!.services.get('anycable')!;
    const rpc = deployment!.services.get('anycable-rpc')!;
    const rpcPort = rpc.ports.get(50051)!;
    assert.equal(gateway.environment.ANYCABLE_RPC_HOST, `127.0.0.1:${rpcPort}`);
    assert.equal(rpc.environment.ANYCABLE_RPC_HOST, `[::]:${rpcPort}`);
    assert.equal(gateway.environment.ANYCABLE_REDIS_URL, `redis://127.0.0.1:${redis.port}/1`);
    assert.equal(rpc.environment.ANYCABLE_REDIS_URL, `redis://127.0.0.1:${redis.port}/1`);
    assert.equal(gateway.environment.ANYCABLE_PATH, '/ws');
    assert.equal(rpc.environment.CABLE_URL, `ws://localhost:${gateway.ports.get(8181)}/ws`);
    assert.match(gateway.process!.output(), /Gateway listening on 0\.0\.0\.0:\d+/);
    assert.match(rpc.process!.output(), /RPC server listening on \[::\]:\d+/);
  });

  test('the demo page points at the gateway; the demo scenario runs through the services', async () => {
    const gateway = deployment!.services.get('anycable')!;
    const rpc = deployment!.services.get('anycable-rpc')!;
    const httpUrl = `http://127.0.0.1:${rpc.ports.get(3000)}`;
    const page = await (await fetch(`${httpUrl}/`)).text();
    const cableUrl = /<meta name="action-cable-url" content="([^"]+)">/.exec(page)?.[1];
    assert.equal(cableUrl, rpc.environment.CABLE_URL);
    // The browser's URL, with 127.0.0.1 for localhost: the gateway listens on IPv4 (0.0.0.0).
    await runDemoScenario({ cableUrl: cableUrl!.replace('//localhost:', '//127.0.0.1:'), httpUrl });
    assert.match(gateway.process!.output(), /broadcast=redis/);
  });

  test('`docker-compose down` (SIGTERM) stops both apps with exit code 0', async () => {
    const codes = await deployment!.stop();
    deployment = undefined;
    assert.deepEqual(Object.fromEntries(codes), { anycable: 0, 'anycable-rpc': 0 });
  });
});
