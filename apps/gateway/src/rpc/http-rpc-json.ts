import type { CommandResponse, ConnectionResponse, DisconnectResponse, EnvResponse, PresenceResponse } from '#libs/protocol';
import { isJsonObject, stringField, stringMapField, stringsField } from '#libs/protocol';
import type { RpcMethod } from './rpc-transport.js';

/**
 * Reads a JSON answer of anycable-go's HTTP RPC (the protobuf messages as JSON, snake_case, enums
 * as numbers; a Go or JS server may leave out empty fields) into the same complete shapes the gRPC
 * loader produces (rpc.types.ts). Throws on a body that is not such an object.
 */
export function decodeHttpRpcAnswer(method: RpcMethod, body: string): ConnectionResponse | CommandResponse | DisconnectResponse {
  const raw: unknown = JSON.parse(body);
  if (!isJsonObject(raw)) throw new Error(`${method} answer is not a JSON object`);
  const status = typeof raw.status === 'number' ? raw.status : 0;
  const errorMsg = stringField(raw.error_msg);
  if (method === 'Disconnect') return { status, error_msg: errorMsg };
  const transmissions = stringsField(raw.transmissions);
  const env = envOf(raw.env);
  if (method === 'Connect') return { status, identifiers: stringField(raw.identifiers), transmissions, error_msg: errorMsg, env };
  return {
    status,
    disconnect: raw.disconnect === true,
    stop_streams: raw.stop_streams === true,
    streams: stringsField(raw.streams),
    transmissions,
    error_msg: errorMsg,
    env,
    stopped_streams: stringsField(raw.stopped_streams),
    presence: presenceOf(raw.presence),
  };
}

function envOf(value: unknown): EnvResponse | null {
  return isJsonObject(value) ? { cstate: stringMapField(value.cstate), istate: stringMapField(value.istate) } : null;
}

function presenceOf(value: unknown): PresenceResponse | null {
  if (!isJsonObject(value)) return null;
  return { type: stringField(value.type), id: stringField(value.id), info: stringField(value.info), ttl: typeof value.ttl === 'number' ? value.ttl : 0 };
}
