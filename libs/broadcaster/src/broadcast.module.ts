import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { BroadcastAdapter } from './adapters/broadcast-adapter.js';
import { createBroadcastAdapter } from './adapters/broadcast-adapter.factory.js';
import { BROADCAST_ADAPTER, BROADCASTER_OPTIONS } from './broadcast.constants.js';
import { BroadcastService } from './broadcast.service.js';
import { PresenceService } from './presence.service.js';
import type { BroadcasterOptions } from './broadcaster-options.js';
import { resolveBroadcasterOptions } from './broadcaster-options.resolver.js';

/** Options of `BroadcastModule.forRoot`: any `BroadcasterOptions` (the rest come from env), and `global`. */
export type BroadcastModuleOptions = Partial<BroadcasterOptions> & {
  /** Register `BroadcastService` in every module without importing this one. Default false. */
  global?: boolean;
};

/** Options of `BroadcastModule.forRootAsync`: a factory producing (part of) the options; the rest come from env. */
export interface BroadcastModuleAsyncOptions {
  /** Modules whose providers the factory injects. */
  imports?: ModuleMetadata['imports'];
  /** Tokens passed to `useFactory`. */
  inject?: FactoryProvider['inject'];
  /** Returns explicit options; fields left out are read from env, then defaults. */
  useFactory: (...args: any[]) => Partial<BroadcasterOptions> | Promise<Partial<BroadcasterOptions>>;
  /** Register `BroadcastService` in every module without importing this one. Default false. */
  global?: boolean;
}

const adapterProvider: Provider = {
  provide: BROADCAST_ADAPTER,
  useFactory: (options: BroadcasterOptions): BroadcastAdapter => createBroadcastAdapter(options),
  inject: [BROADCASTER_OPTIONS],
};

/**
 * Provides `BroadcastService` (and the resolved options under `BROADCASTER_OPTIONS`). Options are validated
 * when the module initialises: a bad value fails the app's start with an error naming the option or variable.
 */
@Module({})
export class BroadcastModule {
  /** Options given here win; every field left out is read from the `ANYCABLE_*` env, then defaults. */
  static forRoot(options: BroadcastModuleOptions = {}): DynamicModule {
    const { global = false, ...explicit } = options;
    return BroadcastModule.build(global, [], {
      provide: BROADCASTER_OPTIONS,
      useFactory: (): BroadcasterOptions => resolveBroadcasterOptions(explicit),
    });
  }

  /** Like `forRoot`, with options produced by an injected factory (e.g. from a config service). */
  static forRootAsync(options: BroadcastModuleAsyncOptions): DynamicModule {
    return BroadcastModule.build(options.global ?? false, options.imports ?? [], {
      provide: BROADCASTER_OPTIONS,
      useFactory: async (...args: unknown[]): Promise<BroadcasterOptions> =>
        resolveBroadcasterOptions(await options.useFactory(...args)),
      inject: options.inject ?? [],
    });
  }

  private static build(global: boolean, imports: NonNullable<ModuleMetadata['imports']>, optionsProvider: Provider): DynamicModule {
    return {
      module: BroadcastModule,
      global,
      imports,
      providers: [optionsProvider, adapterProvider, BroadcastService, PresenceService],
      exports: [BroadcastService, PresenceService, BROADCASTER_OPTIONS],
    };
  }
}
