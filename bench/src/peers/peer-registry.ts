import { gatewayHttpRpcPeer, gatewayPeer } from './gateway.peer.js';
import type { Peer, PeerId } from './peer.js';
import { socketIoPeer } from './socket-io.peer.js';
import { wsFloorPeer } from './ws-floor.peer.js';

const PEERS: Record<PeerId, Peer> = { gateway: gatewayPeer, 'gateway-http': gatewayHttpRpcPeer, socketio: socketIoPeer, ws: wsFloorPeer };

/** The peer of an id. */
export function peerById(id: PeerId): Peer {
  return PEERS[id];
}
