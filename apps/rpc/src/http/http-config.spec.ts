import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcConfigError } from '../config/rpc-config.js';
import { loadHttpConfig } from './http-config.js';

test('no HTTP server unless RPC_HTTP_PORT is set', () => {
  assert.equal(loadHttpConfig({}), null);
  assert.equal(loadHttpConfig({ RPC_HTTP_PORT: ' ', CABLE_URL: 'ws://x/cable' }), null);
});

test('defaults: 127.0.0.1 and the gateway default URL ws://localhost:8080/cable', () => {
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '3000' }), { host: '127.0.0.1', port: 3000, cableUrl: 'ws://localhost:8080/cable' });
});

test('reads every variable; port 0 asks for a free port', () => {
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '0', RPC_HTTP_HOST: '::', CABLE_URL: 'wss://cable.example.com/ws' }), {
    host: '::',
    port: 0,
    cableUrl: 'wss://cable.example.com/ws',
  });
});

const bad: Array<[Record<string, string>, RegExp]> = [
  [{ RPC_HTTP_PORT: 'http' }, /RPC_HTTP_PORT must be a port number/],
  [{ RPC_HTTP_PORT: '70000' }, /RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '-1' }, /RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '3000', RPC_HTTP_HOST: '127.0.0.1:3000/x' }, /RPC_HTTP_HOST must be a host name/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'http://localhost:8080/cable' }, /CABLE_URL must be a ws:\/\/ or wss:\/\/ URL/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'localhost:8080' }, /CABLE_URL/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'ws://localhost:8080/cable#x' }, /CABLE_URL/],
];
for (const [env, pattern] of bad) {
  test(`refuses ${JSON.stringify(env)} with an error naming the variable`, () => {
    assert.throws(() => loadHttpConfig(env), (error: unknown) => error instanceof RpcConfigError && pattern.test(error.message));
  });
}
