import type { CommandMessage, ConnectionRequest, DisconnectRequest, Env, StringMap } from '#libs/protocol';

/** The three paths of anycable-go's HTTP RPC under the mount path. */
export type HttpRpcMethod = 'connect' | 'command' | 'disconnect';

/**
 * Reads a JSON request of anycable-go's HTTP RPC (the protobuf message as JSON; anycable-go leaves out
 * empty fields) into the complete shape the gRPC loader gives the handlers (rpc.types.ts). Returns
 * null for a body that is not a JSON object.
 */
export function decodeHttpRpcRequest(method: 'connect', body: unknown): ConnectionRequest | null;
export function decodeHttpRpcRequest(method: 'command', body: unknown): CommandMessage | null;
export function decodeHttpRpcRequest(method: 'disconnect', body: unknown): DisconnectRequest | null;
export function decodeHttpRpcRequest(method: HttpRpcMethod, body: unknown): ConnectionRequest | CommandMessage | DisconnectRequest | null {
  if (!isObject(body)) return null;
  const env = envOf(body.env);
  if (method === 'connect') return { env };
  if (method === 'command') {
    return { command: text(body.command), identifier: text(body.identifier), connection_identifiers: text(body.connection_identifiers), data: text(body.data), env };
  }
  return { identifiers: text(body.identifiers), subscriptions: strings(body.subscriptions), env };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stringMap(value: unknown): StringMap {
  const map: StringMap = {};
  if (!isObject(value)) return map;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') map[key] = item;
  return map;
}

function envOf(value: unknown): Env {
  const env = isObject(value) ? value : {};
  return { url: text(env.url), headers: stringMap(env.headers), cstate: stringMap(env.cstate), istate: stringMap(env.istate) };
}
