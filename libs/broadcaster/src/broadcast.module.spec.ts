import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startRedis, waitFor, type TestService } from '../../../test/support/index.js';
import { recordRedisChannels, type RedisChannelRecorder } from '../../../test/broadcaster/recorders.js';
import { startHttpIntake } from '../../../test/broadcaster/http-intake-server.js';
import { BROADCASTER_OPTIONS } from './broadcast.constants.js';
import { BroadcastModule } from './broadcast.module.js';
import { BroadcastService } from './broadcast.service.js';
import type { BroadcasterOptions } from './broadcaster-options.js';

let redis: TestService;
let recorder: RedisChannelRecorder;

before(async () => {
  redis = await startRedis();
  recorder = await recordRedisChannels(redis.url, ['__anycable__', 'from_config']);
});

after(async () => {
  recorder?.close();
  await redis?.stop();
});

/** Runs `fn` with some env variables set, restoring them afterwards (each test file runs in its own process). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** A provider of the user's app, in a module that does not import BroadcastModule itself. */
@Injectable()
class CommentsNotifier {
  constructor(readonly broadcasts: BroadcastService) {}

  commentAdded(postId: number, text: string): Promise<void> {
    return this.broadcasts.broadcast(`comments:post:${postId}`, { text });
  }
}

@Module({ providers: [CommentsNotifier], exports: [CommentsNotifier] })
class CommentsModule {}

test('forRoot({ global: true }): a provider of another module gets BroadcastService injected by type', async (t) => {
  @Module({ imports: [BroadcastModule.forRoot({ global: true, redisUrl: redis.url }), CommentsModule] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  t.after(() => app.close());
  const from = recorder.messages.length;
  await app.get(CommentsNotifier).commentAdded(42, 'first!');
  await waitFor(() => recorder.texts('__anycable__', from).length > 0, 'the broadcast arrives');
  assert.deepEqual(recorder.texts('__anycable__', from), ['{"stream":"comments:post:42","data":"{\\"text\\":\\"first!\\"}"}']);
  assert.equal(app.get(BROADCASTER_OPTIONS).adapter, 'redis');
});

test('forRoot() with no options reads ANYCABLE_* env (a Redis URL makes it the redis adapter)', async (t) => {
  const app = await withEnv({ ANYCABLE_REDIS_URL: redis.url, ANYCABLE_BROADCAST_ADAPTER: undefined, ANYCABLE_REDIS_CHANNEL: 'from_config' }, async () => {
    @Module({ imports: [BroadcastModule.forRoot()] })
    class AppModule {}
    return NestFactory.createApplicationContext(AppModule, { logger: false });
  });
  t.after(() => app.close());
  const options = app.get<BroadcasterOptions>(BROADCASTER_OPTIONS);
  assert.equal(options.adapter, 'redis');
  assert.equal(options.redisUrl, redis.url);
  const from = recorder.messages.length;
  await app.get(BroadcastService).broadcast('s', 1);
  await waitFor(() => recorder.texts('from_config', from).length > 0, 'the broadcast arrives on the configured channel');
  assert.deepEqual(recorder.texts('from_config', from), ['{"stream":"s","data":"1"}']);
});

test('forRootAsync: options from an injected config provider of an imported module', async (t) => {
  const CONFIG = Symbol('CONFIG');
  @Module({ providers: [{ provide: CONFIG, useValue: { redis: redis.url, channel: 'from_config' } }], exports: [CONFIG] })
  class ConfigModule {}

  @Injectable()
  class Publisher {
    constructor(@Inject(BroadcastService) readonly broadcasts: BroadcastService) {}
  }

  @Module({
    imports: [
      BroadcastModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: async (config: { redis: string; channel: string }) => ({ adapter: 'redis' as const, redisUrl: config.redis, redisChannel: config.channel }),
      }),
    ],
    providers: [Publisher],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  t.after(() => app.close());
  const from = recorder.messages.length;
  await app.get(Publisher).broadcasts.broadcastMany([{ stream: 'a', payload: 1 }, { stream: 'b', payload: 2 }]);
  await waitFor(() => recorder.texts('from_config', from).length > 0, 'the batch arrives');
  assert.deepEqual(recorder.texts('from_config', from), ['[{"stream":"a","data":"1"},{"stream":"b","data":"2"}]']);
});

test('app.close() flushes: publishes still in flight complete, in order, before the connection closes', async () => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 20 }));
  try {
    @Module({ imports: [BroadcastModule.forRoot({ adapter: 'http', httpUrl: intake.url, broadcastKey: 'k' })] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const service = app.get(BroadcastService);
    const publishes = Array.from({ length: 10 }, (_, i) => service.broadcast('s', i));
    await app.close();
    assert.equal(service.pendingCount, 0);
    await Promise.all(publishes);
    assert.deepEqual(intake.requests.map((r) => JSON.parse(r.body).data), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await assert.rejects(service.broadcast('s', 'late'), /broadcaster is closed/);
  } finally {
    await intake.close();
  }
});

test('a bad env value fails the app start with an error naming the variable', async () => {
  await withEnv({ ANYCABLE_BROADCAST_ADAPTER: 'kafka' }, async () => {
    @Module({ imports: [BroadcastModule.forRoot()] })
    class AppModule {}
    await assert.rejects(
      NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false }),
      /ANYCABLE_BROADCAST_ADAPTER: unknown broadcast adapter "kafka"/,
    );
  });
  await withEnv({ ANYCABLE_BROADCAST_TIMEOUT_MS: 'soon' }, async () => {
    @Module({ imports: [BroadcastModule.forRootAsync({ useFactory: () => ({ adapter: 'http' }) })] })
    class AppModule {}
    await assert.rejects(
      NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false }),
      /ANYCABLE_BROADCAST_TIMEOUT_MS: must be an integer, got "soon"/,
    );
  });
});

test('without global, only a module that imports BroadcastModule can inject it', async () => {
  @Module({ imports: [BroadcastModule.forRoot({ adapter: 'http' }), CommentsModule] })
  class AppModule {}
  await assert.rejects(
    NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false }),
    /BroadcastService/,
  );
});

test('a provider may still publish in its own onModuleDestroy: BroadcastModule closes after its importers', async () => {
  const intake = await startHttpIntake();
  try {
    for (const global of [true, false]) {
      @Injectable()
      class Farewell implements OnModuleDestroy {
        constructor(readonly broadcasts: BroadcastService) {}
        onModuleDestroy(): Promise<void> {
          return this.broadcasts.broadcast('system', { bye: global });
        }
      }
      @Module({ imports: [BroadcastModule.forRoot({ global, adapter: 'http', httpUrl: intake.url })], providers: [Farewell] })
      class AppModule {}
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      await app.close();
    }
    assert.deepEqual(intake.requests.map((r) => r.body), ['{"stream":"system","data":"{\\"bye\\":true}"}', '{"stream":"system","data":"{\\"bye\\":false}"}']);
  } finally {
    await intake.close();
  }
});
