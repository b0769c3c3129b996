import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Status } from '#libs/protocol';
import { freePort, startApp } from '../support/index.js';
import { createRpcClient, env } from './support/rpc-client.js';

/** True if this machine can listen on the IPv6 loopback. */
function ipv6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/** Starts the app listening on `listen`, calls it through each of `dials`, stops it with `signal`: exit 0 after closing. */
async function servesOn(listen: string, dials: string[], signal: NodeJS.Signals): Promise<void> {
  const app = startApp('rpc', { ANYCABLE_RPC_HOST: listen });
  try {
    const [line] = await app.waitForOutput(/RPC server listening on \S+/, 20_000);
    assert.equal(line, `RPC server listening on ${listen}`);
    for (const dial of dials) {
      const client = createRpcClient(dial);
      try {
        const response = await client.connect({ env: env() });
        assert.equal(response.status, Status.SUCCESS, response.error_msg);
      } finally {
        client.close();
      }
    }
  } finally {
    assert.equal(await app.stop(signal), 0, app.output().slice(-2000));
    assert.match(app.output(), new RegExp(`RPC server stopped \\(${signal}\\)`));
  }
}

function exitCode(app: ReturnType<typeof startApp>): Promise<number | null> {
  return new Promise((resolve) => (app.child.exitCode !== null ? resolve(app.child.exitCode) : app.child.once('exit', resolve)));
}

describe('RPC app lifecycle', () => {
  test('listens on 0.0.0.0:<port>, answers on 127.0.0.1, SIGTERM closes it and exits 0', async () => {
    const port = await freePort();
    await servesOn(`0.0.0.0:${port}`, [`127.0.0.1:${port}`], 'SIGTERM');
  });

  test('listens on [::]:<port>, answers on [::1] and 127.0.0.1, SIGINT closes it and exits 0', async (t) => {
    if (!(await ipv6Available())) return t.skip('no IPv6 loopback on this machine');
    const port = await freePort();
    await servesOn(`[::]:${port}`, [`[::1]:${port}`, `127.0.0.1:${port}`], 'SIGINT');
  });

  // Every variable's validation is covered by rpc-config.spec.ts; these check that the process refuses to start.
  for (const [name, value, pattern] of [
    ['ANYCABLE_RPC_HOST', 'localhost', /ANYCABLE_RPC_HOST must be host:port/],
    ['ANYCABLE_BROADCAST_ADAPTER', 'pigeon', /ANYCABLE_BROADCAST_ADAPTER/],
  ] as const) {
    test(`a bad ${name} (${value}) stops the start with exit code 1 and a message naming it`, async () => {
      const app = startApp('rpc', { [name]: value });
      await app.waitForOutput(pattern, 20_000);
      assert.equal(await exitCode(app), 1);
      assert.doesNotMatch(app.output(), /RPC server listening/);
    });
  }

  test('a port already in use stops the start with exit code 1', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const app = startApp('rpc', { ANYCABLE_RPC_HOST: `127.0.0.1:${port}` });
      await app.waitForOutput(/RPC app failed to start/, 20_000);
      assert.equal(await exitCode(app), 1);
    } finally {
      blocker.close();
    }
  });
});
