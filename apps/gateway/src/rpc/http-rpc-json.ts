import type { CommandResponse, ConnectionResponse, DisconnectResponse, EnvResponse, PresenceResponse, StringMap } from '#libs/protocol';
import type { RpcMethod } from './rpc-transport.js';

/**
 * Reads a JSON answer of anycable-go's HTTP RPC (the protobuf messages as JSON, snake_case, enums
 * as numbers; a Go or JS server may leave out empty fields) into the same complete shapes the gRPC
 * loader produces (rpc.types.ts). Throws on a body that is not such an object.
 */
export function decodeHttpRpcAnswer(method: RpcMethod, body: string): ConnectionResponse | CommandResponse | DisconnectResponse {
  const raw: unknown = JSON.parse(body);
  if (!isObject(raw)) throw new Error(`${method} answer is not a JSON object`);
  const status = typeof raw.status === 'number' ? raw.status : 0;
  const errorMsg = text(raw.error_msg);
  if (method === 'Disconnect') return { status, error_msg: errorMsg };
  const transmissions = strings(raw.transmissions);
  const env = envOf(raw.env);
  if (method === 'Connect') return { status, identifiers: text(raw.identifiers), transmissions, error_msg: errorMsg, env };
  return {
    status,
    disconnect: raw.disconnect === true,
    stop_streams: raw.stop_streams === true,
    streams: strings(raw.streams),
    transmissions,
    error_msg: errorMsg,
    env,
    stopped_streams: strings(raw.stopped_streams),
    presence: presenceOf(raw.presence),
  };
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

function envOf(value: unknown): EnvResponse | null {
  return isObject(value) ? { cstate: stringMap(value.cstate), istate: stringMap(value.istate) } : null;
}

function presenceOf(value: unknown): PresenceResponse | null {
  if (!isObject(value)) return null;
  return { type: text(value.type), id: text(value.id), info: text(value.info), ttl: typeof value.ttl === 'number' ? value.ttl : 0 };
}
