import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { FrameEncoder } from './frame-encoder.js';
import type { Handshake } from './handshake.js';
import type { SessionSocket } from './session-socket.js';
import { TransportSocket, type TransportContext } from './transport-socket.js';
import { WS_ENCODER } from './ws-frame-encoders.js';

/**
 * One accepted WebSocket connection. Frames are written as prebuilt buffers straight to the TCP
 * socket (one `write` each), which is safe alongside `ws`'s own writes (close, pong) because
 * compression is off and `ws` writes every frame synchronously and whole.
 * Knows nothing of Action Cable or RPC.
 */
export class CableSocket extends TransportSocket implements SessionSocket {
  readonly encoder: FrameEncoder = WS_ENCODER;
  /** Told once when the socket has closed (the adapter binds Nest's disconnect callback). */
  private closedListener: ((reason: string) => void) | null = null;

  constructor(
    sid: string,
    /** The negotiated sub-protocol, '' when the client offered none we speak. */
    readonly protocol: string,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    handshake: Handshake,
    context: TransportContext,
  ) {
    super(sid, handshake, context);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Writes a prebuilt frame (see ws-frame.ts). A client whose unsent bytes pass the bound is not
   * reading: it is disconnected rather than buffered without limit. Returns false if not written.
   */
  sendFrame(frame: Buffer): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.socket.write(frame);
    return this.withinSendBound(this.socket.writableLength);
  }

  sendText(json: string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    const frame = this.encoder.encodeFrame(json);
    return frame !== null && this.sendFrame(frame);
  }

  /** Starts the closing handshake; safe to call in any state. */
  close(code: number, reason = ''): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Stops reading the socket (TCP back-pressure on a client sending faster than it is served). */
  pause(): void {
    if (!this.ws.isPaused) this.ws.pause();
  }

  resume(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  /** Bytes written but not yet taken by the kernel. */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  /** Binds what is told when the socket has closed (one listener; the server calls {@link closed}). */
  onClosed(listener: (reason: string) => void): void {
    this.closedListener = listener;
  }

  /** The `ws` socket closed (called by CableServer, once). */
  closed(code: number): void {
    const listener = this.closedListener;
    this.closedListener = null;
    listener?.(`closed with ${code}`);
  }

  /** For the adapter only: the underlying `ws` socket, to bind its events. */
  get raw(): WebSocket {
    return this.ws;
  }
}
