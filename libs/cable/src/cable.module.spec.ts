import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Injectable, Module, Scope, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsString } from 'class-validator';
import { INCOMPATIBLE_CLIENT_MESSAGE, Status, type Env } from '#libs/protocol';
import { CableModule } from './cable.module.js';
import type { CableModuleOptions } from './cable-module-options.js';
import type { ChannelContext } from './context/channel-context.js';
import type { ConnectContext } from './context/connect-context.js';
import { Action } from './decorators/action.decorator.js';
import { CableConnection } from './decorators/cable-connection.decorator.js';
import { Channel } from './decorators/channel.decorator.js';
import { CableServer } from './runtime/cable.server.js';
import type { CallMetadata } from './runtime/call-metadata.js';

const V1: CallMetadata = { sid: 'sid-1', protocolVersions: ['v1'] };
const env = (extra: Partial<Env> = {}): Env => ({ url: 'ws://h/cable', headers: {}, cstate: {}, istate: {}, ...extra });

/** A dependency, to show channels and connections inject providers. */
@Injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@CableConnection({ identifiedBy: ['user'] })
class TestConnection {
  connect(ctx: ConnectContext<{ user: string }>): void {
    ctx.identify({ user: ctx.request.query.get('user') ?? 'guest' });
  }
}

class SayDto {
  @IsString()
  text!: string;
}

@Channel({ name: 'room', aliases: ['RoomChannel'] })
class RoomChannel {
  constructor(private readonly greeter: Greeter) {}

  subscribed(ctx: ChannelContext<{ mode?: string }, { joined?: boolean }, { user: string }, { rooms?: number }>): void {
    ctx.state.joined = true;
    ctx.connectionState.rooms = (ctx.connectionState.rooms ?? 0) + 1;
    ctx.transmit(this.greeter.greet(ctx.identifiers.user));
    if (ctx.params.mode === 'reject') {
      ctx.streamFrom('never');
      ctx.reject();
      return;
    }
    ctx.stopAllStreams();
    ctx.streamFrom('room');
  }

  unsubscribed(ctx: ChannelContext): void {
    ctx.closeConnection();
  }

  @Action()
  say(ctx: ChannelContext, data: SayDto): void {
    ctx.transmit({ said: data.text, extra: (data as unknown as Record<string, unknown>).extra ?? null });
    ctx.stopStreamFrom('room');
  }

  @Action()
  leave(ctx: ChannelContext): void {
    ctx.closeConnection();
  }
}

async function start(options: CableModuleOptions, providers: Type<object>[] = []): Promise<INestApplicationContext> {
  @Module({ imports: [CableModule.forRoot(options)], providers })
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
}

async function withServer(options: CableModuleOptions, run: (server: CableServer) => Promise<void>): Promise<void> {
  const app = await start(options, [Greeter, TestConnection, RoomChannel]);
  try {
    await run(app.get(CableServer));
  } finally {
    await app.close();
  }
}

test('connection and channels listed in forRoot are registered and their dependencies injected from imports', async () => {
  @Module({ providers: [Greeter], exports: [Greeter] })
  class GreeterModule {}
  const app = await start({ connection: TestConnection, channels: [RoomChannel], imports: [GreeterModule] });
  try {
    const response = await app.get(CableServer).command(
      { command: 'subscribe', identifier: '{"channel":"RoomChannel"}', connection_identifiers: '{"user":"ann"}', data: '', env: env() },
      V1,
    );
    assert.equal(response.status, Status.SUCCESS, response.error_msg);
    assert.deepEqual(response.transmissions, [
      '{"identifier":"{\\"channel\\":\\"RoomChannel\\"}","type":"confirm_subscription"}',
      '{"identifier":"{\\"channel\\":\\"RoomChannel\\"}","message":"hello ann"}',
    ]);
  } finally {
    await app.close();
  }
});

test('subscribe: confirm first, then transmissions; stop_streams then streams; state and connection state returned', async () => {
  await withServer({}, async (server) => {
    const response = await server.command(
      { command: 'subscribe', identifier: '{"channel":"room"}', connection_identifiers: '{"user":"bo"}', data: '', env: env({ cstate: { rooms: '2' } }) },
      V1,
    );
    assert.equal(response.status, Status.SUCCESS);
    assert.equal(JSON.parse(response.transmissions[0]!).type, 'confirm_subscription');
    assert.equal(JSON.parse(response.transmissions[1]!).message, 'hello bo');
    assert.equal(response.stop_streams, true);
    assert.deepEqual(response.streams, ['room']);
    assert.deepEqual(response.env, { istate: { joined: 'true' }, cstate: { rooms: '3' } });
  });
});

