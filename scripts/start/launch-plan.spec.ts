import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LaunchConfigError, planLaunch } from './launch-plan.js';

const fixedSecret = (): string => 'made-up';

test('the embedded default: gateway 127.0.0.1:8080, RPC 127.0.0.1:50051, demo on 3000, HTTP broadcasting with a made-up key', () => {
  const plan = planLaunch({}, fixedSecret);
  assert.deepEqual(plan.gateway.env, {
    ANYCABLE_HOST: '127.0.0.1',
    ANYCABLE_PORT: '8080',
    ANYCABLE_RPC_HOST: '127.0.0.1:50051',
    ANYCABLE_JWT_SECRET: 'made-up',
    ANYCABLE_STREAMS_SECRET: 'made-up',
    ANYCABLE_BROKER: 'memory',
    ANYCABLE_BROADCAST_ADAPTER: 'http',
    ANYCABLE_BROADCAST_KEY: 'made-up',
  });
  assert.deepEqual(plan.rpc.env, {
    ANYCABLE_RPC_HOST: '127.0.0.1:50051',
    RPC_HTTP_HOST: '127.0.0.1',
    RPC_HTTP_PORT: '3000',
    CABLE_URL: 'ws://127.0.0.1:8080/cable',
    JWT_SECRET: 'made-up',
    ANYCABLE_STREAMS_SECRET: 'made-up',
    ANYCABLE_BROADCAST_ADAPTER: 'http',
    ANYCABLE_HTTP_BROADCAST_URL: 'http://127.0.0.1:8080/_broadcast',
    ANYCABLE_BROADCAST_KEY: 'made-up',
  });
  assert.equal(plan.demoUrl, 'http://127.0.0.1:3000/');
  assert.equal(plan.gateway.healthUrl, 'http://127.0.0.1:8080/health');
  assert.equal(plan.rpc.healthUrl, 'http://127.0.0.1:3000/health');
  assert.deepEqual(plan.generated, ['JWT_SECRET', 'ANYCABLE_BROADCAST_KEY']);
});

test('ports, paths and secrets come from the names the apps read', () => {
  const plan = planLaunch(
    {
      ANYCABLE_PORT: '9001',
      ANYCABLE_PATH: '/ws,/cable',
      ANYCABLE_RPC_HOST: '127.0.0.1:50100',
      RPC_HTTP_PORT: '9002',
      JWT_SECRET: 'mine',
      ANYCABLE_BROADCAST_KEY: 'key',
    },
    fixedSecret,
  );
  assert.equal(plan.cableUrl, 'ws://127.0.0.1:9001/ws');
  assert.equal(plan.rpc.env.ANYCABLE_HTTP_BROADCAST_URL, 'http://127.0.0.1:9001/_broadcast');
  assert.equal(plan.gateway.env.ANYCABLE_RPC_HOST, '127.0.0.1:50100');
  assert.equal(plan.rpc.env.ANYCABLE_RPC_HOST, '127.0.0.1:50100');
  assert.equal(plan.rpc.env.JWT_SECRET, 'mine');
  // A key given in the env reaches both apps through the inherited env; none is made up.
  assert.equal(plan.gateway.env.ANYCABLE_BROADCAST_KEY, undefined);
  assert.deepEqual(plan.generated, []);
  assert.equal(plan.demoUrl, 'http://127.0.0.1:9002/');
});

test('PORT works like ANYCABLE_PORT (the gateway reads both)', () => {
  assert.equal(planLaunch({ PORT: '9100' }, fixedSecret).cableUrl, 'ws://127.0.0.1:9100/cable');
  assert.equal(planLaunch({ PORT: '9100', ANYCABLE_PORT: '9200' }, fixedSecret).cableUrl, 'ws://127.0.0.1:9200/cable');
});

test('every-interface hosts: localhost for the browser, 127.0.0.1 for health checks; IPv6 in brackets', () => {
  const plan = planLaunch({ ANYCABLE_HOST: '0.0.0.0', RPC_HTTP_HOST: '::' }, fixedSecret);
  assert.equal(plan.cableUrl, 'ws://localhost:8080/cable');
  assert.equal(plan.rpc.env.ANYCABLE_HTTP_BROADCAST_URL, 'http://127.0.0.1:8080/_broadcast');
  assert.equal(plan.demoUrl, 'http://localhost:3000/');
  assert.equal(plan.gateway.healthUrl, 'http://127.0.0.1:8080/health');
  assert.equal(plan.rpc.healthUrl, 'http://127.0.0.1:3000/health');
  assert.equal(planLaunch({ RPC_HTTP_HOST: '::1' }, fixedSecret).demoUrl, 'http://[::1]:3000/');
});

test('another adapter (redis) is passed to both apps, with no HTTP broadcast settings', () => {
  const plan = planLaunch({ ANYCABLE_BROADCAST_ADAPTER: 'redis' }, fixedSecret);
  assert.equal(plan.gateway.env.ANYCABLE_BROADCAST_ADAPTER, 'redis');
  assert.equal(plan.rpc.env.ANYCABLE_BROADCAST_ADAPTER, 'redis');
  assert.equal(plan.rpc.env.ANYCABLE_HTTP_BROADCAST_URL, undefined);
  assert.equal(plan.gateway.env.ANYCABLE_BROADCAST_KEY, undefined);
  assert.equal(plan.broadcasting, 'redis');
});

test('CABLE_URL, when given, is what the page uses', () => {
  assert.equal(planLaunch({ CABLE_URL: 'wss://cable.example.com/cable' }, fixedSecret).rpc.env.CABLE_URL, 'wss://cable.example.com/cable');
});

for (const [env, pattern] of [
  [{ ANYCABLE_PORT: '0' }, /ANYCABLE_PORT must be a port number in 1\.\.65535/],
  [{ PORT: 'eighty' }, /PORT must be a port number/],
  [{ RPC_HTTP_PORT: '70000' }, /RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '8080' }, /RPC_HTTP_PORT and the gateway port \(ANYCABLE_PORT\) must differ/],
  [{ ANYCABLE_HTTP_BROADCAST_PORT: 'x' }, /ANYCABLE_HTTP_BROADCAST_PORT/],
] as const) {
  test(`refuses ${JSON.stringify(env)} naming the variable`, () => {
    assert.throws(() => planLaunch(env, fixedSecret), (error: unknown) => error instanceof LaunchConfigError && pattern.test(error.message));
  });
}
