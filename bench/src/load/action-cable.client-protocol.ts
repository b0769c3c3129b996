import { readStamp } from '../stamped-payload.js';
import type { ClientProtocol, FrameEvent, SubscriptionTarget } from './client-protocol.js';

const IGNORE: FrameEvent = { type: 'ignore' };
const READY: FrameEvent = { type: 'ready' };
const SUBSCRIBED: FrameEvent = { type: 'subscribed' };
const REPLY: FrameEvent = { type: 'reply' };

/**
 * Action Cable (actioncable-v1-json), spoken by the gateway and the ws floor. Confirmations of a
 * subscribe come back as `subscribed` whatever the ack id: the caller knows whether it is in a
 * command loop. A transmission without a stamp is the answer to a `message` command.
 */
export const actionCableProtocol: ClientProtocol = {
  subprotocols: ['actioncable-v1-json', 'actioncable-unsupported'],

  classify(frame) {
    const stamp = readStamp(frame);
    if (stamp) return { type: 'broadcast', stamp };
    let parsed: { type?: unknown; message?: unknown; reason?: unknown; identifier?: unknown };
    try {
      parsed = JSON.parse(frame) as typeof parsed;
    } catch (error) {
      return { type: 'rejected', reason: `frame is not JSON: ${(error as Error).message}` };
    }
    switch (parsed.type) {
      case 'welcome':
        return READY;
      case 'ping':
        return IGNORE;
      case 'confirm_subscription':
        return SUBSCRIBED;
      case 'reject_subscription':
        return { type: 'rejected', reason: 'reject_subscription' };
      case 'disconnect':
        return { type: 'disconnect', reason: `disconnect: ${String(parsed.reason)}` };
      default:
        return 'message' in parsed ? REPLY : IGNORE;
    }
  },

  subscribeFrame: (target: SubscriptionTarget) => JSON.stringify({ command: 'subscribe', identifier: target.identifier }),
  unsubscribeFrame: (target: SubscriptionTarget) => JSON.stringify({ command: 'unsubscribe', identifier: target.identifier }),
  commandFrame: (target: SubscriptionTarget, data: Record<string, unknown>) =>
    JSON.stringify({ command: 'message', identifier: target.identifier, data: JSON.stringify(data) }),
};
