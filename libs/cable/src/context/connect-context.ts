import type { CableRequest } from './cable-request.js';

/** What `connect(ctx)` of the connection class receives (Connect call). */
export interface ConnectContext<I extends object = Record<string, unknown>, CS extends object = Record<string, unknown>> {
  /** The gateway's id of this session (gRPC metadata `sid`); `''` if it sent none. */
  readonly sid: string;
  /** URL, query, headers and cookies of the WebSocket request. */
  readonly request: CableRequest;
  /**
   * Connection state (`cstate`): a JSON value per key, sent to the gateway after the call and given back
   * to every later call as `ctx.connectionState` (channels) or `ctx.state` (disconnect).
   */
  readonly state: CS;
  /** The identifiers set so far by {@link identify}. */
  readonly identifiers: Readonly<Partial<I>>;
  /** Sets identifiers (merged with earlier calls). Every name must be declared in `identifiedBy`. */
  identify(values: Partial<I>): void;
  /**
   * Refuses the connection as unauthorized: the client gets
   * `{"type":"disconnect","reason":"unauthorized","reconnect":false}` and the gateway closes the socket.
   */
  reject(): void;
  /** True once {@link reject} was called. */
  readonly rejected: boolean;
}

/** What `disconnect(ctx)` of the connection class receives (Disconnect call, after every `unsubscribed`). */
export interface DisconnectContext<I extends object = Record<string, unknown>, CS extends object = Record<string, unknown>> {
  /** The gateway's id of this session. */
  readonly sid: string;
  readonly request: CableRequest;
  /** The identifiers Connect returned. */
  readonly identifiers: I;
  /** The last connection state; changes made here are not kept (the session is over). */
  readonly state: CS;
  /** Identifiers of the subscriptions the session still had. */
  readonly subscriptions: readonly string[];
}
