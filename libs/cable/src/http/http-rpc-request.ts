import type { CommandMessage, ConnectionRequest, DisconnectRequest, Env } from '#libs/protocol';
import { isJsonObject, stringField, stringMapField, stringsField } from '#libs/protocol';

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
  if (!isJsonObject(body)) return null;
  const env = envOf(body.env);
  if (method === 'connect') return { env };
  if (method === 'command') {
    return { command: stringField(body.command), identifier: stringField(body.identifier), connection_identifiers: stringField(body.connection_identifiers), data: stringField(body.data), env };
  }
  return { identifiers: stringField(body.identifiers), subscriptions: stringsField(body.subscriptions), env };
}

function envOf(value: unknown): Env {
  const env = isJsonObject(value) ? value : {};
  return { url: stringField(env.url), headers: stringMapField(env.headers), cstate: stringMapField(env.cstate), istate: stringMapField(env.istate) };
}
