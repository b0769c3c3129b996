import { Inject, Injectable } from '@nestjs/common';
import { signStreamName } from '#libs/protocol';
import { CABLE_TOKENS_OPTIONS, type ResolvedCableTokensOptions } from './cable-tokens-options.js';

/**
 * Signs stream names for `{"channel":"$pubsub","signed_stream_name":…}` subscriptions, which the
 * gateway (and anycable-go) confirms with no RPC: anycable-go's format, `base64(JSON name)--hex
 * HMAC-SHA256(streams secret, base64)` (also anycable-serverless-js' `signer`). A page gets the
 * signed name from the server (rendered, or from an endpoint) and follows it with
 * `cable.streamFromSigned(name)` (@anycable/web) or
 * `consumer.subscriptions.create({ channel: '$pubsub', signed_stream_name: name })` (@rails/actioncable).
 */
@Injectable()
export class StreamSigner {
  constructor(@Inject(CABLE_TOKENS_OPTIONS) private readonly options: ResolvedCableTokensOptions) {}

  /** True when a streams secret is configured. */
  get enabled(): boolean {
    return this.options.streamsSecret !== '';
  }

  /** The signed form of `stream`. Throws without a streams secret. */
  signStream(stream: string): string {
    if (!this.enabled) throw new Error('StreamSigner: no streams secret (set ANYCABLE_STREAMS_SECRET or ANYCABLE_SECRET, or streamsSecret)');
    return signStreamName(stream, this.options.streamsSecret);
  }
}
