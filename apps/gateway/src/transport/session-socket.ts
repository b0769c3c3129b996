import type { HubSubscriber } from '../hub/hub.js';
import type { FrameEncoder } from './frame-encoder.js';
import type { Handshake } from './handshake.js';

/**
 * The seam between a session and its transport: what a session writes frames to, whatever carries
 * them. A WebSocket (CableSocket) and an SSE response (SseSocket) implement it, so one Session
 * class serves both, and the hub fans out to both. Knows nothing of Action Cable or RPC.
 */
export interface SessionSocket extends HubSubscriber {
  /** Session id, generated at accept so transport log lines carry it too. */
  readonly sid: string;
  /**
   * The negotiated WebSocket sub-protocol ('' when none we speak). Other transports name
   * themselves (`sse`): never an extended-protocol name, so no pongs are expected of them and
   * their sessions are not kept for a restore.
   */
  readonly protocol: string;
  /** How this socket's frames are encoded (shared by every socket of the same kind). */
  readonly encoder: FrameEncoder;
  /** The request's data, handed over once: the socket does not keep it. */
  takeHandshake(): Handshake;
  /** Writes bytes built by `encoder`; false if not written (closed, or dropped as a slow client). */
  sendFrame(frame: Buffer): boolean;
  /** Encodes a server frame given as JSON text and writes it; false if not written (or not sent on this transport). */
  sendText(json: string): boolean;
  /** Closes the transport; `code` is a WebSocket close code, which other transports map to their own terms. */
  close(code: number, reason?: string): void;
  /** Drops the connection at once, without a closing handshake (its peer is most likely gone). */
  terminate(): void;
  /** Stops reading commands (back-pressure); a no-op on one-way transports. */
  pause(): void;
  resume(): void;
}
