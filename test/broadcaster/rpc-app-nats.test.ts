import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { freePort } from '../support/ports.js';
import { startApp, type RunningProcess } from '../support/processes.js';
import { startNats, type TestService } from '../support/services.js';

let nats: TestService | undefined;
let client: NatsConnection | undefined;
let rpcApp: RunningProcess | undefined;
after(async () => {
  await rpcApp?.stop();
  await client?.close();
  await nats?.stop();
});

test('the bundled RPC app publishes a comment over NATS (the NATS client is loaded only when configured)', async () => {
  nats = await startNats();
  client = await connect({ servers: nats.url });
  const subscription = client.subscribe('__anycable__', { max: 1, timeout: 10_000 });
  await client.flush();
  const httpPort = await freePort();
  rpcApp = startApp('rpc', {
    ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`,
    RPC_HTTP_PORT: String(httpPort),
    ANYCABLE_BROADCAST_ADAPTER: 'nats',
    ANYCABLE_NATS_SERVERS: nats.url,
  });
  await rpcApp.waitForOutput(/HTTP server listening/);
  const response = await fetch(`http://127.0.0.1:${httpPort}/posts/7/comments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ author: 'ada', body: 'over nats' }),
  });
  assert.equal(response.status, 201);
  for await (const message of subscription) {
    const publication = JSON.parse(Buffer.from(message.data).toString('utf8')) as { stream: string; data: string };
    assert.equal(publication.stream, 'comments:post:7');
    assert.equal((JSON.parse(publication.data) as { body: string }).body, 'over nats');
  }
  assert.equal(subscription.getProcessed(), 1, 'one publication received');
});
