import 'reflect-metadata';
import { ensureInjectable } from './ensure-injectable.js';
import { CHANNEL_METADATA } from '../cable.constants.js';

/** Options of {@link Channel}. */
export interface ChannelOptions {
  /** The value of the `channel` key of a client's identifier that selects this channel, e.g. `comments`. */
  name: string;
  /** Other names the channel answers to, e.g. the Rails-style `CommentsChannel`. */
  aliases?: readonly string[];
}

/** What {@link Channel} records on the class. */
export interface ChannelMetadata {
  /** Every name the channel answers to, the main name first. */
  readonly names: readonly string[];
}

/**
 * Declares a channel: a Nest provider that answers subscriptions whose identifier's `channel` key is
 * one of its names. Hooks: `subscribed(ctx)`, `unsubscribed(ctx)` (see {@link ChannelHandler});
 * actions: methods decorated with `@Action()`.
 *
 * The class is made `@Injectable()`, so it can inject any provider (BroadcastService, repositories).
 * List it in the `providers` of any module (or in `CableModule.forRoot({ channels })`): the framework
 * finds it through Nest's discovery.
 *
 * **Channel instances do not live between calls.** One instance serves every subscription of every
 * session, and the next command of a subscription may even run in another RPC process. Never keep
 * per-subscription data on `this`: put it in `ctx.state` (persisted in the subscription's `istate`
 * and given back to the next call) or `ctx.connectionState` (the session's `cstate`).
 *
 * @example
 * ```ts
 * @Channel('comments', 'CommentsChannel')
 * export class CommentsChannel implements ChannelHandler<{ post_id?: string }> {
 *   subscribed(ctx: ChannelContext<{ post_id?: string }>) {
 *     if (!ctx.params.post_id) return ctx.reject();
 *     ctx.streamFrom(`comments:post:${ctx.params.post_id}`);
 *   }
 * }
 * ```
 */
export function Channel(name: string, ...aliases: string[]): ClassDecorator;
export function Channel(options: ChannelOptions): ClassDecorator;
export function Channel(nameOrOptions: string | ChannelOptions, ...aliases: string[]): ClassDecorator {
  const options: ChannelOptions =
    typeof nameOrOptions === 'string' ? { name: nameOrOptions, aliases } : nameOrOptions;
  const names = [options.name, ...(options.aliases ?? [])];
  for (const name of names) {
    if (typeof name !== 'string' || name === '') throw new TypeError('@Channel: names must be non-empty strings');
  }
  if (new Set(names).size !== names.length) {
    throw new TypeError(`@Channel: duplicate name in ${JSON.stringify(names)}`);
  }
  const metadata: ChannelMetadata = { names };
  return (target) => {
    ensureInjectable(target);
    Reflect.defineMetadata(CHANNEL_METADATA, metadata, target);
  };
}

/** The {@link ChannelMetadata} of a class, or undefined if it is not a channel. */
export function getChannelMetadata(target: Function): ChannelMetadata | undefined {
  return Reflect.getMetadata(CHANNEL_METADATA, target) as ChannelMetadata | undefined;
}
