import { commentsIdentifier, commentsStream } from '../demo-channel.js';
import { gatewayNoRpcPeer, signedCommentsIdentifier } from '../peers/gateway.peer.js';
import { startCpuMeter } from '../peers/process-cpu.js';
import type { ConnectResult } from '../report/results.js';
import { round, summarize } from '../statistics.js';
import { describeErrors, openClients, withSession, type Scenario } from './scenario.js';

/**
 * connect: N clients connect and subscribe, C attempts in flight per worker; a connection counts at
 * its subscribe confirmation (so the gateway's Connect and subscribe Command RPCs are included).
 * The CPU time of the server and of its companions (the RPC app) is read from /proc around the phase.
 */
export const connectScenario: Scenario<ConnectResult> = {
  name: 'connect',
  describe: (o) =>
    `${o.connections} clients open a WebSocket, get welcome, subscribe and get the confirmation; ` +
    `${o.concurrency} attempts in flight per worker × ${o.workers} workers.`,

  // Our gateway is measured twice: connect + subscribe over RPC (Connect and Command calls), and
  // with a JWT and a signed stream, no RPC app at all (norpc). Other peers once.
  variantsOf: (peer) => (peer.id === 'gateway' ? ['rpc', 'norpc'] : ['']),

  measure: (basePeer, context, variant = '') => {
    const noRpc = variant === 'norpc';
    const peer = noRpc ? gatewayNoRpcPeer : basePeer;
    return withSession('connect', peer, context, { inspect: false }, async (session) => {
      const { options } = context;
      const { server } = session;
      const stopCpu = startCpuMeter([{ name: peer.id, pid: server.pid }, ...server.companions]);
      const opened = await openClients(session, options.connections, {
        identifier: noRpc ? signedCommentsIdentifier() : commentsIdentifier(),
        stream: commentsStream(),
      });
      const perConnection = (ms: number): number => (opened.subscribed === 0 ? 0 : round(ms / opened.subscribed, 3));
      const cpu = stopCpu().map(({ name, cpuMs }) => ({ name, cpuMs: round(cpuMs, 0), msPerConnection: perConnection(cpuMs) }));
      const result: ConnectResult = {
        peer: peer.id,
        title: variant === 'rpc' ? `${peer.title} (Connect + subscribe over RPC)` : peer.title,
        ...(variant ? { variant } : {}),
        clients: options.connections,
        subscribed: opened.subscribed,
        failed: opened.failed,
        errors: opened.errors,
        seconds: round(opened.seconds, 3),
        connectionsPerSecond: round(opened.subscribed / opened.seconds, 1),
        connectMs: summarize(opened.connectMs),
        cpu,
      };
      if (opened.failed > 0) result.error = `${opened.failed} clients did not subscribe: ${describeErrors(opened.errors)}`;
      return result;
    });
  },
};
