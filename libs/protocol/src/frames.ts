/**
 * Action Cable frames, as ../shared/spec/wire-protocol.md defines them.
 * Types only: encoding and decoding live with their users (the gateway's protocol/).
 */

/** Sub-protocols the gateway can speak, in the order of preference. */
export const ACTIONCABLE_V1_JSON = 'actioncable-v1-json';
export const ACTIONCABLE_V1_EXT_JSON = 'actioncable-v1-ext-json';

/** Reasons a server gives in a `disconnect` frame. */
export type DisconnectReason = 'unauthorized' | 'server_restart' | 'remote' | 'server_error' | (string & {});

/** Frames the server sends. */
export type ServerFrame =
  | { type: 'welcome'; sid?: string; restored?: boolean; restored_ids?: string[] }
  | { type: 'ping'; message: number }
  | { type: 'disconnect'; reason: DisconnectReason; reconnect: boolean }
  | { type: 'confirm_subscription'; identifier: string }
  | { type: 'reject_subscription'; identifier: string }
  | { type: 'confirm_history'; identifier: string }
  | { type: 'reject_history'; identifier: string }
  /** Presence (extended protocol): a join or leave of the subscription's set, the set itself, or `error`. */
  | { type: 'presence'; identifier: string; message: PresenceMessage }
  | { identifier: string; message: unknown; stream_id?: string; epoch?: string; offset?: number };

/** Position of a client in a stream's history (extended protocol). */
export interface StreamPosition {
  epoch: string;
  offset: number;
}

/** History request of the extended protocol. */
export interface HistoryRequest {
  since?: number;
  streams?: Record<string, StreamPosition>;
}

/** The `message` of a presence frame (anycable-go 1.6). */
export type PresenceMessage =
  | { type: 'join'; id: string; info?: unknown }
  | { type: 'leave'; id: string }
  | { type: 'info'; total: number; records: Array<{ id: string; info?: unknown }> }
  | { type: 'error' };

/** Commands a client sends, after validation. */
export type ClientCommand =
  /** `history` (extended protocol): replay missed messages right after the subscription is confirmed. */
  | { command: 'subscribe'; identifier: string; history?: HistoryRequest; presence?: unknown }
  | { command: 'unsubscribe'; identifier: string }
  | { command: 'message'; identifier: string; data: string }
  | { command: 'pong' }
  | { command: 'history'; identifier: string; history: HistoryRequest }
  | { command: 'whisper'; identifier: string; data: unknown }
  /** `presence` is `{ id, info }` as the client sent it: the session validates it (and logs why it refuses). */
  | { command: 'join'; identifier: string; presence: unknown }
  | { command: 'leave'; identifier: string }
  | { command: 'presence'; identifier: string };
