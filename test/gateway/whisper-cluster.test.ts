/**
 * Whisper across gateways: a whisper is a transient publication on the subscription's whisper
 * stream (anycable-go `node.Whisper`), so with a shared pub/sub it reaches the subscribers of every
 * gateway — on channels (istate `$w` set by the RPC app) and on signed streams (`streams_whisper`).
 * Also: the JWT proxied to RPC as `x-jid` when it came in a header or the sub-protocol.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import jsonwebtoken from 'jsonwebtoken';
import { Status, signStreamName } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { DEFAULT_SCRIPT, ScriptedRpcServer, channelOf } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';

const SECRET = 'whisper-cluster-secret';

describe('whisper between two gateways over the shared pub/sub', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  let rpc: ScriptedRpcServer;
  let redis: TestService;
  let gateways: GatewayProcess[];
  before(async () => {
    redis = await startRedis();
    cleanups.push(() => redis.stop());
    rpc = await ScriptedRpcServer.start({
      // A typing-indicator channel: its stream is also its whisper stream ($w), as a LiteCable/anycable-rails channel sets it.
      command: (request, call) =>
        request.command === 'subscribe' && channelOf(request.identifier) === 'Typing'
          ? {
              status: Status.SUCCESS,
              streams: ['typing:1'],
              env: { cstate: {}, istate: { $w: 'typing:1' } },
              transmissions: [JSON.stringify({ identifier: request.identifier, type: 'confirm_subscription' })],
            }
          : DEFAULT_SCRIPT.command(request, call),
    });
    cleanups.push(() => rpc.stop());
    // redis broadcasting reaches every gateway by itself; whispers need the pub/sub relay (pubsub=redis by default with redis_url).
    const env = {
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_SECRET: SECRET,
      ANYCABLE_STREAMS_WHISPER: 'true',
      ANYCABLE_HEADERS: 'cookie',
    };
    gateways = await Promise.all([startGateway(env), startGateway(env)]);
    for (const gateway of gateways) cleanups.push(() => gateway.stop('SIGKILL'));
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const client = async (gateway: GatewayProcess, query = '', options: Parameters<typeof RawCableClient.welcomed>[1] = {}): Promise<RawCableClient> => {
    const connected = await RawCableClient.welcomed(`${gateway.url()}${query}`, options);
    cleanups.push(() => connected.close());
    return connected;
  };
  const subscribeAll = async (clients: RawCableClient[], identifier: string): Promise<void> => {
    for (const each of clients) each.subscribe(identifier);
    await Promise.all(clients.map((each) => each.waitForConfirm(identifier)));
    // The relay subscribes to the stream's channel on Redis asynchronously after the first local subscriber.
    await sleep(300);
  };

  test('channel whisper ($w from RPC) reaches the subscribers of the other gateway, never the sender', async () => {
    const [a1, a2, b1] = await Promise.all([client(gateways[0], '?user=a1'), client(gateways[0], '?user=a2'), client(gateways[1], '?user=b1')]);
    const identifier = '{"channel":"Typing"}';
    await subscribeAll([a1, a2, b1], identifier);
    a1.send({ command: 'whisper', identifier, data: { typing: 'a1' } });
    await Promise.all([a2.waitForMessages(identifier, 1), b1.waitForMessages(identifier, 1)]);
    b1.send({ command: 'whisper', identifier, data: { typing: 'b1' } });
    await Promise.all([a1.waitForMessages(identifier, 1), a2.waitForMessages(identifier, 2)]);
    await sleep(200);
    assert.deepEqual(a1.messagesFor(identifier), [{ typing: 'b1' }]);
    assert.deepEqual(a2.messagesFor(identifier), [{ typing: 'a1' }, { typing: 'b1' }]);
    assert.deepEqual(b1.messagesFor(identifier), [{ typing: 'a1' }]);
  });

  test('signed-stream whisper (streams_whisper) crosses gateways with JWT-identified clients and no RPC', async () => {
    const token = jsonwebtoken.sign({ ext: '{"user":"jwt"}' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    const connectsBefore = rpc.callsOf('Connect').length;
    const commandsBefore = rpc.callsOf('Command').length;
    const [a, b] = await Promise.all([client(gateways[0], `?jid=${token}`), client(gateways[1], `?jid=${token}`)]);
    const identifier = JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName('doc:9', SECRET) });
    await subscribeAll([a, b], identifier);
    b.send({ command: 'whisper', identifier, data: { cursor: [3, 4] } });
    await a.waitForMessages(identifier, 1);
    await sleep(200);
    assert.deepEqual(a.messagesFor(identifier), [{ cursor: [3, 4] }]);
    assert.deepEqual(b.messagesFor(identifier), []);
    assert.equal(rpc.callsOf('Connect').length, connectsBefore);
    assert.equal(rpc.callsOf('Command').length, commandsBefore);
  });

  test('a token from the X-JID header or the anycable-token sub-protocol is proxied to RPC as x-jid; one from the query is not', async () => {
    const token = jsonwebtoken.sign({ ext: '{"user":"proxied"}' }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    const viaProtocol = await client(gateways[0], '', { protocols: ['actioncable-v1-json', `anycable-token.${token}`] });
    assert.equal(viaProtocol.protocol, 'actioncable-v1-json', 'the negotiated sub-protocol stays the Action Cable one');
    const viaHeader = await client(gateways[0], '', { headers: { 'X-JID': token } });
    const viaQuery = await client(gateways[0], `?jid=${token}`);
    const headersOf = async (each: RawCableClient, channel: string): Promise<Record<string, string>> => {
      const identifier = JSON.stringify({ channel });
      each.subscribe(identifier);
      await each.waitForConfirm(identifier);
      const call = rpc.commands('subscribe').find((c) => c.request.identifier === identifier);
      assert.equal(call?.request.connection_identifiers, '{"user":"proxied"}');
      return call!.request.env.headers;
    };
    assert.equal((await headersOf(viaProtocol, 'P1'))['x-jid'], token);
    assert.equal((await headersOf(viaHeader, 'P2'))['x-jid'], token);
    assert.equal((await headersOf(viaQuery, 'P3'))['x-jid'], undefined);
  });
});
