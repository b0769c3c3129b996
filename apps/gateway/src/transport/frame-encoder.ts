import type { StreamPosition } from '../broker/broker.js';

/** One broadcast as the hub hands it to encoders: its parts serialised once per broadcast. */
export interface BroadcastParts {
  /** `{"identifier":"<id>","message":` of the subscription it goes to (see broadcastPrefixOf). */
  readonly prefix: string;
  /** The message as JSON (see messageJsonOf). */
  readonly messageJson: string;
  readonly stream: string;
  /** Set when the broker stored the broadcast (reliable streams); null otherwise. */
  readonly position: StreamPosition | null;
  /** A typed broadcast (presence events): its frame type, already in `prefix`. */
  readonly type?: string;
}

/**
 * How one kind of transport turns server frames into the bytes it writes: WebSocket frames, SSE
 * events. Encoders are stateless and shared, so bytes encoded for one socket are reused for every
 * socket with the same encoder (a broadcast, a ping). `null` means "not sent on this transport"
 * (SSE with `raw=1` sends no typed events).
 */
export interface FrameEncoder {
  /** For logs and metrics: `ws`, `ws-ext`, `sse`, ... */
  readonly name: string;
  /** A server frame given as its JSON text: welcome, confirm, ping, disconnect, RPC transmissions. */
  encodeFrame(json: string): Buffer | null;
  encodeBroadcast(broadcast: BroadcastParts): Buffer | null;
}

/**
 * One frame sent to many sockets (a broadcast to a stream's subscribers, a ping), encoded at most
 * once per encoder. The sockets of one fan-out nearly always share one encoder, so the last one is
 * checked before the map.
 */
export class EncodedOnce {
  private lastEncoder: FrameEncoder | null = null;
  private lastBytes: Buffer | null = null;
  private others: Map<FrameEncoder, Buffer | null> | null = null;

  private constructor(private readonly encode: (encoder: FrameEncoder) => Buffer | null) {}

  /** A server frame given as JSON text (see FrameEncoder.encodeFrame). */
  static frame(json: string): EncodedOnce {
    return new EncodedOnce((encoder) => encoder.encodeFrame(json));
  }

  static broadcast(parts: BroadcastParts): EncodedOnce {
    return new EncodedOnce((encoder) => encoder.encodeBroadcast(parts));
  }

  bytesFor(encoder: FrameEncoder): Buffer | null {
    if (encoder === this.lastEncoder) return this.lastBytes;
    if (this.lastEncoder) (this.others ??= new Map()).set(this.lastEncoder, this.lastBytes);
    const known = this.others?.get(encoder);
    this.lastBytes = known === undefined ? this.encode(encoder) : known;
    this.lastEncoder = encoder;
    return this.lastBytes;
  }
}
