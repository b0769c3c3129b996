/**
 * An RPC app deploy is not felt by the gateway's clients (issue 13, item 8): clients stay connected
 * and keep performing at a steady rate while this repository's RPC app (apps/rpc) is stopped with
 * SIGTERM and started again a few seconds later on the same address. Every command gets exactly one
 * outcome, within its deadline (rpc_request_timeout from the moment the gateway received it):
 * - answered (the app's broadcast of the `speak` reaches the speaker) once the app is back, or
 * - refused with a frame: `{"type":"error","message":{"error":"rpc_unavailable",…}}` for a message
 *   the app did not run, `reject_subscription` for a subscribe. A refusal `rpc_timeout` (the deadline
 *   passed with the call out: the app may have run it) may be followed by the answer; no other
 *   command gets two outcomes.
 * Two gateways share the app: one whose deadline covers the gap (everything answered), one whose
 * deadline does not (the commands of the gap refused in time, the later ones answered).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import jsonwebtoken from 'jsonwebtoken';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort, waitFor } from '../support/ports.js';
import { startApp, type RunningProcess } from '../support/processes.js';
import { startRedis, type TestService } from '../support/services.js';

const JWT_SECRET = 'rpc-deploy-secret';
const CLIENTS_PER_GATEWAY = 10;
const PERFORM_EVERY_MS = 400;
/** From the old app's exit to starting the new one (the issue asks for 2–5 s). */
const GAP_MS = 2_500;
/**
 * Covers the gap plus the new app's start (1.5 s idle, far more on a busy machine) and the gRPC
 * reconnect (README: operations). The test waits for outcomes, not for the deadline: it costs
 * nothing when the app is back sooner.
 */
const LONG_DEADLINE_MS = 20_000;
/** How long after the new app listens a waiting call reaches it: reconnect and retry each ≤ 500 ms, with jitter (README: operations). */
const REACH_NEW_APP_MS = 1_500;
/** Shorter than the gap: the commands of the gap must be refused, in time. */
const SHORT_DEADLINE_MS = 1_000;
/** A loaded two-core machine (load 15 seen while other suites ran): timers and frames may be this late on top of a deadline. */
const SLACK_MS = 2_000;

interface Sent {
  readonly text: string;
  readonly identifier: string;
  readonly at: number;
}

