import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRpcConfig, RpcConfigError } from './rpc-config.js';

test('defaults: 127.0.0.1:50051, no JWT secret, 30 calls, info level, text logs', () => {
  const config = loadRpcConfig({});
  assert.equal(config.host, '127.0.0.1:50051');
  assert.equal(config.jwtSecret, undefined);
  assert.equal(config.maxConcurrentCalls, 30);
  assert.deepEqual(config.logLevels, ['fatal', 'error', 'warn', 'log']);
  assert.equal(config.logFormat, 'text');
});

test('accepts IPv4, IPv6 and named hosts', () => {
  for (const host of ['0.0.0.0:50051', '[::]:50051', '[::1]:1', 'anycable-rpc:50051', 'localhost:65535']) {
    assert.equal(loadRpcConfig({ ANYCABLE_RPC_HOST: host }).host, host);
  }
});

test('reads every variable', () => {
  const config = loadRpcConfig({
    JWT_SECRET: 's3cret',
    ANYCABLE_RPC_POOL_SIZE: '64',
    ANYCABLE_LOG_LEVEL: 'DEBUG',
    ANYCABLE_LOG_FORMAT: 'json',
  });
  assert.equal(config.jwtSecret, 's3cret');
  assert.equal(config.maxConcurrentCalls, 64);
  assert.ok(config.logLevels.includes('debug'));
  assert.equal(config.logFormat, 'json');
});

const bad: Array<[string, string, RegExp]> = [
  ['ANYCABLE_RPC_HOST', 'localhost', /ANYCABLE_RPC_HOST must be host:port/],
  ['ANYCABLE_RPC_HOST', '127.0.0.1:99999', /port in 1\.\.65535/],
  ['ANYCABLE_RPC_HOST', '127.0.0.1:0', /port in 1\.\.65535/],
  ['ANYCABLE_RPC_HOST', 'http://x:1', /ANYCABLE_RPC_HOST/],
  ['ANYCABLE_RPC_POOL_SIZE', 'many', /ANYCABLE_RPC_POOL_SIZE must be a positive integer/],
  ['ANYCABLE_RPC_POOL_SIZE', '0', /ANYCABLE_RPC_POOL_SIZE/],
  ['ANYCABLE_RPC_POOL_SIZE', '1.5', /ANYCABLE_RPC_POOL_SIZE/],
  ['ANYCABLE_LOG_LEVEL', 'loud', /ANYCABLE_LOG_LEVEL must be one of debug, info, warn, error/],
  ['ANYCABLE_LOG_FORMAT', 'xml', /ANYCABLE_LOG_FORMAT must be one of text, json/],
];
for (const [name, value, pattern] of bad) {
  test(`refuses ${name}=${value} with an error naming the variable`, () => {
    assert.throws(() => loadRpcConfig({ [name]: value }), (error: unknown) => error instanceof RpcConfigError && pattern.test(error.message));
  });
}
