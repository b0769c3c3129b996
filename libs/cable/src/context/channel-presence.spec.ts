import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Status, type Env } from '#libs/protocol';
import { CableModule } from '../cable.module.js';
import { Action } from '../decorators/action.decorator.js';
import { CableConnection } from '../decorators/cable-connection.decorator.js';
import { Channel } from '../decorators/channel.decorator.js';
import { CableServer } from '../runtime/cable.server.js';
import type { ChannelContext } from './channel-context.js';
import type { ConnectContext } from './connect-context.js';
import { PresenceRequest } from './channel-presence.js';

const V1 = { sid: 'sid-1', protocolVersions: ['v1'] };
const env = (istate: Record<string, string> = {}): Env => ({ url: 'ws://h/cable', headers: {}, cstate: {}, istate });

@CableConnection({ identifiedBy: ['user'] })
class Connection {
  connect(ctx: ConnectContext<{ user: string }>): void {
    ctx.identify({ user: 'u' });
  }
}

type Ctx = ChannelContext<{ id?: string }, { seen?: number }, { user: string }, object, { name: string }>;

@Channel('lobby')
class LobbyChannel {
  subscribed(ctx: Ctx): void {
    ctx.streamFrom(`lobby_${ctx.params.id}`);
    ctx.presence.join(ctx.identifiers.user, { name: 'Ann' });
  }

  @Action()
  rename(ctx: Ctx): void {
    ctx.presence.join(ctx.identifiers.user, { name: 'Anna' });
  }

  @Action()
  away(ctx: Ctx): void {
    ctx.presence.leave();
  }

  @Action()
  elsewhere(ctx: Ctx): void {
    ctx.presence.join('x', { name: 'X' });
  }
}

test('ctx.presence: join in subscribed names the only stream ($p raw), actions join again or leave', async () => {
  @Module({ imports: [CableModule.forRoot({ connection: Connection, channels: [LobbyChannel] })] })
  class TestModule {}
  const app = await NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
  try {
    const server = app.get(CableServer);
    const identifier = '{"channel":"lobby","id":"7"}';
    const call = (command: string, data: string, istate: Record<string, string>) =>
      server.command({ command, identifier, connection_identifiers: '{"user":"ann"}', data, env: env(istate) }, V1);

    const subscribed = await call('subscribe', '', {});
    assert.equal(subscribed.status, Status.SUCCESS);
    assert.deepEqual(subscribed.presence, { type: 'join', id: 'ann', info: '{"name":"Ann"}', ttl: 0 });
    assert.deepEqual(subscribed.env?.istate, { $p: 'lobby_7' }, '$p is raw, not JSON-encoded');

    const renamed = await call('message', '{"action":"rename"}', { $p: 'lobby_7' });
    assert.deepEqual(renamed.presence, { type: 'join', id: 'ann', info: '{"name":"Anna"}', ttl: 0 });
    assert.deepEqual(renamed.env?.istate, {}, 'the known stream is not sent again, and $p never shows in ctx.state');

    const away = await call('message', '{"action":"away"}', { $p: 'lobby_7' });
    assert.deepEqual(away.presence, { type: 'leave', id: '', info: '', ttl: 0 });

    const refused = await call('message', '{"action":"elsewhere"}', {});
    assert.equal(refused.status, Status.ERROR, 'no stream to join: the app error is reported');
    assert.match(refused.error_msg, /presence\.join: pass \{ stream \}/);
  } finally {
    await app.close();
  }
});

test('PresenceRequest: an explicit stream wins; empty ids and unserialisable info are refused in app code', () => {
  const request = new PresenceRequest<unknown>(undefined, () => new Set(['a', 'b']));
  request.join(5, undefined, { stream: 'b' });
  assert.deepEqual(request.response(), { type: 'join', id: '5', info: '', ttl: 0 });
  assert.equal(request.streamChange(), 'b');
  assert.throws(() => request.join('', {}), /must not be empty/);
  assert.throws(() => request.join('x', { n: 1n }, { stream: 'a' }), /BigInt/);
  assert.throws(() => new PresenceRequest(undefined, () => new Set(['a', 'b'])).join('x'), /follows 2 streams/);
});
