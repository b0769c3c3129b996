import { readStamp } from '../stamped-payload.js';
import type { ClientProtocol, FrameEvent, SubscriptionTarget } from './client-protocol.js';

const IGNORE: FrameEvent = { type: 'ignore' };
const READY: FrameEvent = { type: 'ready' };
const SUBSCRIBED: FrameEvent = { type: 'subscribed' };
const REPLY: FrameEvent = { type: 'reply' };
/** Engine.IO ping → pong; the server closes clients that do not answer. */
const PONG: FrameEvent = { type: 'respond', frame: '3' };
/** After the Engine.IO open packet, connect to the default namespace. */
const CONNECT_NAMESPACE: FrameEvent = { type: 'respond', frame: '40' };

/**
 * Socket.IO 4 over a raw WebSocket (Engine.IO v4, websocket transport only), so the load clients cost
 * the same per message for every peer instead of paying for socket.io-client's machinery.
 * Packets: `0` open, `2` ping, `40` namespace connected, `42[...]` event, `43<id>[...]` ack,
 * `44` connect error, `41` disconnect.
 */
export const socketIoProtocol: ClientProtocol = {
  subprotocols: [],

  classify(frame) {
    if (frame.startsWith('42')) {
      const stamp = readStamp(frame);
      return stamp ? { type: 'broadcast', stamp } : IGNORE;
    }
    if (frame.startsWith('43')) return ackId(frame) === 0 ? SUBSCRIBED : REPLY;
    if (frame === '2') return PONG;
    if (frame.startsWith('40')) return READY;
    if (frame.startsWith('0')) return CONNECT_NAMESPACE;
    if (frame.startsWith('44')) return { type: 'rejected', reason: `connect error ${frame.slice(2, 200)}` };
    if (frame.startsWith('41') || frame === '1') return { type: 'disconnect', reason: 'socket.io disconnect' };
    return IGNORE;
  },

  subscribeFrame: (target: SubscriptionTarget, ack: number) => `42${ack}${JSON.stringify(['subscribe', target.stream])}`,
  unsubscribeFrame: (target: SubscriptionTarget) => `42${JSON.stringify(['unsubscribe', target.stream])}`,
  commandFrame: (_target: SubscriptionTarget, data: Record<string, unknown>, ack: number) => `42${ack}${JSON.stringify(['command', data])}`,
};

function ackId(frame: string): number {
  let end = 2;
  while (end < frame.length && frame.charCodeAt(end) >= 48 && frame.charCodeAt(end) <= 57) end += 1;
  return Number(frame.slice(2, end));
}
