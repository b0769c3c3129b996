import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { Handshake } from './handshake.js';

/** Shared by every socket of a server: one reference per socket instead of copies of each field. */
export interface TransportContext {
  readonly logger: GatewayLogger;
  readonly stats: GatewayStats;
  /** See WsConfig.maxPendingBytes. */
  readonly maxPendingBytes: number;
}

/** Log fields of the WebSocket transport, the default: none. */
const NO_FIELDS: Readonly<{ transport?: string }> = Object.freeze({});

/**
 * What the sockets of every transport (WebSocket, SSE) keep alike: the session id, the request's
 * handshake until the session takes it, and the send bound. Everything lives on the prototype or
 * in fields the sockets had anyway: sharing costs no memory per connection.
 */
export abstract class TransportSocket {
  private handshake: Handshake | null;

  protected constructor(
    /** Session id, generated at accept so transport log lines carry it too. */
    readonly sid: string,
    handshake: Handshake,
    protected readonly context: TransportContext,
  ) {
    this.handshake = handshake;
  }

  /** The request's data, handed over once: the socket does not keep it. */
  takeHandshake(): Handshake {
    const handshake = this.handshake;
    if (!handshake) throw new Error(`handshake of ${this.sid} already taken`);
    this.handshake = null;
    return handshake;
  }

  /** Drops the connection at once, without a closing handshake. */
  abstract terminate(): void;

  /** Fields this transport adds to its log lines. */
  protected get transportFields(): Readonly<{ transport?: string }> {
    return NO_FIELDS;
  }

  /**
   * The send bound (`ws_max_pending_size`, 0 = none), checked after each write: a client with more
   * unsent bytes than the bound is not reading. It is counted (slow clients), logged and dropped
   * rather than buffered without limit; returns false then.
   */
  protected withinSendBound(pendingBytes: number): boolean {
    const limit = this.context.maxPendingBytes;
    if (limit <= 0 || pendingBytes <= limit) return true;
    this.context.stats.slowClients++;
    this.context.logger.warn(
      { sid: this.sid, pendingBytes, limit, ...this.transportFields },
      'client is not reading (ws_max_pending_size exceeded): disconnecting',
    );
    this.terminate();
    return false;
  }
}
