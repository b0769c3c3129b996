import { Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { CableModule, CableTokensModule } from '#libs/cable';
import { BroadcastContext, BroadcastModule } from '#libs/broadcaster';
import { AppConnection } from './app/app.connection.js';
import { JwtAuthenticator } from './app/auth/jwt-authenticator.js';
import { ActuatorChannel } from './app/channels/actuator.channel.js';
import { CommentsChannel } from './app/channels/comments.channel.js';
import { RPC_CONFIG, type RpcConfig } from './config/rpc-config.js';
import { DemoModule } from './demo/demo.module.js';
import { HealthController } from './http/health.controller.js';
import type { HttpConfig } from './http/http-config.js';

/**
 * The RPC app: the cable framework serving the demo's connection and channels, and the broadcaster
 * (configured from the `ANYCABLE_*` env) they publish through. The connection and the channels are
 * plain providers here: the cable module finds them by discovery. With an HTTP config, also the
 * demo page and its endpoints, and `GET /health`.
 */
@Module({})
export class RpcModule implements OnApplicationShutdown {
  static register(config: RpcConfig, http: HttpConfig | null = null): DynamicModule {
    return {
      module: RpcModule,
      imports: [
        BroadcastModule.forRoot({ global: true }),
        // Each call runs in BroadcastContext so `broadcast(..., { toOthers: true })` skips the calling session.
        CableModule.forRoot({
          maxConcurrentCalls: config.maxConcurrentCalls,
          sessionContext: BroadcastContext,
          ...(http?.httpRpc ? { httpRpc: http.httpRpc } : {}),
        }),
        // Gateway tokens with the demo's JWT_SECRET; stream names with ANYCABLE_STREAMS_SECRET / ANYCABLE_SECRET.
        CableTokensModule.forRoot({ jwtSecret: config.jwtSecret }),
        ...(http ? [DemoModule.register({ cableUrl: http.cableUrl, jwtSecret: config.jwtSecret })] : []),
      ],
      controllers: http ? [HealthController] : [],
      providers: [{ provide: RPC_CONFIG, useValue: config }, JwtAuthenticator, AppConnection, CommentsChannel, ActuatorChannel],
    };
  }

  /** Runs once the gRPC server has closed (calls in flight finished). */
  onApplicationShutdown(signal?: string): void {
    new Logger('RpcApp').log(`RPC server stopped${signal ? ` (${signal})` : ''}`);
  }
}
