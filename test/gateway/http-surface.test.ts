import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { startApp } from '../support/index.js';

describe('gateway HTTP surface for a user poking at it', () => {
  let gateway: GatewayProcess;
  before(async () => {
    gateway = await startGateway({ ANYCABLE_BROADCAST_ADAPTER: 'http', ANYCABLE_PATH: '/cable,/ws' });
  });
  after(async () => {
    await gateway?.stop();
  });

  test('a plain GET on a WebSocket path gets 400 with Sec-WebSocket-Version: 13 (as anycable-go), not a JSON 404', async () => {
    for (const path of ['/cable', '/ws']) {
      const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`);
      assert.equal(response.status, 400, path);
      assert.equal(response.headers.get('sec-websocket-version'), '13');
      assert.match(await response.text(), /^Bad Request: this is a WebSocket endpoint/);
    }
    // Other paths are still unknown.
    assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/nothing-here`)).status, 404);
  });

  test('no X-Powered-By header', async () => {
    for (const path of ['/health', '/cable', '/nothing-here']) {
      const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`);
      await response.arrayBuffer();
      assert.equal(response.headers.get('x-powered-by'), null, path);
    }
  });

  test('a busy port: one line naming the option, exit 1, no stack trace', async () => {
    const second = startApp('gateway', { ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(gateway.port), ANYCABLE_BROADCAST_ADAPTER: 'http' });
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', resolve));
    assert.equal(code, 1);
    const errors = second
      .output()
      .split('\n')
      .filter((line) => /ERROR|failed|EADDRINUSE|^\s+at /.test(line));
    assert.deepEqual(errors, [`Gateway failed to start: 127.0.0.1:${gateway.port} is already in use: choose another with --port (ANYCABLE_PORT or PORT)`]);
  });
});
