/**
 * How a reliability client speaks to a peer that can give a dropped client its session back: our
 * gateway (Action Cable extended protocol: `?sid=` restore, `history` with stream offsets) or
 * Socket.IO (connection state recovery: `pid` + `offset` in the namespace CONNECT packet). One
 * instance per client: it keeps that client's session (sid / pid) and stream positions across its
 * connections, as `@anycable/core` and `socket.io-client` do.
 */
export interface RecoveryProtocol {
  readonly subprotocols: string[];
  /** The URL of the next connection (with the session to restore, when there is one). */
  connectUrl(base: string): string;
  /** Reads one frame of the current connection; `out` collects what it means, in order. */
  read(frame: string, out: RecoveryEvent[]): void;
}

/** What a frame means to a reliability client. */
export type RecoveryEvent =
  /** Write this frame back on the connection. */
  | { type: 'send'; frame: string }
  /** A stamped broadcast (its sequence number). */
  | { type: 'broadcast'; seq: number }
  /**
   * The connection is back in the stream: the session was restored (or subscribed afresh), and
   * whatever the server replays for it has been sent. `historyRejected`: the server said it could not
   * replay (reject_history).
   */
  | { type: 'caught-up'; restored: boolean; historyRejected: boolean }
  /** The server refused the client for good (rejected subscription, unauthorized). */
  | { type: 'failed'; reason: string };
