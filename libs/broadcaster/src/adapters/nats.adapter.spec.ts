import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { freePort, startNats, waitFor, type TestService } from '../../../../test/support/index.js';
import { publishUntilSeen } from '../../../../test/broadcaster/recorders.js';
import { BroadcastError } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { resolveBroadcasterOptions } from '../broadcaster-options.resolver.js';
import { NatsBroadcastAdapter } from './nats.adapter.js';

let nats: TestService;
let subscriber: NatsConnection;
const received: Array<{ subject: string; bytes: Buffer }> = [];

const optionsFor = (servers: string, extra: Partial<BroadcasterOptions> = {}): BroadcasterOptions =>
  resolveBroadcasterOptions(
    { adapter: 'nats', natsServers: [servers], publishTimeoutMs: 1_000, retryBaseDelayMs: 50, retryMaxDelayMs: 200, closeTimeoutMs: 2_000, ...extra },
    {},
  );

async function collect(subscription: Subscription): Promise<void> {
  for await (const message of subscription) received.push({ subject: message.subject, bytes: Buffer.from(message.data) });
}

before(async () => {
  nats = await startNats();
  subscriber = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  void collect(subscriber.subscribe('__anycable__'));
  void collect(subscriber.subscribe('custom_subject'));
  await subscriber.flush();
});

after(async () => {
  await subscriber?.close();
  await nats?.stop();
});

test('publish to subject __anycable__: the subscriber gets exactly the bytes, in order', async (t) => {
  const adapter = new NatsBroadcastAdapter(optionsFor(nats.url));
  const custom = new NatsBroadcastAdapter(optionsFor(nats.url, { natsChannel: 'custom_subject' }));
  t.after(() => Promise.all([adapter.close(), custom.close()]));
  const start = received.length;
  const bodies = Array.from({ length: 30 }, (_, i) => `{"stream":"s","data":"{\\"n\\":${i},\\"t\\":\\"ünï\\"}"}`);
  await Promise.all(bodies.map((body) => adapter.publish(body)));
  await custom.publish('[{"stream":"c","data":"1"}]');
  await waitFor(() => received.length >= start + 31, 'all messages received');
  // Each subscription is read by its own loop, so compare per subject.
  const got = received.slice(start);
  const on = (subject: string) => got.filter((m) => m.subject === subject).map((m) => m.bytes);
  assert.deepEqual(on('__anycable__'), bodies.map((body) => Buffer.from(body, 'utf8')));
  assert.deepEqual(on('custom_subject'), [Buffer.from('[{"stream":"c","data":"1"}]')]);
});

test('NATS unreachable from the start: publish rejects within the bound; close does not hang', async () => {
  const url = `nats://127.0.0.1:${await freePort()}`;
  const adapter = new NatsBroadcastAdapter(optionsFor(url, { publishTimeoutMs: 500 }));
  const started = Date.now();
  await assert.rejects(adapter.publish('{"stream":"s","data":"1"}'), (error: unknown) => {
    assert.ok(error instanceof BroadcastError);
    assert.equal(error.message, `nats publish to subject "__anycable__" on ${url} failed: not connected to NATS within 500 ms`);
    return true;
  });
  assert.ok(Date.now() - started < 500 + 3_000, `rejected after ${Date.now() - started} ms`);
  await adapter.close();
  await assert.rejects(adapter.publish('{}'), /refused: the broadcaster is closed$/);
});

test('NATS killed: publish rejects within the bound; restarted: publishing resumes', async (t) => {
  if (!nats.private) return t.skip('shared NATS cannot be killed');
  const adapter = new NatsBroadcastAdapter(optionsFor(nats.url));
  t.after(() => adapter.close());
  await adapter.publish('{"stream":"s","data":"before"}');
  await nats.kill();
  const started = Date.now();
  // Either the pending flush fails on the disconnect, or (when the client already knows) it is not answered in time.
  await assert.rejects(
    adapter.publish('{"stream":"s","data":"while down"}'),
    /^BroadcastError: nats publish to subject "__anycable__" on nats:\/\/127\.0\.0\.1:\d+ failed: (connection to NATS lost \(DISCONNECT\)|NATS did not confirm \(flush\) within 1000 ms)$/,
  );
  assert.ok(Date.now() - started < 1_000 + 3_000, `rejected after ${Date.now() - started} ms`);

  await nats.restart();
  const arrived = (body: string): boolean => received.some((m) => m.bytes.toString() === body);
  await publishUntilSeen((body) => adapter.publish(body), arrived);
  await adapter.publish('{"stream":"s","data":"resumed"}');
  await waitFor(() => arrived('{"stream":"s","data":"resumed"}'), 'the publish after recovery arrives');
});
