import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis } from './services.js';
import { portOpen } from './ports.js';

test('startRedis gives a server that answers, and kill/restart work on a private one', async () => {
  const redis = await startRedis();
  try {
    assert.equal(await portOpen(redis.port), true);
    if (redis.private) {
      await redis.kill();
      assert.equal(await portOpen(redis.port), false);
      await redis.restart();
      assert.equal(await portOpen(redis.port), true);
    }
  } finally {
    await redis.stop();
  }
});
