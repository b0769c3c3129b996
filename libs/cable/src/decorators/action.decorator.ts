import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { ACTIONS_METADATA } from '../cable.constants.js';

/** Options of {@link Action}. */
export interface ActionOptions {
  /** The `action` value clients send; defaults to the method name. */
  name?: string;
  /**
   * The class-validator DTO the data is validated against. Defaults to the declared type of the
   * method's second parameter when that type is a class (not an interface or a plain object type).
   */
  data?: Type<object>;
}

/** One action of a channel, as {@link Action} records it. */
export interface ActionDefinition {
  /** The `action` value clients send. */
  readonly name: string;
  /** The method that runs it. */
  readonly method: string | symbol;
  /** The DTO its data is validated against, if any. */
  readonly data?: Type<object>;
}

/** Types TypeScript emits for parameters that are not classes of the app: no validation for them. */
const NOT_DTO_TYPES: ReadonlySet<unknown> = new Set([Object, String, Number, Boolean, Array, Function, Promise, Symbol, BigInt]);

/**
 * Declares a channel method as an action: a client's `{"action":"speak", ...}` message runs it as
 * `method(ctx, data)`, `data` being the message without its `action` key.
 *
 * When `data` is typed with a class-validator DTO class (`speak(ctx: ChannelContext, data: SpeakDto)`),
 * the data is turned into that class and validated first (unknown properties stripped). Invalid data runs
 * nothing: the call answers FAILURE with a transmission
 * `{"identifier": <id>, "message": {"error": "invalid_data", "action": "speak", "details": [{"property": "message", "constraints": {...}}]}}`
 * (see {@link ActionErrorMessage}).
 */
export function Action(nameOrOptions?: string | ActionOptions): MethodDecorator {
  const options: ActionOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {});
  return (target, propertyKey) => {
    const name = options.name ?? String(propertyKey);
    if (name === '') throw new TypeError('@Action: the action name must be a non-empty string');
    const data = options.data ?? inferDataType(target, propertyKey);
    const constructor = target.constructor;
    const inherited = getActionDefinitions(constructor);
    if (Reflect.getOwnMetadata(ACTIONS_METADATA, constructor)?.some((action: ActionDefinition) => action.name === name)) {
      throw new TypeError(`@Action: ${constructor.name} declares the action "${name}" twice`);
    }
    const definitions = [...inherited.filter((action) => action.name !== name), { name, method: propertyKey, data }];
    Reflect.defineMetadata(ACTIONS_METADATA, definitions, constructor);
  };
}

/** The actions declared on a channel class (its own and inherited ones). */
export function getActionDefinitions(target: Function): readonly ActionDefinition[] {
  return (Reflect.getMetadata(ACTIONS_METADATA, target) as ActionDefinition[] | undefined) ?? [];
}

function inferDataType(target: object, propertyKey: string | symbol): Type<object> | undefined {
  const parameterTypes = Reflect.getMetadata('design:paramtypes', target, propertyKey) as unknown[] | undefined;
  const candidate = parameterTypes?.[1];
  return typeof candidate === 'function' && !NOT_DTO_TYPES.has(candidate) ? (candidate as Type<object>) : undefined;
}
