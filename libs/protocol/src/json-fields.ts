import type { StringMap } from './rpc.types.js';

/*
 * Lenient readers of the fields of AnyCable's RPC messages as JSON (anycable-go's HTTP RPC). Go and JS
 * peers leave out empty fields, so a missing or mistyped field reads as its protobuf zero value, the
 * way the gRPC loader fills it in. Shared by the gateway's HTTP RPC client and the RPC app's server.
 */

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or '' when absent or not a string. */
export function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A repeated string field: the string items, or [] when absent. */
export function stringsField(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A map<string,string> field: its string entries, or {} when absent. */
export function stringMapField(value: unknown): StringMap {
  const map: StringMap = {};
  if (!isJsonObject(value)) return map;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') map[key] = item;
  return map;
}
