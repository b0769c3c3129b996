import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { INCOMPATIBLE_CLIENT_MESSAGE, Status } from '#libs/protocol';
import { env } from './support/rpc-client.js';
import { startRpcApp, TEST_JWT_SECRET, type StartedRpcApp } from './support/rpc-app.js';

const WELCOME = '{"type":"welcome","sid":"test-sid"}';
const UNAUTHORIZED = '{"type":"disconnect","reason":"unauthorized","reconnect":false}';

function token(payload: object, secret = TEST_JWT_SECRET, options: jwt.SignOptions = {}): string {
  return jwt.sign(payload, secret, { algorithm: 'HS256', ...options });
}

describe('Connect over gRPC', () => {
  let rpc: StartedRpcApp;
  before(async () => {
    rpc = await startRpcApp();
  });
  after(async () => {
    await rpc?.stop();
  });

  test('no token: anonymous session, welcome, identifiers with a null user and the query sid', async () => {
    const response = await rpc.client.connect({ env: env('ws://localhost:8080/cable?sid=abc') });
    assert.equal(response.status, Status.SUCCESS);
    assert.deepEqual(response.transmissions, [WELCOME]);
    assert.deepEqual(JSON.parse(response.identifiers), { current_user_id: null, sid: 'abc' });
    assert.equal(response.error_msg, '');
  });

  test('without a sid query parameter the gateway session id is the sid', async () => {
    const response = await rpc.client.connect({ env: env() }, { sid: 'gateway-session-1' });
    assert.deepEqual(JSON.parse(response.identifiers), { current_user_id: null, sid: 'gateway-session-1' });
    assert.deepEqual(response.transmissions, ['{"type":"welcome","sid":"gateway-session-1"}'], 'the welcome carries the call sid (anycable-rails does; anycable-go relies on it)');
  });

  const goodToken = token({ sub: 'user-7' });
  const sources: Array<[string, () => ReturnType<typeof env>]> = [
    ['query jwt_token', () => env(`ws://localhost:8080/cable?jwt_token=${goodToken}&sid=s1`)],
    ['query token', () => env(`ws://localhost:8080/cable?token=${goodToken}&sid=s1`)],
    ['Authorization: Bearer header', () => env('ws://localhost:8080/cable?sid=s1', { authorization: `Bearer ${goodToken}` })],
    ['token cookie', () => env('ws://localhost:8080/cable?sid=s1', { cookie: `theme=dark; token=${goodToken}` })],
  ];
  for (const [source, request] of sources) {
    test(`a valid token from the ${source} identifies the user`, async () => {
      const response = await rpc.client.connect({ env: request() });
      assert.equal(response.status, Status.SUCCESS, response.error_msg);
      assert.deepEqual(response.transmissions, [WELCOME]);
      assert.equal(response.identifiers, '{"current_user_id":"user-7","sid":"s1"}');
    });
  }

  test('a numeric sub is the user id as a string', async () => {
    const response = await rpc.client.connect({ env: env(`ws://h/cable?token=${token({ sub: 42 })}`) });
    assert.equal(JSON.parse(response.identifiers).current_user_id, '42');
  });

  const badTokens: Array<[string, string]> = [
    ['an expired token', token({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 })],
    ['a token signed with another secret', token({ sub: 'u1' }, 'another-secret')],
    ['a malformed token', 'not.a.jwt'],
    ['a token without sub', token({ name: 'nobody' })],
    ['an HS512 token', token({ sub: 'u1' }, TEST_JWT_SECRET, { algorithm: 'HS512' })],
  ];
  for (const [what, bad] of badTokens) {
    test(`${what} is rejected with the unauthorized disconnect frame`, async () => {
      const response = await rpc.client.connect({ env: env('ws://h/cable', { authorization: `Bearer ${bad}` }) });
      assert.equal(response.status, Status.FAILURE);
      assert.deepEqual(response.transmissions, [UNAUTHORIZED]);
      assert.equal(response.identifiers, '');
    });
  }

  test('the first token found decides: a bad query token is rejected even with a good cookie', async () => {
    const response = await rpc.client.connect({
      env: env('ws://h/cable?jwt_token=garbage', { cookie: `token=${goodToken}` }),
    });
    assert.equal(response.status, Status.FAILURE);
  });

  test('a query token given twice is rejected, even when both are valid (as passport-jwt read the query)', async () => {
    const response = await rpc.client.connect({ env: env(`ws://h/cable?jwt_token=${goodToken}&jwt_token=${goodToken}`) });
    assert.equal(response.status, Status.FAILURE);
  });

  for (const [what, protov] of [['missing', null], ['without v1', 'v2']] as const) {
    test(`protov metadata ${what}: every call answers ERROR "${INCOMPATIBLE_CLIENT_MESSAGE}" as a response`, async () => {
      const connect = await rpc.client.connect({ env: env() }, { protov });
      assert.equal(connect.status, Status.ERROR);
      assert.equal(connect.error_msg, INCOMPATIBLE_CLIENT_MESSAGE);
      assert.deepEqual(connect.transmissions, []);
      const command = await rpc.client.command(
        { command: 'subscribe', identifier: '{"channel":"comments","post_id":1}', connection_identifiers: '{}', env: env() },
        { protov },
      );
      assert.equal(command.status, Status.ERROR);
      assert.equal(command.error_msg, INCOMPATIBLE_CLIENT_MESSAGE);
      assert.deepEqual(command.streams, []);
      const disconnect = await rpc.client.disconnect({ identifiers: '{}', subscriptions: [], env: env() }, { protov });
      assert.equal(disconnect.status, Status.ERROR);
      assert.equal(disconnect.error_msg, INCOMPATIBLE_CLIENT_MESSAGE);
    });
  }

  test('protov given as a list containing v1 is accepted', async () => {
    const response = await rpc.client.connect({ env: env() }, { protov: 'v0, v1' });
    assert.equal(response.status, Status.SUCCESS);
  });
});
