import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { Status, type CommandResponse, type StringMap } from '#libs/protocol';
import { startRedis, type TestService } from '../support/index.js';
import { listenToBroadcasts, type RedisListener } from './support/redis-listener.js';
import { env } from './support/rpc-client.js';
import { startRpcApp, TEST_JWT_SECRET, type StartedRpcApp } from './support/rpc-app.js';

const USER_IDENTIFIERS = '{"current_user_id":"user-1","sid":"s-1"}';
const ANONYMOUS_IDENTIFIERS = '{"current_user_id":null,"sid":"s-2"}';
const COMMENTS = '{"channel":"comments","post_id":42}';
const ACTUATOR = '{"channel":"actuator","id":"a1"}';

const confirm = (identifier: string): string => JSON.stringify({ identifier, type: 'confirm_subscription' });
const reject = (identifier: string): string => JSON.stringify({ identifier, type: 'reject_subscription' });

/** The gateway's merge rule: an empty value deletes the key. */
function merge(state: StringMap, changes: StringMap | undefined): StringMap {
  const merged = { ...state };
  for (const [key, value] of Object.entries(changes ?? {})) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

describe('Command and Disconnect over gRPC, demo channels', () => {
  let redis: TestService;
  let broadcasts: RedisListener;
  let rpc: StartedRpcApp;

  before(async () => {
    redis = await startRedis();
    broadcasts = await listenToBroadcasts(redis.url);
    // Debug level: the demo logs unsubscribed/disconnect there, which is how these tests observe them.
    rpc = await startRpcApp({ ANYCABLE_BROADCAST_ADAPTER: 'redis', ANYCABLE_REDIS_URL: redis.url, ANYCABLE_LOG_LEVEL: 'debug' });
  });
  after(async () => {
    await rpc?.stop();
    await broadcasts?.close();
    await redis?.stop();
  });

  const subscribe = (identifier: string, connection_identifiers = USER_IDENTIFIERS, sid = 'gw-1'): Promise<CommandResponse> =>
    rpc.client.command({ command: 'subscribe', identifier, connection_identifiers, env: env() }, { sid });

  const speak = (data: unknown, istate: StringMap): Promise<CommandResponse> =>
    rpc.client.command({
      command: 'message',
      identifier: ACTUATOR,
      connection_identifiers: USER_IDENTIFIERS,
      data: typeof data === 'string' ? data : JSON.stringify(data),
      env: env(undefined, {}, { istate }),
    });

  describe('subscribe', () => {
    test('comments with post_id: confirmed, follows comments:post:<id>, keeps post_id in istate', async () => {
      const response = await subscribe(COMMENTS);
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      assert.deepEqual(response.transmissions, [confirm(COMMENTS)]);
      assert.deepEqual(response.streams, ['comments:post:42']);
      assert.deepEqual(response.env?.istate, { post_id: '"42"' });
      assert.equal(response.disconnect, false);
    });

    test('the Rails-style name CommentsChannel works too, and the identifier comes back verbatim', async () => {
      const identifier = '{ "channel" : "CommentsChannel", "post_id": "p-9" }';
      const response = await subscribe(identifier);
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      assert.deepEqual(response.transmissions, [confirm(identifier)]);
      assert.deepEqual(response.streams, ['comments:post:p-9']);
    });

    for (const [what, identifier] of [
      ['without post_id', '{"channel":"comments"}'],
      ['with an empty post_id', '{"channel":"comments","post_id":""}'],
      ['with an object post_id', '{"channel":"comments","post_id":{"a":1}}'],
    ]) {
      test(`comments ${what}: rejected (FAILURE, reject_subscription, no stream)`, async () => {
        const response = await subscribe(identifier!);
        assert.equal(response.status, Status.FAILURE);
        assert.deepEqual(response.transmissions, [reject(identifier!)]);
        assert.deepEqual(response.streams, []);
      });
    }

    for (const [what, identifier] of [
      ['an identifier that is not JSON', 'comments'],
      ['an identifier that is a JSON array', '["comments"]'],
      ['an identifier without channel', '{"post_id":42}'],
      ['an unknown channel', '{"channel":"NoSuchChannel"}'],
    ]) {
      test(`${what}: FAILURE with reject_subscription naming the identifier verbatim, never ERROR`, async () => {
        const response = await subscribe(identifier!);
        assert.equal(response.status, Status.FAILURE);
        assert.deepEqual(response.transmissions, [reject(identifier!)]);
        assert.equal(response.error_msg, '');
      });
    }

    test('actuator: rejected for an anonymous session', async () => {
      const response = await subscribe(ACTUATOR, ANONYMOUS_IDENTIFIERS);
      assert.equal(response.status, Status.FAILURE);
      assert.deepEqual(response.transmissions, [reject(ACTUATOR)]);
    });

    test('actuator: rejected without id', async () => {
      const identifier = '{"channel":"actuator"}';
      const response = await subscribe(identifier);
      assert.equal(response.status, Status.FAILURE);
      assert.deepEqual(response.transmissions, [reject(identifier)]);
    });

    test('actuator for a user: confirmed, follows actuator_<id>, state initialised', async () => {
      const response = await subscribe(ACTUATOR);
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      assert.deepEqual(response.transmissions, [confirm(ACTUATOR)]);
      assert.deepEqual(response.streams, ['actuator_a1']);
      assert.deepEqual(response.env?.istate, { id: '"a1"', spoken: '0', $p: 'actuator_a1' }, 'the presence stream, raw');
      assert.deepEqual(response.presence, { type: 'join', id: 'user-1', info: '{"name":"user-1"}', ttl: 0 }, 'the subscriber joins the presence set');
    });
  });

  describe('message', () => {
    test('speak broadcasts {user, message, sid} to actuator_<id> on Redis and counts in istate across commands', async () => {
      const subscribed = await subscribe(ACTUATOR);
      let istate = merge({}, subscribed.env?.istate);
      const before = broadcasts.messages.length;

      const first = await speak({ action: 'speak', message: 'hello' }, istate);
      assert.equal(first.status, Status.SUCCESS, first.error_msg);
      assert.deepEqual(first.transmissions, []);
      assert.deepEqual(first.env?.istate, { spoken: '1' }, 'only the changed key is sent back');
      istate = merge(istate, first.env?.istate);

      const second = await speak({ action: 'speak', message: 'again' }, istate);
      assert.equal(second.status, Status.SUCCESS, second.error_msg);
      assert.deepEqual(second.env?.istate, { spoken: '2' }, 'the state of the first command was read back');

      const received = (await broadcasts.waitForCount(before + 2)).slice(before);
      assert.deepEqual(received, [
        { stream: 'actuator_a1', data: JSON.stringify({ user: 'user-1', message: 'hello', sid: 's-1' }) },
        { stream: 'actuator_a1', data: JSON.stringify({ user: 'user-1', message: 'again', sid: 's-1' }) },
      ]);
    });

    const invalid: Array<[string, unknown, string, string]> = [
      ['an empty message', { action: 'speak', message: '' }, 'message', 'isNotEmpty'],
      ['a message of 1,001 characters', { action: 'speak', message: 'x'.repeat(1001) }, 'message', 'maxLength'],
      ['a number as message', { action: 'speak', message: 5 }, 'message', 'isString'],
      ['no message', { action: 'speak' }, 'message', 'isString'],
    ];
    for (const [what, data, property, constraint] of invalid) {
      test(`speak with ${what}: FAILURE, invalid_data transmission naming ${property}/${constraint}, nothing broadcast`, async () => {
        const before = broadcasts.messages.length;
        const response = await speak(data, { id: '"a1"', spoken: '0' });
        assert.equal(response.status, Status.FAILURE);
        assert.equal(response.transmissions.length, 1);
        const frame = JSON.parse(response.transmissions[0]!);
        assert.equal(frame.identifier, ACTUATOR);
        assert.equal(frame.message.error, 'invalid_data');
        assert.equal(frame.message.action, 'speak');
        const detail = frame.message.details.find((entry: { property: string }) => entry.property === property);
        assert.ok(detail, JSON.stringify(frame));
        assert.equal(typeof detail.constraints[constraint], 'string', JSON.stringify(detail));
        assert.equal(response.env, null, 'a refused action changes no state');

        // Nothing was published: the next broadcast seen is the one of a valid speak after it.
        const marker = `after invalid ${what}`;
        const ok = await speak({ action: 'speak', message: marker }, { id: '"a1"' });
        assert.equal(ok.status, Status.SUCCESS, ok.error_msg);
        const received = await broadcasts.waitForCount(before + 1);
        assert.equal(received.length, before + 1);
        assert.match(JSON.stringify(received[before]), new RegExp(marker));
      });
    }

    test('a message at exactly 1,000 characters is accepted', async () => {
      const response = await speak({ action: 'speak', message: 'y'.repeat(1000) }, { id: '"a1"' });
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
    });

    test('an unknown action: FAILURE, unknown_action transmission, logged, nothing runs', async () => {
      const response = await speak({ action: 'fly', message: 'x' }, { id: '"a1"', spoken: '3' });
      assert.equal(response.status, Status.FAILURE);
      assert.deepEqual(response.transmissions.map((frame) => JSON.parse(frame)), [
        { identifier: ACTUATOR, message: { error: 'unknown_action', action: 'fly' } },
      ]);
      assert.equal(response.env, null, 'no state changed');
      await rpc.process.waitForOutput(/message refused .*unknown action "fly"/);
    });

    for (const [what, data] of [['data that is not JSON', '{oops'], ['data without action', '{"message":"x"}']]) {
      test(`${what}: FAILURE, malformed_data transmission`, async () => {
        const response = await speak(data, { id: '"a1"' });
        assert.equal(response.status, Status.FAILURE);
        assert.deepEqual(response.transmissions.map((frame) => JSON.parse(frame)), [
          { identifier: ACTUATOR, message: { error: 'malformed_data' } },
        ]);
      });
    }

    test('a message to an unknown channel: FAILURE without transmissions', async () => {
      const response = await rpc.client.command({
        command: 'message',
        identifier: '{"channel":"Nope"}',
        connection_identifiers: USER_IDENTIFIERS,
        data: '{"action":"speak"}',
        env: env(),
      });
      assert.equal(response.status, Status.FAILURE);
      assert.deepEqual(response.transmissions, []);
    });

    test('an unknown command: FAILURE', async () => {
      const response = await rpc.client.command({ command: 'jump', identifier: COMMENTS, connection_identifiers: USER_IDENTIFIERS, env: env() });
      assert.equal(response.status, Status.FAILURE);
    });
  });

  describe('unsubscribe and Disconnect', () => {
    test('unsubscribe runs unsubscribed with the subscription state and stops its streams', async () => {
      const response = await rpc.client.command(
        { command: 'unsubscribe', identifier: COMMENTS, connection_identifiers: USER_IDENTIFIERS, env: env(undefined, {}, { istate: { post_id: '"77"' } }) },
        { sid: 'gw-unsub' },
      );
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      assert.equal(response.stop_streams, true);
      await rpc.process.waitForOutput(/unsubscribed sid=gw-unsub channel=comments post_id=77/);
    });

    test('Disconnect runs unsubscribed for every subscription with its own state, then the connection disconnect', async () => {
      const otherComments = '{"channel":"CommentsChannel","post_id":"5"}';
      const response = await rpc.client.disconnect(
        {
          identifiers: USER_IDENTIFIERS,
          subscriptions: [COMMENTS, ACTUATOR, otherComments],
          env: env('ws://localhost:8080/cable?sid=s-1', {}, {
            istate: {
              [COMMENTS]: JSON.stringify({ post_id: '"42"' }),
              [ACTUATOR]: JSON.stringify({ id: '"a1"', spoken: '7' }),
              [otherComments]: JSON.stringify({ post_id: '"5"' }),
            },
          }),
        },
        { sid: 'gw-disc' },
      );
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      await rpc.process.waitForOutput(/unsubscribed sid=gw-disc channel=comments post_id=42/);
      await rpc.process.waitForOutput(/unsubscribed sid=gw-disc channel=actuator id=a1 spoken=7/);
      await rpc.process.waitForOutput(/unsubscribed sid=gw-disc channel=comments post_id=5/);
      await rpc.process.waitForOutput(/disconnected sid=gw-disc user=user-1 subscriptions=3/);
    });

    test('Disconnect skips subscriptions it cannot read and still succeeds', async () => {
      const response = await rpc.client.disconnect(
        {
          identifiers: ANONYMOUS_IDENTIFIERS,
          subscriptions: ['not json', '{"channel":"Gone"}', COMMENTS],
          env: env(undefined, {}, { istate: { [COMMENTS]: 'not a json map' } }),
        },
        { sid: 'gw-odd' },
      );
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      await rpc.process.waitForOutput(/unreadable state of sid=gw-odd/);
      await rpc.process.waitForOutput(/unsubscribed sid=gw-odd channel=comments post_id=\?/);
      await rpc.process.waitForOutput(/disconnected sid=gw-odd user=anonymous subscriptions=3/);
    });
  });

  test('the process survived every call above', async () => {
    const response = await rpc.client.connect({ env: env(`ws://h/cable?token=${jwt.sign({ sub: 'u' }, TEST_JWT_SECRET)}`) });
    assert.equal(response.status, Status.SUCCESS);
    assert.equal(rpc.process.child.exitCode, null);
  });
});
