import type { StringMap } from '#libs/protocol';

/**
 * A typed state object backed by one of the contract's string maps (`cstate` for a connection,
 * `istate` for a subscription). Each key holds its value JSON-encoded, so the gateway stores opaque
 * strings and an empty string stays free to mean "delete" (the contract's merge rule).
 *
 * The framework loads the object before a call and, after it, sends back only what changed:
 * a changed key is re-encoded, a deleted (or `undefined`) key becomes `""`.
 */
export class PersistedState<S extends object> {
  /** The object app code reads and mutates. */
  readonly value: S;
  /** Encoding of each key as loaded, to tell what the call changed. */
  private readonly loaded = new Map<string, string>();

  private constructor(value: S) {
    this.value = value;
  }

  /**
   * Loads state from a contract map. A value that is not JSON (written by some other RPC server)
   * is kept as the raw string rather than dropped.
   */
  static fromStringMap<S extends object = Record<string, unknown>>(map: StringMap | null | undefined): PersistedState<S> {
    const value: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(map ?? {})) {
      // "" means "no key" (the merge rule); "__proto__" would replace the object's prototype;
      // `$`-keys are AnyCable's own, read by the gateway raw (`$p` presence stream, `$w` whisper stream).
      if (raw === '' || key === '__proto__' || key.startsWith('$')) continue;
      value[key] = decodeValue(raw);
    }
    const state = new PersistedState<S>(value as S);
    for (const [key, decoded] of Object.entries(value)) state.loaded.set(key, encodeValue(key, decoded) ?? '');
    return state;
  }

  /**
   * Loads a subscription's state from Disconnect's `istate`, where each subscription's map arrives
   * JSON-encoded as one string. Undefined when that string is not a JSON object of strings.
   */
  static fromEncodedStringMap<S extends object = Record<string, unknown>>(encoded: string | undefined): PersistedState<S> | undefined {
    if (encoded === undefined || encoded === '') return PersistedState.fromStringMap<S>({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(encoded);
    } catch {
      // Reported by the caller, which knows which subscription it was.
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const map: StringMap = {};
    for (const [key, raw] of Object.entries(parsed)) {
      if (typeof raw !== 'string') return undefined;
      map[key] = raw;
    }
    return PersistedState.fromStringMap<S>(map);
  }

  /**
   * What the call changed, as a map to merge into the gateway's copy: changed keys JSON-encoded,
   * removed keys as `""`. Throws if a value cannot be encoded as JSON (a BigInt, a cycle).
   */
  changes(): StringMap {
    const changes: StringMap = {};
    const current = this.value as Record<string, unknown>;
    for (const [key, value] of Object.entries(current)) {
      const encoded = encodeValue(key, value);
      if (encoded === undefined) {
        if (this.loaded.has(key)) changes[key] = '';
      } else if (this.loaded.get(key) !== encoded) {
        changes[key] = encoded;
      }
    }
    for (const key of this.loaded.keys()) {
      if (!(key in current)) changes[key] = '';
    }
    return changes;
  }
}

function decodeValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Not written by us: keep the string as it is (see fromStringMap).
    return raw;
  }
}

/** JSON of a state value; undefined for "no value" (undefined, a function), which deletes the key. */
function encodeValue(key: string, value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new Error(`state key "${key}" cannot be encoded as JSON: ${(error as Error).message}`);
  }
}