test('a rejected subscribe drops its streams, transmissions and state', async () => {
  await withServer({}, async (server) => {
    const identifier = '{"channel":"room","mode":"reject"}';
    const response = await server.command({ command: 'subscribe', identifier, connection_identifiers: '{"user":"x"}', data: '', env: env() }, V1);
    assert.equal(response.status, Status.FAILURE);
    assert.deepEqual(response.transmissions, [JSON.stringify({ identifier, type: 'reject_subscription' })]);
    assert.deepEqual(response.streams, []);
    assert.deepEqual(response.env?.istate, {});
  });
});

test('actions: DTO stripped of unknown properties by default; stopStreamFrom; closeConnection', async () => {
  await withServer({}, async (server) => {
    const say = await server.command(
      { command: 'message', identifier: '{"channel":"room"}', connection_identifiers: '{}', data: '{"action":"say","text":"hi","extra":1}', env: env() },
      V1,
    );
    assert.equal(say.status, Status.SUCCESS, say.error_msg);
    assert.deepEqual(JSON.parse(say.transmissions[0]!).message, { said: 'hi', extra: null });
    assert.deepEqual(say.stopped_streams, ['room']);
    assert.equal(say.disconnect, false);
    const leave = await server.command(
      { command: 'message', identifier: '{"channel":"room"}', connection_identifiers: '{}', data: '{"action":"leave"}', env: env() },
      V1,
    );
    assert.equal(leave.disconnect, true);
  });
});

test('validation options can be replaced, e.g. to refuse unknown properties', async () => {
  await withServer({ validation: { whitelist: true, forbidNonWhitelisted: true } }, async (server) => {
    const response = await server.command(
      { command: 'message', identifier: '{"channel":"room"}', connection_identifiers: '{}', data: '{"action":"say","text":"hi","extra":1}', env: env() },
      V1,
    );
    assert.equal(response.status, Status.FAILURE);
    assert.equal(JSON.parse(response.transmissions[0]!).message.details[0].property, 'extra');
  });
});

test('unsubscribe stops every stream and carries closeConnection', async () => {
  await withServer({}, async (server) => {
    const response = await server.command({ command: 'unsubscribe', identifier: '{"channel":"room"}', connection_identifiers: '{}', data: '', env: env() }, V1);
    assert.equal(response.status, Status.SUCCESS);
    assert.equal(response.stop_streams, true);
    assert.equal(response.disconnect, true);
  });
});

test('every call runs inside the session context runner, with the sid', async () => {
  const seen: string[] = [];
  const sessionContext = { run: <T>(sid: string, fn: () => T): T => (seen.push(sid), fn()) };
  await withServer({ sessionContext }, async (server) => {
    await server.connect({ env: env() }, { sid: 'a', protocolVersions: ['v1'] });
    await server.command({ command: 'subscribe', identifier: '{"channel":"room"}', connection_identifiers: '{}', data: '', env: env() }, { sid: 'b', protocolVersions: ['v1'] });
    await server.disconnect({ identifiers: '{}', subscriptions: [], env: env() }, { sid: 'c', protocolVersions: ['v1'] });
  });
  assert.deepEqual(seen, ['a', 'b', 'c']);
});

test('calls without protocol v1 are answered ERROR and run no app code', async () => {
  const seen: string[] = [];
  await withServer({ sessionContext: { run: (sid, fn) => (seen.push(sid), fn()) } }, async (server) => {
    const response = await server.connect({ env: env() }, { sid: 'x', protocolVersions: [] });
    assert.deepEqual(response, { status: Status.ERROR, identifiers: '', transmissions: [], error_msg: INCOMPATIBLE_CLIENT_MESSAGE, env: null });
  });
  assert.deepEqual(seen, []);
});

test('startup refuses: no connection, two connections, two channels with one name, a request-scoped channel', async () => {
  @CableConnection({ identifiedBy: [] })
  class OtherConnection {
    connect(): void {}
  }
  @Channel('room')
  class OtherRoom {}
  @Channel({ name: 'scoped' })
  @Injectable({ scope: Scope.REQUEST })
  class ScopedChannel {}

  await assert.rejects(start({}, [RoomChannel, Greeter]), /no @CableConnection provider/);
  await assert.rejects(start({}, [TestConnection, OtherConnection]), /more than one @CableConnection provider: TestConnection, OtherConnection/);
  await assert.rejects(start({}, [TestConnection, Greeter, RoomChannel, OtherRoom]), /two channels answer to "room"/);
  await assert.rejects(start({}, [TestConnection, ScopedChannel]), /must be a singleton provider/);
});
