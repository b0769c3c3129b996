import 'reflect-metadata';
import { ensureInjectable } from './ensure-injectable.js';
import { CONNECTION_METADATA } from '../cable.constants.js';

/** Options of {@link CableConnection}. */
export interface CableConnectionOptions {
  /**
   * Names of the values that identify a connection (e.g. `current_user_id`, `sid`). `connect` sets them
   * with `ctx.identify()`; unset ones are `null`. They are serialised to the `identifiers` string
   * (see `serializeIdentifiers`) and given back, typed, to every channel call and to `disconnect`.
   */
  identifiedBy: readonly string[];
}

/**
 * Declares the app's connection class: the provider that authenticates a new WebSocket session
 * (`connect(ctx)`) and hears of its end (`disconnect(ctx)`); see {@link ConnectionHandler}.
 * Exactly one per app. The class is made `@Injectable()`. Like channels, it keeps nothing on `this`
 * between calls: session data goes in `ctx.state` (the session's `cstate`).
 *
 * @example
 * ```ts
 * @CableConnection({ identifiedBy: ['current_user_id', 'sid'] })
 * export class AppConnection implements ConnectionHandler<AppIdentifiers> {
 *   async connect(ctx: ConnectContext<AppIdentifiers>) {
 *     const user = await this.auth.verify(ctx.query.get('token'));
 *     if (!user) return ctx.reject();
 *     ctx.identify({ current_user_id: user.id, sid: ctx.sid });
 *   }
 * }
 * ```
 */
export function CableConnection(options: CableConnectionOptions): ClassDecorator {
  const identifiedBy = [...options.identifiedBy];
  for (const name of identifiedBy) {
    if (typeof name !== 'string' || name === '') throw new TypeError('@CableConnection: identifiedBy names must be non-empty strings');
  }
  if (new Set(identifiedBy).size !== identifiedBy.length) {
    throw new TypeError(`@CableConnection: duplicate name in identifiedBy ${JSON.stringify(identifiedBy)}`);
  }
  const metadata: CableConnectionOptions = { identifiedBy };
  return (target) => {
    ensureInjectable(target);
    Reflect.defineMetadata(CONNECTION_METADATA, metadata, target);
  };
}

/** The {@link CableConnectionOptions} of a class, or undefined if it is not the connection class. */
export function getConnectionMetadata(target: Function): CableConnectionOptions | undefined {
  return Reflect.getMetadata(CONNECTION_METADATA, target) as CableConnectionOptions | undefined;
}
