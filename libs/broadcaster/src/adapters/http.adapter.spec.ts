import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../../../test/support/index.js';
import { startHttpIntake } from '../../../../test/broadcaster/http-intake-server.js';
import { BroadcastError } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { resolveBroadcasterOptions } from '../broadcaster-options.resolver.js';
import { HttpBroadcastAdapter } from './http.adapter.js';

const optionsFor = (httpUrl: string, extra: Partial<BroadcasterOptions> = {}): BroadcasterOptions =>
  resolveBroadcasterOptions(
    { adapter: 'http', httpUrl, broadcastKey: 'the-key', publishTimeoutMs: 2_000, retries: 3, retryBaseDelayMs: 20, retryMaxDelayMs: 100, ...extra },
    {},
  );

const BODY = '{"stream":"chat:1","data":"{\\"text\\":\\"héllo\\"}"}';

test('201: POST <url> with the exact body, JSON content type and the bearer key', async (t) => {
  const intake = await startHttpIntake();
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  t.after(() => adapter.close());
  await adapter.publish(BODY);
  assert.equal(intake.requests.length, 1);
  const [request] = intake.requests;
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/_broadcast');
  assert.equal(request.body, BODY);
  assert.equal(request.headers.authorization, 'Bearer the-key');
  assert.equal(request.headers['content-type'], 'application/json');
});

test('no key configured: no Authorization header', async (t) => {
  const intake = await startHttpIntake();
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url, { broadcastKey: undefined }));
  await adapter.publish(BODY);
  assert.equal(intake.requests[0].headers.authorization, undefined);
});

test('401: rejects at once (no retry) with an error that points at the key', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 401, body: 'bad key' }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  await assert.rejects(adapter.publish(BODY), (error: unknown) => {
    assert.ok(error instanceof BroadcastError);
    assert.equal(
      error.message,
      `http broadcast to ${intake.url} failed after 1 attempt: the gateway refused the broadcast key (401): bad key; set ANYCABLE_BROADCAST_KEY (or ANYCABLE_SECRET) to the gateway's`,
    );
    return true;
  });
  assert.equal(intake.requests.length, 1);
});

test('422: rejects at once (no retry) saying the publication was refused', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 422, body: 'stream is missing' }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  await assert.rejects(adapter.publish(BODY), /failed after 1 attempt: the gateway rejected the publication as invalid \(422\): stream is missing$/);
  assert.equal(intake.requests.length, 1);
});

test('an unexpected 200 is not success: anycable-go answers 201', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 200 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  await assert.rejects(adapter.publish(BODY), /failed after 1 attempt: the gateway answered 200 instead of 201$/);
});

test('5xx then 201: retried with backoff until accepted, same body each time', async (t) => {
  const intake = await startHttpIntake((_, index) => (index < 2 ? { status: index === 0 ? 503 : 500 } : { status: 201 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  await adapter.publish(BODY);
  assert.equal(intake.requests.length, 3);
  assert.deepEqual(intake.requests.map((r) => r.body), [BODY, BODY, BODY]);
});

test('5xx every time: rejects after 1 + retries attempts with the last status', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 502, body: 'upstream down' }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url, { retries: 2 }));
  await assert.rejects(adapter.publish(BODY), /failed after 3 attempts: the gateway answered 502 instead of 201: upstream down$/);
  assert.equal(intake.requests.length, 3);
});

test('nothing listening: network errors are retried, then the publish rejects naming the socket error', async () => {
  const url = `http://127.0.0.1:${await freePort()}/_broadcast`;
  const adapter = new HttpBroadcastAdapter(optionsFor(url, { retries: 2 }));
  await assert.rejects(adapter.publish(BODY), (error: unknown) => {
    assert.ok(error instanceof BroadcastError);
    assert.match(error.message, new RegExp(`^http broadcast to ${url} failed after 3 attempts: request failed: fetch failed \\(.*ECONNREFUSED.*\\)$`));
    assert.ok(error.cause instanceof Error);
    return true;
  });
});

test('no answer within publishTimeoutMs: the attempt times out and is retried', async (t) => {
  const intake = await startHttpIntake((_, index) => (index === 0 ? { status: 201, delayMs: 1_500 } : { status: 201 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url, { publishTimeoutMs: 300 }));
  await adapter.publish(BODY);
  assert.equal(intake.requests.length, 2);
});

test('concurrency 1: one request at a time, so publishes not awaited one by one arrive in call order', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 10 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url));
  const bodies = Array.from({ length: 20 }, (_, i) => `{"stream":"s","data":"${i}"}`);
  await Promise.all(bodies.map((body) => adapter.publish(body)));
  assert.deepEqual(intake.requests.map((r) => r.body), bodies);
  assert.equal(intake.maxInFlight(), 1);
});

test('httpConcurrency 4: up to 4 requests in flight, never more', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 50 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url, { httpConcurrency: 4 }));
  const bodies = Array.from({ length: 20 }, (_, i) => `{"stream":"s","data":"${i}"}`);
  await Promise.all(bodies.map((body) => adapter.publish(body)));
  assert.deepEqual(intake.requests.map((r) => r.body).sort(), [...bodies].sort());
  assert.ok(intake.maxInFlight() > 1 && intake.maxInFlight() <= 4, `max in flight ${intake.maxInFlight()}`);
});

test('close abandons a publish waiting for its retry, and refuses new ones', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 503 }));
  t.after(() => intake.close());
  const adapter = new HttpBroadcastAdapter(optionsFor(intake.url, { retryBaseDelayMs: 5_000, retryMaxDelayMs: 5_000 }));
  const publishing = adapter.publish(BODY);
  while (intake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await adapter.close();
  // close() lands either while the 503 is on its way back (the request is aborted) or during the backoff.
  await assert.rejects(publishing, /abandoned after 1 attempt \((the gateway answered 503 instead of 201|request aborted)\): the broadcaster is closing$/);
  await assert.rejects(adapter.publish(BODY), /refused: the broadcaster is closed$/);
});
