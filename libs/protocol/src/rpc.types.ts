/**
 * TypeScript shapes of the AnyCable RPC v1 messages (proto/anycable/rpc.proto),
 * as @grpc/proto-loader produces them with {@link RPC_LOADER_OPTIONS}:
 * snake_case field names, enums as numbers, every field present with its default.
 */

/** RPC call outcome. ERROR means the app is broken; FAILURE means "refused". */
export enum Status {
  ERROR = 0,
  SUCCESS = 1,
  FAILURE = 2,
}

/** String maps are plain objects on the wire (proto3 `map<string,string>`). */
export type StringMap = Record<string, string>;

/** Request environment the gateway sends with every call. */
export interface Env {
  url: string;
  headers: StringMap;
  cstate: StringMap;
  istate: StringMap;
}

/** State changes the RPC app returns; an empty-string value deletes the key. */
export interface EnvResponse {
  cstate: StringMap;
  istate: StringMap;
}

/** Presence change attached to a command answer. */
export interface PresenceResponse {
  type: string;
  id: string;
  info: string;
  ttl: number;
}

export interface ConnectionRequest {
  env: Env;
}

export interface ConnectionResponse {
  status: Status;
  identifiers: string;
  transmissions: string[];
  error_msg: string;
  env: EnvResponse | null;
}

/** The three commands a client's frame can turn into. */
export type CommandName = 'subscribe' | 'unsubscribe' | 'message';

export interface CommandMessage {
  command: CommandName | string;
  identifier: string;
  connection_identifiers: string;
  data: string;
  env: Env;
}

export interface CommandResponse {
  status: Status;
  disconnect: boolean;
  stop_streams: boolean;
  streams: string[];
  transmissions: string[];
  error_msg: string;
  env: EnvResponse | null;
  stopped_streams: string[];
  presence: PresenceResponse | null;
}

export interface DisconnectRequest {
  identifiers: string;
  subscriptions: string[];
  env: Env;
}

export interface DisconnectResponse {
  status: Status;
  error_msg: string;
}
