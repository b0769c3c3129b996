import { commentsIdentifier, commentsStream } from '../demo-channel.js';
import { CLIENT_PLACEHOLDER } from '../load/client-protocol.js';
import type { CommandMode } from '../load/worker-messages.js';
import type { RpcResult } from '../report/results.js';
import { round, summarize, total } from '../statistics.js';
import { describeErrors, openClients, tick, withSession, type Scenario } from './scenario.js';

/**
 * Message mode: each client (a signed-in user) follows its own actuator and calls `speak`; the RPC
 * app broadcasts the message to that actuator's stream through Redis, so the answer is the broadcast
 * coming back to the speaker alone.
 */
const ACTUATOR_TARGET = { identifier: JSON.stringify({ channel: 'actuator', id: `bench-${CLIENT_PLACEHOLDER}` }), stream: `actuator_bench-${CLIENT_PLACEHOLDER}` };
const SPEAK = { action: 'speak', message: 'bench' };
/** The user the rpc scenario's clients sign in as. */
const BENCH_USER = 'bench-user';

/**
 * rpc: K clients each run commands back to back (one in flight) for S seconds, at the gateway's
 * default RPC concurrency. message mode (default): `speak` on the client's own actuator, answered by
 * the broadcast it causes; subscribe-cycle mode: unsubscribe the previous comments subscription and
 * subscribe a new one (two RPC Commands per round trip, answered by the confirmation). The peers
 * answer in process (no RPC hop, no Redis): they show what the RPC round trip costs.
 */
export const rpcScenario: Scenario<RpcResult> = {
  name: 'rpc',
  describe: (o) =>
    `${o.rpcClients} clients, one command in flight each, for ${o.rpcSeconds} s; ` +
    (o.rpcMode === 'subscribe-cycle'
      ? 'unsubscribe + subscribe comments per round trip (2 commands), answered by the confirmation'
      : 'actuator `speak` (gateway → RPC → Redis broadcast → back to the speaker)') +
    '; the peers answer in process (no RPC).',

  measure: (peer, context) =>
    withSession('rpc', peer, context, { inspect: false }, async (session) => {
      const { options } = context;
      const messageMode = options.rpcMode === 'message';
      const opened = messageMode
        ? await openClients(session, options.rpcClients, ACTUATOR_TARGET, peer.urlForUser(session.server.url, BENCH_USER))
        : await openClients(session, options.rpcClients, { identifier: commentsIdentifier(), stream: commentsStream() });
      const mode: CommandMode = messageMode ? { kind: 'message', data: SPEAK } : { kind: 'subscribe-cycle' };
      const started = Date.now();
      const stopTicker = tick(context, () => {
        const elapsed = (Date.now() - started) / 1000;
        const { completed } = session.workers.progress();
        return `${session.label}: ${completed} round trips in ${elapsed.toFixed(1)} s`;
      });
      const replies = await session.workers
        .all(() => ({ kind: 'commands' as const, durationMs: options.rpcSeconds * 1000, mode }))
        .finally(stopTicker);
      const seconds = (Date.now() - started) / 1000;
      const commands = total(replies, (reply) => reply.commands);
      const completed = total(replies, (reply) => reply.completed);
      const unanswered = total(replies, (reply) => reply.unanswered);
      const result: RpcResult = {
        peer: peer.id,
        title: peer.title,
        clients: options.rpcClients,
        mode: options.rpcMode,
        seconds: round(seconds, 3),
        commands,
        completed,
        unanswered,
        commandsPerSecond: round(commands / seconds, 1),
        latencyMs: summarize(replies.map((reply) => reply.latencyMs)),
      };
      const problems: string[] = [];
      if (opened.failed > 0) problems.push(`${opened.failed} clients did not subscribe: ${describeErrors(opened.errors)}`);
      if (completed === 0) problems.push('no command was answered');
      if (unanswered > 0) problems.push(`${unanswered} commands unanswered at the end`);
      if (problems.length) result.error = problems.join('; ');
      return result;
    }),
};
