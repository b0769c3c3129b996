import { Module, type DynamicModule } from '@nestjs/common';
import { CommentsController } from './comments/comments.controller.js';
import { DemoAssets } from './page/demo-assets.js';
import { DemoPageController } from './page/demo-page.controller.js';
import { DEMO_OPTIONS, type DemoOptions } from './demo-options.js';
import { DemoTokenController } from './token/demo-token.controller.js';

/**
 * The demo's HTTP side, served by the RPC app next to its gRPC server: the page (an IoT actuator
 * console and a post's comments feed on the real `@rails/actioncable` client), the endpoint that adds
 * a comment and broadcasts it, and a token endpoint for signing in. `BroadcastService` comes from the
 * app's global `BroadcastModule`.
 */
@Module({})
export class DemoModule {
  static register(options: DemoOptions): DynamicModule {
    return {
      module: DemoModule,
      controllers: [DemoPageController, DemoTokenController, CommentsController],
      providers: [{ provide: DEMO_OPTIONS, useValue: options }, DemoAssets],
    };
  }
}
