import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CABLE_MODULE_OPTIONS, DEFAULT_MAX_CONCURRENT_CALLS } from './cable.constants.js';
import type { CableModuleOptions } from './cable-module-options.js';
import { CableRpcController } from './grpc/cable-rpc.controller.js';
import { CallLimiter } from './grpc/call-limiter.js';
import { HttpRpcEndpoint } from './http/http-rpc.endpoint.js';
import { HttpRpcMount } from './http/http-rpc.mount.js';
import { CableExplorer } from './runtime/cable.explorer.js';
import { CableServer } from './runtime/cable.server.js';
import { CommandHandler } from './runtime/command.handler.js';
import { ConnectHandler } from './runtime/connect.handler.js';
import { DisconnectHandler } from './runtime/disconnect.handler.js';

/**
 * The channel framework as a Nest module: serves the AnyCable RPC contract (a gRPC controller for
 * `anycable.RPC`) with the app's `@CableConnection` and `@Channel` providers, found by discovery.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [CableModule.forRoot({ connection: AppConnection, channels: [CommentsChannel] })],
 * })
 * export class AppModule {}
 * // main.ts
 * const app = await NestFactory.createMicroservice(AppModule, cableGrpcOptions({ url: '127.0.0.1:50051' }));
 * ```
 */
@Module({})
export class CableModule {
  /** Registers the framework; see {@link CableModuleOptions}. */
  static forRoot(options: CableModuleOptions = {}): DynamicModule {
    const maxConcurrentCalls = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    const { httpRpc } = options;
    return {
      module: CableModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      controllers: [CableRpcController],
      providers: [
        { provide: CABLE_MODULE_OPTIONS, useValue: options },
        { provide: CallLimiter, useValue: new CallLimiter(maxConcurrentCalls) },
        CableExplorer,
        ConnectHandler,
        CommandHandler,
        DisconnectHandler,
        CableServer,
        ...(httpRpc
          ? [
              {
                provide: HttpRpcEndpoint,
                useFactory: (server: CableServer, limiter: CallLimiter) => new HttpRpcEndpoint(httpRpc, server, limiter),
                inject: [CableServer, CallLimiter],
              },
              HttpRpcMount,
            ]
          : []),
        ...(options.connection ? [options.connection] : []),
        ...(options.channels ?? []),
      ],
      exports: [CableServer],
    };
  }
}