/** One client: its own actuator, a `speak` every PERFORM_EVERY_MS, each outcome recorded. */
class Speaker {
  readonly sent: Sent[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly client: RawCableClient,
    readonly name: string,
    readonly identifier: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.speak(), PERFORM_EVERY_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private speak(): void {
    const text = `${this.name}#${this.seq++}`;
    this.sent.push({ text, identifier: this.identifier, at: Date.now() });
    this.client.perform(this.identifier, { action: 'speak', message: text });
  }

  /** Outcomes of `text`: answered (the broadcast back) and refused (error frames: when, and why), with their times. */
  outcomes(text: string): { answered: number[]; refused: Array<{ at: number; error: string }> } {
    const answered: number[] = [];
    const refused: Array<{ at: number; error: string }> = [];
    this.client.frames.forEach((frame, index) => {
      if (typeof frame !== 'object' || frame.identifier !== this.identifier) return;
      const message = frame.message as Record<string, unknown> | undefined;
      if (frame.type === 'error' && message?.command === 'message') {
        if ((JSON.parse(String(message.data)) as { message: string }).message === text) refused.push({ at: this.client.frameTimes[index], error: String(message.error) });
      } else if (message?.message === text) answered.push(this.client.frameTimes[index]);
    });
    return { answered, refused };
  }
}

describe('an RPC app restart (SIGTERM, start again 2.5 s later) under steady client traffic', () => {
  let redis: TestService;
  let rpcHost: string;
  let rpcApp: RunningProcess;
  let longDeadline: GatewayProcess;
  let shortDeadline: GatewayProcess;
  const clients: RawCableClient[] = [];

  const startRpcApp = async (): Promise<RunningProcess> => {
    const app = startApp('rpc', { ANYCABLE_RPC_HOST: rpcHost, JWT_SECRET, ANYCABLE_REDIS_URL: redis.url, ANYCABLE_BROADCAST_ADAPTER: 'redis' });
    await app.waitForOutput(/RPC server listening on/, 30_000);
    return app;
  };

  before(async () => {
    redis = await startRedis();
    rpcHost = `127.0.0.1:${await freePort()}`;
    rpcApp = await startRpcApp();
    const gatewayEnv = { ANYCABLE_RPC_HOST: rpcHost, ANYCABLE_REDIS_URL: redis.url };
    [longDeadline, shortDeadline] = await Promise.all([
      startGateway({ ...gatewayEnv, ANYCABLE_RPC_REQUEST_TIMEOUT: String(LONG_DEADLINE_MS) }),
      startGateway({ ...gatewayEnv, ANYCABLE_RPC_REQUEST_TIMEOUT: String(SHORT_DEADLINE_MS) }),
    ]);
  });

  after(async () => {
    for (const client of clients) client.ws.terminate();
    await longDeadline?.stop();
    await shortDeadline?.stop();
    await rpcApp?.stop();
    await redis?.stop();
  });

  const speakersOn = async (gateway: GatewayProcess, label: string): Promise<Speaker[]> =>
    Promise.all(
      Array.from({ length: CLIENTS_PER_GATEWAY }, async (_, i) => {
        const name = `${label}-${i}`;
        const token = jsonwebtoken.sign({ sub: name }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });
        const client = await RawCableClient.welcomed(`${gateway.url()}?jwt_token=${token}`);
        clients.push(client);
        const identifier = JSON.stringify({ channel: 'actuator', id: name });
        client.subscribe(identifier);
        await client.waitForConfirm(identifier);
        return new Speaker(client, name, identifier);
      }),
    );

  test('no client is disconnected; every command is answered or refused with a frame, once, within its deadline', async () => {
    const long = await speakersOn(longDeadline, 'long');
    const short = await speakersOn(shortDeadline, 'short');
    const speakers = [...long, ...short];
    for (const speaker of speakers) speaker.start();
    await sleep(1_000);

    const stoppedAt = Date.now();
    assert.equal(await rpcApp.stop('SIGTERM'), 0, 'the RPC app exits 0 on SIGTERM');
    const exitMs = Date.now() - stoppedAt;
    // A subscribe sent while the app is down, on each gateway.
    const lateIdentifier = (label: string) => JSON.stringify({ channel: 'actuator', id: `${label}-late` });
    long[0].client.subscribe(lateIdentifier('long'));
    short[0].client.subscribe(lateIdentifier('short'));
    const lateSubscribeAt = Date.now();
    await sleep(GAP_MS);
    rpcApp = await startRpcApp();
    const backAt = Date.now();
    await sleep(2_000);
    for (const speaker of speakers) speaker.stop();
    const lastSentAt = Date.now();
    // Every outcome is due by the last command's deadline; then a moment for a second one to show.
    const settled = () => speakers.every((speaker) => speaker.sent.every((sent) => Object.values(speaker.outcomes(sent.text)).some((list) => list.length > 0)));
    await waitFor(settled, 'an outcome for every command', LONG_DEADLINE_MS + SLACK_MS - (Date.now() - lastSentAt)).catch(() => undefined);
    await sleep(500);

    for (const { client } of speakers) {
      assert.equal(client.closeEvent, null, 'the client was not disconnected');
      assert.ok(!client.frames.some((frame) => typeof frame === 'object' && frame.type === 'disconnect'), 'no disconnect frame');
    }

    const tally = (group: Speaker[], deadlineMs: number) => {
      const counts = { sent: 0, duringGap: 0, answered: 0, answeredDuringGap: 0, refused: 0, refusedDuringGap: 0, timedOut: 0 };
      for (const speaker of group) {
        for (const sent of speaker.sent) {
          const { answered, refused } = speaker.outcomes(sent.text);
          // A refusal rpc_timeout says the app may have run it: its answer may follow. Nothing else has two outcomes.
          const timedOut = refused.length === 1 && refused[0].error === 'rpc_timeout' && answered.length <= 1;
          if (timedOut) counts.timedOut++;
          else assert.ok(refused.every((refusal) => refusal.error === 'rpc_unavailable'), `${sent.text}: ${JSON.stringify(refused)}`);
          const outcomes = timedOut ? [refused[0].at] : [...answered, ...refused.map((refusal) => refusal.at)];
          assert.equal(
            outcomes.length,
            1,
            `${sent.text} (sent ${sent.at - stoppedAt} ms after SIGTERM): one outcome, got ${answered.length} answered, ${refused.length} refused; ` +
              `frames then: ${speaker.client.frames
                .map((frame, index) => ({ frame, t: speaker.client.frameTimes[index] - stoppedAt }))
                .filter(({ frame, t }) => t > -500 && t < 8000 && !(typeof frame === 'object' && frame.type === 'ping'))
                .map(({ frame, t }) => `${t}: ${JSON.stringify(frame)}`)
                .join(' | ')}`,
          );
          assert.ok(outcomes[0] - sent.at <= deadlineMs + SLACK_MS, `${sent.text}: outcome after ${outcomes[0] - sent.at} ms, past its ${deadlineMs} ms deadline`);
          const duringGap = sent.at >= stoppedAt && sent.at < backAt;
          const wasAnswered = answered.length > 0 && !timedOut;
          // What the gateway owes, from the measured gap (not from how fast this machine is today):
          // a command whose deadline ends before the new app listened is refused, as not run; one whose
          // deadline ends well after (reconnect and retry within ~1.2 s, plus slack) is answered.
          const deadlineAt = sent.at + deadlineMs;
          // (rpc_timeout is allowed there: a call stuck connecting on a loaded machine is counted as maybe run, and the
          // test sees "listening" through a pipe, a little late.)
          if (duringGap && deadlineAt < backAt) assert.ok(refused.length === 1, `${sent.text}: its deadline ended before the app was back, yet not refused: ${JSON.stringify(refused)}`);
          if (deadlineAt > backAt + REACH_NEW_APP_MS + SLACK_MS) assert.ok(wasAnswered, `${sent.text} (sent ${sent.at - stoppedAt} ms after SIGTERM, app back after ${backAt - stoppedAt} ms) was not answered: ${JSON.stringify(refused)}`);
          counts.sent++;
          if (duringGap) counts.duringGap++;
          if (wasAnswered) {
            counts.answered++;
            if (duringGap) counts.answeredDuringGap++;
          } else {
            counts.refused++;
            if (duringGap) counts.refusedDuringGap++;
          }
        }
      }
      return counts;
    };
    const longCounts = tally(long, LONG_DEADLINE_MS);
    const shortCounts = tally(short, SHORT_DEADLINE_MS);
    const gapMs = backAt - stoppedAt;

    process.stderr.write(`RPC app: exit ${exitMs} ms after SIGTERM, listening again ${gapMs} ms after it; long ${JSON.stringify(longCounts)}; short ${JSON.stringify(shortCounts)}\n`);
    // The long deadline covers the gap (on an idle machine, all of it): commands sent while the app was down were answered once it was back.
    assert.ok(longCounts.duringGap > CLIENTS_PER_GATEWAY * 5, `commands sent during the ${gapMs} ms gap: ${JSON.stringify(longCounts)}`);
    assert.ok(longCounts.answeredDuringGap > CLIENTS_PER_GATEWAY * 3, `deadline ${LONG_DEADLINE_MS} ms, gap ${gapMs} ms: ${JSON.stringify(longCounts)}`);
    // The short deadline does not: the commands of the gap were refused (in time, checked above).
    assert.ok(shortCounts.refusedDuringGap > CLIENTS_PER_GATEWAY * 3, `deadline ${SHORT_DEADLINE_MS} ms, gap ${gapMs} ms: ${JSON.stringify(shortCounts)}`);
    assert.ok(shortCounts.answered > CLIENTS_PER_GATEWAY, `commands before and after the gap answered: ${JSON.stringify(shortCounts)}`);

    const outcomeOf = (client: RawCableClient, identifier: string) =>
      client.frames.find((frame) => typeof frame === 'object' && frame.identifier === identifier && /_subscription$/.test(String(frame.type)));
    assert.deepEqual(outcomeOf(long[0].client, lateIdentifier('long')), { identifier: lateIdentifier('long'), type: 'confirm_subscription' });
    const rejected = short[0].client.frames.findIndex((frame) => typeof frame === 'object' && frame.identifier === lateIdentifier('short'));
    assert.deepEqual(short[0].client.frames[rejected], { identifier: lateIdentifier('short'), type: 'reject_subscription' });
    assert.ok(short[0].client.frameTimes[rejected] - lateSubscribeAt <= SHORT_DEADLINE_MS + SLACK_MS, 'the subscribe was refused within its deadline');
    // One line per outage (a call answered by the draining app may split it in two), not one per refused command.
    const outageLines = shortDeadline.process.output().match(/RPC server unavailable: calls are retried until rpc_request_timeout, then refused/g)?.length ?? 0;
    assert.ok(outageLines >= 1 && outageLines <= 3, `${outageLines} outage lines`);
    assert.match(shortDeadline.process.output(), /RPC server answers again.*callsFailed=[1-9]/);
  });
});
