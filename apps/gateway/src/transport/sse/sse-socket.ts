import type { ServerResponse } from 'node:http';
import type { FrameEncoder } from '../frame-encoder.js';
import type { Handshake } from '../handshake.js';
import type { SessionSocket } from '../session-socket.js';
import { TransportSocket, type TransportContext } from '../transport-socket.js';

const SSE_FIELDS = Object.freeze({ transport: 'sse' });

/**
 * One SSE response as a session's socket. Until the session is authenticated and subscribed the
 * response has no status yet: frames wait in a backlog, so a refused request still gets its 401 or
 * 400 with an empty body (anycable-go's sse/connection.go does the same). {@link establish} sends
 * the 200 and the backlog. The unsent bytes, backlog included, are bounded by ws_max_pending_size
 * like a WebSocket's: a client that does not read is disconnected.
 * Knows nothing of Action Cable or RPC.
 */
export class SseSocket extends TransportSocket implements SessionSocket {
  readonly protocol = 'sse';
  private backlog: Buffer[] | null = [];
  private backlogBytes = 0;
  private ended = false;
  /** The WebSocket close code the session asked for while the request was not answered yet; null if none. */
  private closeCode: number | null = null;

  constructor(
    sid: string,
    readonly encoder: FrameEncoder,
    private readonly response: ServerResponse,
    /** The response uses chunked transfer encoding: the encoder builds every event as a chunk. */
    private readonly chunked: boolean,
    handshake: Handshake,
    context: TransportContext,
  ) {
    super(sid, handshake, context);
  }

  /** The close code the session chose before the response was established (1011: the RPC failed). */
  get closedBeforeEstablished(): number | null {
    return this.closeCode;
  }

  get isOpen(): boolean {
    return !this.ended && !this.response.destroyed;
  }

  sendFrame(frame: Buffer): boolean {
    if (!this.isOpen) return false;
    if (this.backlog) {
      this.backlog.push(frame);
      this.backlogBytes += frame.length;
      return this.withinSendBound(this.backlogBytes);
    }
    // Straight to the connection: the frame is already a whole chunk (see sseEncoderFor), the same
    // buffer for every subscriber of a broadcast.
    const socket = this.response.socket;
    if (!socket) return false;
    socket.write(frame);
    return this.withinSendBound(socket.writableLength);
  }

  sendText(json: string): boolean {
    const frame = this.encoder.encodeFrame(json);
    return frame !== null && this.sendFrame(frame);
  }

  /** Answers 200 and writes what the session sent so far; from now on frames are written as they come. */
  establish(): void {
    if (!this.isOpen || !this.backlog) return;
    this.response.writeHead(200);
    this.response.flushHeaders();
    // Node decides the framing when it writes the head; frames were encoded for the one it announced.
    const chunked = (this.response as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding === true;
    if (chunked !== this.chunked) {
      this.context.logger.error({ sid: this.sid, chunked, expected: this.chunked, transport: 'sse' }, 'SSE response framing is not the one its events were built for: closing');
      this.terminate();
      return;
    }
    const backlog = this.backlog;
    this.backlog = null;
    if (backlog.length > 0) this.response.socket?.write(Buffer.concat(backlog, this.backlogBytes));
    this.backlogBytes = 0;
  }

  /** Answers a request the session did not establish: `status` with an empty body. */
  refuse(status: number): void {
    if (this.ended || this.response.headersSent || this.response.destroyed) return;
    this.ended = true;
    this.backlog = null;
    this.response.writeHead(status, { 'content-length': '0' });
    this.response.end();
  }

  /** Ends the event stream (an established one; Node writes the last chunk), or remembers why the session closed before it was. */
  close(code: number): void {
    if (this.backlog) {
      this.closeCode ??= code;
      return;
    }
    if (this.ended) return;
    this.ended = true;
    this.response.end();
  }

  /** Drops the connection at once (shutdown leftovers, slow clients). */
  terminate(): void {
    this.ended = true;
    this.response.destroy();
  }

  /** One-way transport: there is nothing to stop reading. */
  pause(): void {}

  resume(): void {}

  protected override get transportFields(): Readonly<{ transport: string }> {
    return SSE_FIELDS;
  }
}
