import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jwt from 'jsonwebtoken';
import { verifySignedStreamName } from '#libs/protocol';
import { freePort, startApp, startRedis, type RunningProcess, type TestService } from '../support/index.js';
import { postJson } from '../support/demo-scenario.js';
import { listenToBroadcasts, type RedisListener } from '../rpc/support/redis-listener.js';

const SECRET = 'demo-http-test-secret';

/** The RPC app with its HTTP server on a free port; resolves with the app and its base URL. */
async function startRpcWithHttp(env: Record<string, string>): Promise<{ app: RunningProcess; url: string }> {
  const app = startApp('rpc', { ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`, RPC_HTTP_PORT: '0', ...env });
  try {
    const [, url] = await app.waitForOutput(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    await app.waitForOutput(/RPC server listening on/, 20_000);
    return { app, url: url! };
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
}

describe('the RPC app over HTTP: demo page, token and comments endpoints', () => {
  let redis: TestService;
  let broadcasts: RedisListener;
  let rpc: { app: RunningProcess; url: string };

  before(async () => {
    redis = await startRedis();
    broadcasts = await listenToBroadcasts(redis.url);
    rpc = await startRpcWithHttp({
      JWT_SECRET: SECRET,
      ANYCABLE_STREAMS_SECRET: 'demo-streams-secret',
      CABLE_URL: 'ws://127.0.0.1:8181/ws?x="<y>"',
      ANYCABLE_BROADCAST_ADAPTER: 'redis',
      ANYCABLE_REDIS_URL: redis.url,
      // A broadcast to a dead Redis fails fast (the last test).
      ANYCABLE_BROADCAST_TIMEOUT_MS: '1000',
      ANYCABLE_BROADCAST_RETRIES: '0',
    });
  });
  after(async () => {
    await rpc?.app.stop();
    await broadcasts?.close();
    await redis?.stop();
  });

  test('GET /health answers 200', async () => {
    const response = await fetch(`${rpc.url}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('GET / renders the page with CABLE_URL (HTML-escaped) in the action-cable-url meta tag and a CSP allowing only that origin', async () => {
    const response = await fetch(`${rpc.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<meta name="action-cable-url" content="ws:\/\/127\.0\.0\.1:8181\/ws\?x=&#34;&#60;y&#62;&#34;">/);
    assert.match(html, /<script type="module" src="\/demo\.js"><\/script>/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:8181(;|$)/);
    assert.equal(response.headers.get('x-powered-by'), null);
  });

  test('the page\'s scripts: demo.js imports the unmodified @rails/actioncable ESM build served from node_modules', async () => {
    const script = await fetch(`${rpc.url}/demo.js`);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await script.text(), /from '\/vendor\/actioncable\.esm\.js'/);
    const vendor = await fetch(`${rpc.url}/vendor/actioncable.esm.js`);
    assert.equal(vendor.status, 200);
    const file = createRequire(import.meta.url).resolve('@rails/actioncable/app/assets/javascripts/actioncable.esm.js');
    assert.equal(await vendor.text(), readFileSync(file, 'utf8'));
    assert.equal((await fetch(`${rpc.url}/demo.css`)).status, 200);
  });

  test('POST /demo/token issues a 15-minute HS256 JWT whose sub is the user and ext the gateway identifiers', async () => {
    const answer = await postJson(`${rpc.url}/demo/token`, { user: 'alice' });
    assert.equal(answer.status, 201);
    const payload = jwt.verify(answer.body.token as string, SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    assert.equal(payload.sub, 'alice');
    // The gateway's identification claim: the connection identifiers as AppConnection would give them.
    assert.equal(payload.ext, '{"current_user_id":"alice","sid":null}');
    assert.equal(payload.exp! - payload.iat!, 900);
    assert.equal(answer.body.user, 'alice');
    assert.ok(Math.abs(Date.parse(answer.body.expires_at as string) / 1000 - payload.exp!) <= 1, `expires_at ${answer.body.expires_at} vs exp ${payload.exp}`);
  });

  test('GET /posts/:id/comments/stream answers the post stream signed with ANYCABLE_STREAMS_SECRET; 400 for a bad id', async () => {
    const response = await fetch(`${rpc.url}/posts/42/comments/stream`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { stream: string; signed_stream_name: string };
    assert.equal(body.stream, 'comments:post:42');
    assert.deepEqual(verifySignedStreamName(body.signed_stream_name, 'demo-streams-secret'), { ok: true, stream: 'comments:post:42' });
    assert.equal((await fetch(`${rpc.url}/posts/${encodeURIComponent('a b')}/comments/stream`)).status, 400);
  });

  for (const [body, pattern] of [
    [{}, /user must be 1 to 32/],
    [{ user: 'not valid' }, /user must be 1 to 32/],
    [{ user: 'x'.repeat(33) }, /user must be 1 to 32/],
    [{ user: 42 }, /user must be a string/],
    [{ user: 'alice', admin: true }, /property admin should not exist/],
  ] as const) {
    test(`POST /demo/token refuses ${JSON.stringify(body)} with 400`, async () => {
      const answer = await postJson(`${rpc.url}/demo/token`, body);
      assert.equal(answer.status, 400);
      assert.match(JSON.stringify(answer.body.message), pattern);
    });
  }

  test('POST /posts/:id/comments publishes the comment to comments:post:<id> and answers it (201)', async () => {
    const before = broadcasts.messages.length;
    const answer = await postJson(`${rpc.url}/posts/42/comments`, { author: 'carol', body: 'First!' });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body).sort(), ['author', 'body', 'created_at', 'id', 'post_id']);
    assert.equal(answer.body.post_id, '42');
    assert.match(answer.body.id as string, /^[0-9a-f-]{36}$/);
    const messages = await broadcasts.waitForCount(before + 1);
    const publication = messages[before]!;
    assert.ok('stream' in publication, JSON.stringify(publication));
    assert.equal(publication.stream, 'comments:post:42');
    assert.deepEqual(JSON.parse(publication.data), answer.body);
  });

  for (const [path, body, pattern] of [
    ['/posts/42/comments', { author: 'carol' }, /body should not be empty|body must be a string/],
    ['/posts/42/comments', { author: ' carol', body: 'x' }, /author must be 1 to 64 characters/],
    ['/posts/42/comments', { author: 'carol', body: 'x'.repeat(1001) }, /body must be shorter than or equal to 1000 characters/],
    ['/posts/42/comments', { author: 'carol', body: 'x', html: '<b>' }, /property html should not exist/],
    ['/posts/a%20b/comments', { author: 'carol', body: 'x' }, /post id must be/],
  ] as const) {
    test(`POST ${path} refuses ${JSON.stringify(body).slice(0, 60)} with 400`, async () => {
      const before = broadcasts.messages.length;
      const answer = await postJson(`${rpc.url}${path}`, body);
      assert.equal(answer.status, 400);
      assert.match(JSON.stringify(answer.body.message), pattern);
      assert.equal(broadcasts.messages.length, before, 'nothing was published');
    });
  }

  test('a body that is not JSON gets 400, and the app lives on', async () => {
    const response = await fetch(`${rpc.url}/posts/42/comments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"author":' });
    assert.equal(response.status, 400);
    assert.equal((await fetch(`${rpc.url}/health`)).status, 200);
  });

  // Last: it kills this suite's Redis.
  test('a comment that cannot be broadcast (Redis down) gets 503 naming the cause; the app logs it and lives on', async (t) => {
    if (!redis.private) return t.skip('no redis-server installed: cannot kill the shared Redis');
    await redis.kill();
    const answer = await postJson(`${rpc.url}/posts/42/comments`, { author: 'carol', body: 'lost' });
    assert.equal(answer.status, 503);
    assert.match(answer.body.message as string, /the comment could not be broadcast/);
    await rpc.app.waitForOutput(/comment \S+ on post 42 was not broadcast/);
    assert.equal((await fetch(`${rpc.url}/health`)).status, 200);
  });
});

test('without JWT_SECRET, POST /demo/token answers 503 saying so', async () => {
  const rpc = await startRpcWithHttp({ JWT_SECRET: '', ANYCABLE_BROADCAST_ADAPTER: 'http' });
  try {
    const answer = await postJson(`${rpc.url}/demo/token`, { user: 'alice' });
    assert.equal(answer.status, 503);
    assert.match(answer.body.message as string, /JWT_SECRET is not set/);
  } finally {
    await rpc.app.stop();
  }
});
