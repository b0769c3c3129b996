import { encodeBroadcast, encodeStreamMessage } from '../protocol/server-frame.encoder.js';
import type { BroadcastParts, FrameEncoder } from './frame-encoder.js';
import { encodeTextFrame } from './ws-frame.js';

/**
 * WebSocket text frames. A stored broadcast carries its position (`stream_id`, `epoch`, `offset`)
 * whatever the sub-protocol, as anycable-go does: a plain-protocol client may ask for history too.
 */
class WsFrameEncoder implements FrameEncoder {
  readonly name = 'ws';

  encodeFrame(json: string): Buffer {
    return encodeTextFrame(json);
  }

  encodeBroadcast({ prefix, messageJson, stream, position }: BroadcastParts): Buffer {
    return encodeTextFrame(position ? encodeStreamMessage(prefix, messageJson, stream, position) : encodeBroadcast(prefix, messageJson));
  }
}

/** The one encoder of every WebSocket session. */
export const WS_ENCODER: FrameEncoder = new WsFrameEncoder();
