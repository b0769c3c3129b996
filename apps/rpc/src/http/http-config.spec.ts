import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcConfigError } from '../config/rpc-config.js';
import { loadHttpConfig } from './http-config.js';

test('no HTTP server unless RPC_HTTP_PORT is set', () => {
  assert.equal(loadHttpConfig({}), null);
  assert.equal(loadHttpConfig({ RPC_HTTP_PORT: ' ', CABLE_URL: 'ws://x/cable' }), null);
});

test('defaults: 127.0.0.1 and the gateway default URL ws://localhost:8080/cable', () => {
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '3000' }), { host: '127.0.0.1', port: 3000, cableUrl: 'ws://localhost:8080/cable', httpRpc: null });
});

test('reads every variable; port 0 asks for a free port', () => {
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '0', RPC_HTTP_HOST: '::', CABLE_URL: 'wss://cable.example.com/ws' }), {
    host: '::',
    port: 0,
    cableUrl: 'wss://cable.example.com/ws',
    httpRpc: null,
  });
});

test('RPC over HTTP: mount path, explicit secret, else derived from ANYCABLE_SECRET as anycable-go does', () => {
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '3000', ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable/', ANYCABLE_HTTP_RPC_SECRET: 'k' })?.httpRpc, { path: '/_anycable', secret: 'k' });
  // echo -n 'rpc-cable' | openssl dgst -sha256 -hmac 's3cret' (anycable docs/rpc.md)
  assert.deepEqual(loadHttpConfig({ RPC_HTTP_PORT: '3000', ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable', ANYCABLE_SECRET: 's3cret' })?.httpRpc, {
    path: '/_anycable',
    secret: 'edc2c1644849b3652a76c9230c6ddd1b3af60d5ab9c1822af2c0b60653f773a8',
  });
  assert.equal(loadHttpConfig({ RPC_HTTP_PORT: '3000', ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable' })?.httpRpc?.secret, '');
});

const bad: Array<[Record<string, string>, RegExp]> = [
  [{ RPC_HTTP_PORT: 'http' }, /RPC_HTTP_PORT must be a port number/],
  [{ RPC_HTTP_PORT: '70000' }, /RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '-1' }, /RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '3000', RPC_HTTP_HOST: '127.0.0.1:3000/x' }, /RPC_HTTP_HOST must be a host name/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'http://localhost:8080/cable' }, /CABLE_URL must be a ws:\/\/ or wss:\/\/ URL/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'localhost:8080' }, /CABLE_URL/],
  [{ RPC_HTTP_PORT: '3000', CABLE_URL: 'ws://localhost:8080/cable#x' }, /CABLE_URL/],
  [{ ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable' }, /needs the HTTP server: set RPC_HTTP_PORT/],
  [{ RPC_HTTP_PORT: '3000', ANYCABLE_HTTP_RPC_MOUNT_PATH: '_anycable' }, /ANYCABLE_HTTP_RPC_MOUNT_PATH must be a path/],
];
for (const [env, pattern] of bad) {
  test(`refuses ${JSON.stringify(env)} with an error naming the variable`, () => {
    assert.throws(() => loadHttpConfig(env), (error: unknown) => error instanceof RpcConfigError && pattern.test(error.message));
  });
}
