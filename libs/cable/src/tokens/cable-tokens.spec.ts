import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import jsonwebtoken from 'jsonwebtoken';
import { verifySignedStreamName } from '#libs/protocol';
import { CableTokenService } from './cable-token.service.js';
import { resolveCableTokensOptions } from './cable-tokens-options.js';
import { CableTokensModule } from './cable-tokens.module.js';
import { StreamSigner } from './stream-signer.service.js';

test('tokens: HS256, identifiers (sorted, as Connect returns them) in ext, exp = now + ttl, extra claims kept', async () => {
  const app = await NestFactory.createApplicationContext(CableTokensModule.forRoot({ jwtSecret: 'jwt', streamsSecret: 'st', ttlSeconds: 120 }), { logger: false });
  const tokens = app.get(CableTokenService);
  const token = tokens.issue({ sid: null, current_user_id: 'ann' }, { claims: { sub: 'ann' } });
  const { header, payload } = jsonwebtoken.decode(token, { complete: true }) as jsonwebtoken.Jwt & { payload: jsonwebtoken.JwtPayload };
  assert.equal(header.alg, 'HS256');
  jsonwebtoken.verify(token, 'jwt', { algorithms: ['HS256'] });
  assert.equal(payload.ext, '{"current_user_id":"ann","sid":null}');
  assert.equal(payload.sub, 'ann');
  assert.ok(Math.abs(payload.exp! - (Math.floor(Date.now() / 1000) + 120)) <= 1);
  assert.equal(jsonwebtoken.decode(tokens.issue({ a: 1 }, { ttlSeconds: 5 }), { json: true })!.exp! - Math.floor(Date.now() / 1000) <= 5, true);

  const signer = app.get(StreamSigner);
  assert.deepEqual(verifySignedStreamName(signer.signStream('comments:post:42'), 'st'), { ok: true, stream: 'comments:post:42' });
  await app.close();
});

test('secrets fall back to the gateway env names; without one, signing fails with a clear error', () => {
  assert.deepEqual(resolveCableTokensOptions({}, { ANYCABLE_SECRET: 'app' }), { jwtSecret: 'app', streamsSecret: 'app', ttlSeconds: 3600 });
  assert.deepEqual(resolveCableTokensOptions({}, { ANYCABLE_SECRET: 'app', ANYCABLE_JWT_SECRET: 'j', ANYCABLE_STREAMS_SECRET: 's' }), {
    jwtSecret: 'j',
    streamsSecret: 's',
    ttlSeconds: 3600,
  });
  const none = resolveCableTokensOptions({}, {});
  assert.throws(() => new CableTokenService(none).issue({ a: 1 }), /no JWT secret/);
  assert.throws(() => new StreamSigner(none).signStream('x'), /no streams secret/);
  assert.throws(() => resolveCableTokensOptions({ ttlSeconds: 0 }, {}), /ttlSeconds/);
});
