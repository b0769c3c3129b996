import type { StringMap } from '#libs/protocol';
import { serializeIdentifiers } from '../identifiers.js';
import type { PersistedState } from '../state/persisted-state.js';
import type { CableRequest } from './cable-request.js';
import type { ConnectContext } from './connect-context.js';

/** The {@link ConnectContext} of one Connect call, recording identifiers and rejection. */
export class ConnectCall implements ConnectContext {
  readonly identifiers: Record<string, unknown> = {};
  rejected = false;

  constructor(
    readonly sid: string,
    readonly request: CableRequest,
    private readonly persistedState: PersistedState<Record<string, unknown>>,
    private readonly identifiedBy: readonly string[],
  ) {}

  get state(): Record<string, unknown> {
    return this.persistedState.value;
  }

  identify(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!this.identifiedBy.includes(name)) {
        throw new TypeError(`identify: "${name}" is not declared in identifiedBy ${JSON.stringify(this.identifiedBy)}`);
      }
      this.identifiers[name] = value;
    }
  }

  reject(): void {
    this.rejected = true;
  }

  /** The `identifiers` string: every declared name, unset ones as null. */
  serializedIdentifiers(): string {
    const complete: Record<string, unknown> = {};
    for (const name of this.identifiedBy) complete[name] = this.identifiers[name] ?? null;
    return serializeIdentifiers(complete);
  }

  /** Connection state changes to return as `env.cstate`. */
  stateChanges(): StringMap {
    return this.persistedState.changes();
  }
}
