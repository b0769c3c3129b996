import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { ChannelHandler } from '../context/channel-context.js';
import type { ConnectionHandler } from '../context/connection-handler.js';
import { getActionDefinitions, type ActionDefinition } from '../decorators/action.decorator.js';
import { getConnectionMetadata } from '../decorators/cable-connection.decorator.js';
import { getChannelMetadata } from '../decorators/channel.decorator.js';
import { CableConfigurationError } from './cable-configuration.error.js';

/** A channel provider found at startup, with its actions by name. */
export interface RegisteredChannel {
  readonly names: readonly string[];
  readonly instance: ChannelHandler & Record<string | symbol, unknown>;
  readonly actions: ReadonlyMap<string, ActionDefinition>;
}

/** The connection provider found at startup. */
export interface RegisteredConnection {
  readonly instance: ConnectionHandler;
  readonly identifiedBy: readonly string[];
}

/**
 * Finds the `@CableConnection` provider and the `@Channel` providers of the whole app through Nest's
 * DiscoveryService, once, at module init; refuses a setup it cannot serve (no or two connections, two
 * channels answering to one name, an action naming no method).
 */
@Injectable()
export class CableExplorer implements OnModuleInit {
  private readonly logger = new Logger('Cable');
  private readonly channels = new Map<string, RegisteredChannel>();
  private registeredConnection: RegisteredConnection | undefined;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const wrappers = this.discovery.getProviders().filter((wrapper) => typeof wrapper.metatype === 'function');
    this.registeredConnection = this.findConnection(wrappers);
    for (const wrapper of wrappers) {
      const metadata = getChannelMetadata(wrapper.metatype as Function);
      if (!metadata) continue;
      const instance = requireSingleton(wrapper, 'channel') as RegisteredChannel['instance'];
      const channel: RegisteredChannel = { names: metadata.names, instance, actions: this.actionsOf(wrapper) };
      for (const name of metadata.names) {
        const existing = this.channels.get(name);
        if (existing && existing.instance !== instance) {
          throw new CableConfigurationError(`two channels answer to "${name}": ${existing.instance.constructor.name} and ${wrapper.name}`);
        }
        this.channels.set(name, channel);
      }
    }
    const names = [...new Set([...this.channels.values()].map((channel) => channel.names.join('/')))];
    this.logger.log(`channels: ${names.length ? names.join(', ') : '(none)'}`);
  }

  /** The channel answering to `name`, if any. */
  channel(name: string): RegisteredChannel | undefined {
    return this.channels.get(name);
  }

  /** The connection provider. Throws before module init. */
  connection(): RegisteredConnection {
    if (!this.registeredConnection) throw new CableConfigurationError('the cable module is not initialised yet');
    return this.registeredConnection;
  }

  private findConnection(wrappers: InstanceWrapper[]): RegisteredConnection {
    const found = new Map<Function, InstanceWrapper>();
    for (const wrapper of wrappers) {
      if (getConnectionMetadata(wrapper.metatype as Function)) found.set(wrapper.metatype as Function, wrapper);
    }
    if (found.size !== 1) {
      const names = [...found.keys()].map((type) => type.name);
      throw new CableConfigurationError(
        found.size === 0
          ? 'no @CableConnection provider: pass one as CableModule.forRoot({ connection }) or list it in a module'
          : `more than one @CableConnection provider: ${names.join(', ')}`,
      );
    }
    const [wrapper] = found.values();
    const instance = requireSingleton(wrapper, 'connection') as ConnectionHandler;
    if (typeof instance.connect !== 'function') {
      throw new CableConfigurationError(`${wrapper.name} has no connect(ctx) method`);
    }
    return { instance, identifiedBy: getConnectionMetadata(wrapper.metatype as Function)!.identifiedBy };
  }

  private actionsOf(wrapper: InstanceWrapper): Map<string, ActionDefinition> {
    const actions = new Map<string, ActionDefinition>();
    const prototype = (wrapper.metatype as Function).prototype as Record<string | symbol, unknown>;
    for (const action of getActionDefinitions(wrapper.metatype as Function)) {
      if (typeof prototype[action.method] !== 'function') {
        throw new CableConfigurationError(`${wrapper.name}: action "${action.name}" names no method`);
      }
      actions.set(action.name, action);
    }
    return actions;
  }
}

function requireSingleton(wrapper: InstanceWrapper, role: string): object {
  if (!wrapper.isDependencyTreeStatic() || !wrapper.instance) {
    throw new CableConfigurationError(`the ${role} ${wrapper.name} must be a singleton provider (no request or transient scope)`);
  }
  return wrapper.instance as object;
}
