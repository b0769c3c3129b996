import { Module, type DynamicModule } from '@nestjs/common';
import { CableTokenService } from './cable-token.service.js';
import { CABLE_TOKENS_OPTIONS, resolveCableTokensOptions, type CableTokensOptions } from './cable-tokens-options.js';
import { StreamSigner } from './stream-signer.service.js';

/**
 * Provides {@link CableTokenService} (identification tokens: connections without a Connect call) and
 * {@link StreamSigner} (signed stream names: subscriptions without a Command call). Secrets default
 * to the gateway's env names, so one `.env` configures both sides.
 */
@Module({})
export class CableTokensModule {
  static forRoot(options: CableTokensOptions = {}): DynamicModule {
    return {
      module: CableTokensModule,
      global: options.global ?? true,
      providers: [{ provide: CABLE_TOKENS_OPTIONS, useValue: resolveCableTokensOptions(options) }, CableTokenService, StreamSigner],
      exports: [CableTokenService, StreamSigner],
    };
  }
}
