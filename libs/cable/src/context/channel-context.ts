import type { CableRequest } from './cable-request.js';
import type { ChannelPresence } from './channel-presence.js';

/**
 * What channel hooks and actions receive. One object per call: it lives as long as the call, and so
 * does everything app code keeps on it, except `state` and `connectionState`, which are persisted.
 *
 * @typeParam P  the identifier's params (every key but `channel`), e.g. `{ post_id?: string }`
 * @typeParam S  the subscription's state, e.g. `{ spoken?: number }`
 * @typeParam I  the connection identifiers, e.g. `{ current_user_id: string | null; sid: string }`
 * @typeParam CS the connection state
 * @typeParam PI the presence info members share, e.g. `{ name: string }`
 */
export interface ChannelContext<
  P extends object = Record<string, unknown>,
  S extends object = Record<string, unknown>,
  I extends object = Record<string, unknown>,
  CS extends object = Record<string, unknown>,
  PI = unknown,
> {
  /** The gateway's id of this session. */
  readonly sid: string;
  /** The identifier string exactly as the client sent it (JSON with a `channel` key). */
  readonly identifier: string;
  /** The channel name as the client sent it (the main name or an alias). */
  readonly channel: string;
  /** The identifier's keys other than `channel`, unvalidated: check them before use. */
  readonly params: Readonly<P>;
  /** The connection identifiers set by the connection's `connect`. */
  readonly identifiers: Readonly<I>;
  /**
   * This subscription's state. Mutate it freely (`ctx.state.count = (ctx.state.count ?? 0) + 1`):
   * after the call, each changed key is stored JSON-encoded in the subscription's `istate`, and the next
   * command of the subscription (and `unsubscribed`) sees it again. Deleting a key removes it.
   * Values must be JSON-serialisable. Rejected subscribes keep no state.
   */
  readonly state: S;
  /** The session's connection state (`cstate`), persisted the same way and shared by all its subscriptions. */
  readonly connectionState: CS;
  /** URL, query, headers and cookies of the session's WebSocket request. */
  readonly request: CableRequest;

  /** Follows `stream`: its broadcasts reach this subscription. */
  streamFrom(stream: string): void;
  /** Stops following `stream`. */
  stopStreamFrom(stream: string): void;
  /** Stops following every stream of this subscription (applied before any `streamFrom` of the same call). */
  stopAllStreams(): void;
  /** Sends `message` to this client only, as `{"identifier": <id>, "message": message}`. */
  transmit(message: unknown): void;
  /**
   * In `subscribed`: refuses the subscription (the client gets `reject_subscription`; streams,
   * transmissions and state of the call are dropped). Elsewhere it has no effect.
   */
  reject(): void;
  /** Asks the gateway to close the session once this call's answer is applied. */
  closeConnection(): void;
  /** This session in the presence set of the subscription's stream (`join` / `leave`; the gateway announces changes). */
  readonly presence: ChannelPresence<PI>;
}

/** Hooks a channel may implement; both are optional. */
export interface ChannelHandler<
  P extends object = Record<string, unknown>,
  S extends object = Record<string, unknown>,
  I extends object = Record<string, unknown>,
  CS extends object = Record<string, unknown>,
  PI = unknown,
> {
  /** Runs on subscribe. Confirms unless it calls `ctx.reject()`. */
  subscribed?(ctx: ChannelContext<P, S, I, CS, PI>): void | Promise<void>;
  /** Runs on unsubscribe and, for every subscription left, when the session disconnects; with that subscription's state. */
  unsubscribed?(ctx: ChannelContext<P, S, I, CS, PI>): void | Promise<void>;
}
