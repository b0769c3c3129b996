import { scriptBuilt } from './node-process.js';
import type { Peer } from './peer.js';
import { startBenchServer } from './ws-floor.peer.js';

const SCRIPT = 'dist/bench/src/servers/socket-io.server.js';

/** Socket.IO 4 with @socket.io/redis-adapter. */
export const socketIoPeer: Peer = {
  id: 'socketio',
  title: 'Socket.IO 4 + redis-adapter',
  protocol: 'socket-io',
  urlForUser: (url) => url,
  unavailableReason: () => (scriptBuilt(SCRIPT) ? undefined : `${SCRIPT} is missing: run npm run build`),
  start: (options) => startBenchServer(SCRIPT, 'socket.io', '/socket.io/?EIO=4&transport=websocket', options),
};
