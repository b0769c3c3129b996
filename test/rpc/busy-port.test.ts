import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { freePort, startApp } from '../support/index.js';

/** Starts the RPC app with `env` and returns its exit code and its lines. */
async function startExpectingExit(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const app = startApp('rpc', env);
  const code = await new Promise<number | null>((resolve) => app.child.once('exit', resolve));
  return { code, lines: app.output().split('\n').filter((line) => line.trim() !== '') };
}

describe('RPC app on a busy port', () => {
  let holder: Server;
  let busy: number;
  before(async () => {
    busy = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(busy, '127.0.0.1', resolve));
  });
  after(() => holder?.close());

  test('gRPC port: one line naming ANYCABLE_RPC_HOST, exit 1, no stack', async () => {
    const { code, lines } = await startExpectingExit({ ANYCABLE_RPC_HOST: `127.0.0.1:${busy}` });
    assert.equal(code, 1);
    const errors = lines.filter((line) => /ERROR|EADDRINUSE|^\s+at /.test(line));
    assert.equal(errors.length, 1, lines.join('\n'));
    assert.match(errors[0], new RegExp(`RPC app failed to start: 127\\.0\\.0\\.1:${busy} is already in use: choose another port with ANYCABLE_RPC_HOST$`));
  });

  test('HTTP port: one line naming RPC_HTTP_PORT, exit 1, no stack', async () => {
    const grpc = await freePort();
    const { code, lines } = await startExpectingExit({ ANYCABLE_RPC_HOST: `127.0.0.1:${grpc}`, RPC_HTTP_HOST: '127.0.0.1', RPC_HTTP_PORT: String(busy) });
    assert.equal(code, 1);
    const errors = lines.filter((line) => /ERROR|EADDRINUSE|^\s+at /.test(line));
    assert.equal(errors.length, 1, lines.join('\n'));
    assert.match(errors[0], new RegExp(`RPC app failed to start: 127\\.0\\.0\\.1:${busy} is already in use: choose another port with RPC_HTTP_PORT$`));
  });
});
