import { freePort } from '../../../test/support/index.js';
import { scriptBuilt, startNodeProcess } from './node-process.js';
import type { Peer, PeerStartOptions, RunningPeer } from './peer.js';

const SCRIPT = 'dist/bench/src/servers/ws-floor.server.js';

/** The bare `ws` fan-out server: the floor. */
export const wsFloorPeer: Peer = {
  id: 'ws',
  title: 'bare ws (floor)',
  protocol: 'action-cable',
  urlForUser: (url) => url,
  unavailableReason: () => (scriptBuilt(SCRIPT) ? undefined : `${SCRIPT} is missing: run npm run build`),
  start: (options) => startBenchServer(SCRIPT, 'ws-floor', '/cable', options),
};

/** Starts one of the bench's own peer servers (ws floor, Socket.IO) on a free port. */
export async function startBenchServer(script: string, name: string, path: string, options: PeerStartOptions): Promise<RunningPeer> {
  const port = await freePort();
  const server = await startNodeProcess({
    script,
    name,
    env: { BENCH_HOST: '127.0.0.1', BENCH_PORT: String(port), BENCH_REDIS_URL: options.redisUrl },
    ready: /listening on/,
    inspect: options.inspect,
    cpuProfDir: options.cpuProfDir,
  });
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    pid: server.pid,
    inspectorUrl: server.inspectorUrl,
    companions: [],
    output: () => server.process.output(),
    stop: async () => {
      await server.process.stop('SIGTERM', 10_000);
    },
  };
}
