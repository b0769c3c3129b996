/**
 * The demo's use cases, driven with the real @rails/actioncable client against a running gateway and
 * RPC app (however they were started: `npm start`, the compose services, single processes).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRailsConsumer, railsSubscribe, type RailsConsumer } from './cable-clients.js';
import { waitFor } from './ports.js';

/** Where a running demo is reached. */
export interface DemoEndpoints {
  /** The gateway's WebSocket URL (ws://127.0.0.1:<port><path>). */
  cableUrl: string;
  /** The RPC app's HTTP server (http://127.0.0.1:<port>). */
  httpUrl: string;
}

/** POSTs JSON; returns the status and the parsed answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A demo token for `user` from `POST /demo/token`. */
export async function demoToken(httpUrl: string, user: string): Promise<string> {
  const answer = await postJson(`${httpUrl}/demo/token`, { user });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.token, 'string');
  return answer.body.token as string;
}

/** The cable URL with a user's token, as the demo page builds it. */
export function withToken(cableUrl: string, token: string): string {
  const url = new URL(cableUrl);
  url.searchParams.set('jwt_token', token);
  return url.toString();
}

/**
 * Two signed-in users on one actuator: alice speaks, both receive it; an anonymous session is refused
 * the actuator; a comment posted over HTTP reaches a subscriber of the post's comments.
 */
export async function runDemoScenario(demo: DemoEndpoints): Promise<void> {
  const consumers: RailsConsumer[] = [];
  const consumer = (url: string): RailsConsumer => {
    const created = createRailsConsumer(url);
    consumers.push(created);
    return created;
  };
  try {
    const actuator = { channel: 'actuator', id: `a-${randomUUID().slice(0, 8)}` };
    const alice = consumer(withToken(demo.cableUrl, await demoToken(demo.httpUrl, 'alice')));
    const bob = consumer(withToken(demo.cableUrl, await demoToken(demo.httpUrl, 'bob')));
    const aliceActuator = railsSubscribe(alice, actuator);
    const bobActuator = railsSubscribe(bob, actuator);
    await aliceActuator.waitForEvent('connected', 20_000);
    await bobActuator.waitForEvent('connected', 20_000);

    assert.equal(aliceActuator.subscription.perform('speak', { message: 'open valve 3' }), true);
    // Presence events (who watches the actuator) arrive on the same subscription: look at what was spoken.
    const spoken = (side: typeof aliceActuator): Promise<unknown> =>
      waitFor(() => side.received.find((data) => typeof data === 'object' && data !== null && 'message' in data), 'the spoken message', 15_000);
    const heardByBob = await spoken(bobActuator);
    const heardByAlice = await spoken(aliceActuator);
    assert.equal((heardByBob as { user: string }).user, 'alice');
    assert.equal((heardByBob as { message: string }).message, 'open valve 3');
    assert.deepEqual(heardByAlice, heardByBob);

    const anonymous = railsSubscribe(consumer(demo.cableUrl), actuator);
    await anonymous.waitForEvent('rejected', 20_000);

    const postId = String(Math.floor(Math.random() * 1e9));
    const comments = railsSubscribe(bob, { channel: 'comments', post_id: postId });
    await comments.waitForEvent('connected', 20_000);
    const posted = await postJson(`${demo.httpUrl}/posts/${postId}/comments`, { author: 'carol', body: 'Nice post!' });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const [received] = await comments.waitForMessages(1, 15_000);
    assert.deepEqual(received, posted.body);
    assert.deepEqual(
      { post_id: posted.body.post_id, author: posted.body.author, body: posted.body.body },
      { post_id: postId, author: 'carol', body: 'Nice post!' },
    );
  } finally {
    for (const created of consumers) created.disconnect();
  }
}
