// A publication from BroadcastService (#libs/broadcaster, in-process) and the same publication from
// a raw `redis-cli PUBLISH` reach a client as byte-identical frames.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RawData } from 'ws';
import type { BroadcastService } from '#libs/broadcaster';
import { DEFAULT_BROADCAST_CHANNEL } from '#libs/protocol';
import type { GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { hasProgram } from '../support/processes.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';
import { ClientPool, createPublisher, identifierOf, startGateways } from './broadcast-cluster.js';

const run = promisify(execFile);

describe('BroadcastService and redis-cli give the same frames', { skip: hasProgram('redis-cli') ? false : 'redis-cli is not installed' }, () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  let publisher: BroadcastService;
  const pool = new ClientPool();

  before(async () => {
    [redis, rpc] = await Promise.all([startRedis(), ScriptedRpcServer.start()]);
    [gateway] = await startGateways(1, { ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_REDIS_URL: redis.url });
    publisher = createPublisher({ adapter: 'redis', redisUrl: redis.url });
  });

  after(async () => {
    pool.closeAll();
    await publisher?.onModuleDestroy();
    await gateway?.stop();
    await Promise.all([rpc?.stop(), redis?.stop()]);
  });

  test('objects, strings, unicode and meta: the same bytes on the wire either way', async () => {
    const stream = 'comments:post:42';
    const [client, other] = await pool.subscribed([gateway, gateway], stream);
    const raw: string[] = [];
    client.ws.on('message', (data: RawData) => {
      const text = data.toString();
      if (text.includes('"message"')) raw.push(text);
    });
    const cases: Array<{ payload: unknown; options?: { excludeSocket: string } }> = [
      { payload: { id: 1, body: 'Ünïcode ✓ "quoted"', tags: ['a', 'b'] } },
      { payload: 'a plain string' },
      { payload: 42 },
      { payload: { typing: true }, options: { excludeSocket: other.sid } },
    ];
    for (const { payload, options } of cases) {
      await publisher.broadcast(stream, payload, options);
      const publication: Record<string, unknown> = { stream, data: JSON.stringify(payload) };
      if (options) publication.meta = { exclude_socket: options.excludeSocket };
      await run('redis-cli', ['-u', redis.url, 'PUBLISH', DEFAULT_BROADCAST_CHANNEL, JSON.stringify(publication)]);
    }
    await waitFor(() => raw.length >= cases.length * 2, `${cases.length * 2} frames, got ${raw.length}`);
    for (let index = 0; index < cases.length; index++) {
      const [fromService, fromCli] = raw.slice(index * 2, index * 2 + 2);
      assert.equal(fromService, fromCli, `case ${index}`);
      assert.deepEqual(JSON.parse(fromService), { identifier: identifierOf(stream), message: cases[index].payload });
    }
  });
});
