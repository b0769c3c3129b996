/**
 * Broadcast formats shared by every transport (redis, http, redisx, nats),
 * as ../shared/spec/broadcasting-and-config.md defines them.
 */

/** Optional delivery hints of a publication. */
export interface PublicationMeta {
  /** Session id not to deliver to ("broadcast to others"). */
  exclude_socket?: string;
  /** Not stored in stream history. */
  transient?: boolean;
  broadcast_type?: string;
}

/** One message for every subscriber of `stream`; `data` is a string, usually JSON text. */
export interface Publication {
  stream: string;
  data: string;
  meta?: PublicationMeta;
}

/** Remote command closing every session whose identifiers string equals `identifier`. */
export interface RemoteDisconnectCommand {
  command: 'disconnect';
  payload: { identifier: string; reconnect: boolean };
}

/** Anything a broadcast transport carries: one item, or a batch delivered in order. */
export type BroadcastMessage = Publication | RemoteDisconnectCommand;

/** Result of decoding a transport payload: the messages, or why it was refused. */
export type DecodeResult =
  | { ok: true; messages: BroadcastMessage[] }
  | { ok: false; error: string };

/** Name of the default Redis channel / Redis stream / NATS subject. */
export const DEFAULT_BROADCAST_CHANNEL = '__anycable__';

/** Encodes one publication or a batch exactly as anycable-go expects it. */
export function encodeBroadcast(messages: BroadcastMessage | BroadcastMessage[]): string {
  return JSON.stringify(messages);
}

/**
 * Decodes a transport payload (one publication, one remote command, or an array of them).
 * Pure: never throws; a malformed payload yields `{ ok: false, error }` naming what is wrong.
 */
export function decodeBroadcast(raw: string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const messages: BroadcastMessage[] = [];
  for (const [index, item] of items.entries()) {
    const decoded = decodeBroadcastItem(item);
    if (typeof decoded === 'string') {
      return { ok: false, error: Array.isArray(parsed) ? `item ${index}: ${decoded}` : decoded };
    }
    messages.push(decoded);
  }
  return { ok: true, messages };
}

/**
 * Decodes one already-parsed publication or remote command (an item of a payload); a string says
 * what is wrong with it. For transports that wrap a message in an envelope of their own.
 */
export function decodeBroadcastItem(item: unknown): BroadcastMessage | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return 'a publication must be a JSON object';
  }
  const record = item as Record<string, unknown>;
  if ('command' in record) return decodeCommand(record);
  if (typeof record.stream !== 'string' || record.stream === '') {
    return '"stream" must be a non-empty string';
  }
  if (typeof record.data !== 'string') return '"data" must be a string';
  const meta = decodeMeta(record.meta);
  if (typeof meta === 'string') return meta;
  return meta ? { stream: record.stream, data: record.data, meta } : { stream: record.stream, data: record.data };
}

function decodeMeta(meta: unknown): PublicationMeta | undefined | string {
  if (meta === undefined || meta === null) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) return '"meta" must be an object';
  const record = meta as Record<string, unknown>;
  const result: PublicationMeta = {};
  if (record.exclude_socket !== undefined) {
    if (typeof record.exclude_socket !== 'string') return '"meta.exclude_socket" must be a string';
    result.exclude_socket = record.exclude_socket;
  }
  if (record.transient !== undefined) result.transient = record.transient === true;
  if (typeof record.broadcast_type === 'string') result.broadcast_type = record.broadcast_type;
  return result;
}

function decodeCommand(record: Record<string, unknown>): RemoteDisconnectCommand | string {
  if (record.command !== 'disconnect') return `unknown remote command ${JSON.stringify(record.command)}`;
  const payload = record.payload as Record<string, unknown> | undefined;
  if (typeof payload !== 'object' || payload === null || typeof payload.identifier !== 'string') {
    return '"payload.identifier" must be a string';
  }
  return {
    command: 'disconnect',
    payload: { identifier: payload.identifier, reconnect: payload.reconnect !== false },
  };
}

/** True for a remote command, false for a publication. */
export function isRemoteCommand(message: BroadcastMessage): message is RemoteDisconnectCommand {
  return 'command' in message;
}
