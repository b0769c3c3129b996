import { verifySignedStreamName, type VerifiedStream } from '#libs/protocol';

/**
 * Subscriptions the gateway answers itself, without a Command RPC (anycable-go 1.6.0 `streams/`
 * package and its router in `cli/cli.go`):
 * - `$pubsub` with `signed_stream_name` (verified with the streams secret) or `stream_name`
 *   (only with `public_streams`);
 * - `Turbo::StreamsChannel` with `signed_stream_name` (with `turbo_streams`, verified with the
 *   Turbo secret, as Rails' `Turbo.signed_stream_verifier` signs);
 * - `CableReady::Stream` with `identifier` (with `cable_ready`, verified with the CableReady secret).
 * Every other identifier goes to RPC. Pure: no I/O, reused by the SSE endpoint.
 */

export interface StreamChannelsConfig {
  /** Verifies `$pubsub` signed names (`streams_secret`, else `secret`); '' = every signed name is refused. */
  readonly secret: string;
  /** `public_streams` (or `public`): unsigned `stream_name` accepted. */
  readonly publicStreams: boolean;
  /** `streams_whisper`: whisper on signed streams (public streams always allow it). */
  readonly whisper: boolean;
  /** `streams_presence` (anycable-go default: on): presence on signed streams (public streams always allow it). */
  readonly presence: boolean;
  /** `turbo_streams` with its secret (`turbo_streams_secret`, else the streams secret); null = off. */
  readonly turboSecret: string | null;
  /** `cable_ready` with its secret (`cable_ready_secret`, else the streams secret); null = off. */
  readonly cableReadySecret: string | null;
}

/** The reserved channel of signed and public streams. */
export const PUBSUB_CHANNEL = '$pubsub';
export const TURBO_CHANNEL = 'Turbo::StreamsChannel';
export const CABLE_READY_CHANNEL = 'CableReady::Stream';

/** What to do with a subscribe command. */
export type StreamSubscription =
  /** Not a reserved channel: ask the RPC app. */
  | { kind: 'rpc' }
  /**
   * Confirm and follow `stream`; `whisper` / `presence` = the stream is also the subscription's
   * whisper stream (istate `$w`) / presence stream (istate `$p`).
   */
  | { kind: 'confirm'; stream: string; whisper: boolean; presence: boolean }
  /** reject_subscription; `reason` is for the log. */
  | { kind: 'reject'; reason: string };

/** Verifies stream names and routes reserved-channel identifiers. */
export class StreamChannels {
  constructor(private readonly config: StreamChannelsConfig) {}

  get allowsPublicStreams(): boolean {
    return this.config.publicStreams;
  }

  /** A `$pubsub` signed name (also SSE's `?signed_stream=`): the stream, or why not. */
  verifySigned(signed: string): VerifiedStream {
    return this.config.secret ? verifySignedStreamName(signed, this.config.secret) : { ok: false, error: 'bad_signature' };
  }

  /** A Turbo Streams signed name (also SSE's `?turbo_signed_stream_name=`); refused when turbo_streams is off. */
  verifyTurbo(signed: string): VerifiedStream {
    return this.config.turboSecret ? verifySignedStreamName(signed, this.config.turboSecret) : { ok: false, error: 'bad_signature' };
  }

  /**
   * Routes one subscribe identifier. Identifiers that cannot name a reserved channel skip the JSON
   * parse (the common RPC case costs one substring search).
   */
  resolve(identifier: string): StreamSubscription {
    if (!identifier.includes(PUBSUB_CHANNEL) && !identifier.includes('::')) return { kind: 'rpc' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(identifier);
    } catch {
      return { kind: 'rpc' };
    }
    if (typeof parsed !== 'object' || parsed === null) return { kind: 'rpc' };
    const params = parsed as Record<string, unknown>;
    switch (params.channel) {
      case PUBSUB_CHANNEL:
        return this.resolvePubsub(params);
      case TURBO_CHANNEL:
        return this.config.turboSecret === null ? { kind: 'rpc' } : this.signed(params.signed_stream_name, this.config.turboSecret, false, false);
      case CABLE_READY_CHANNEL:
        return this.config.cableReadySecret === null ? { kind: 'rpc' } : this.signed(params.identifier, this.config.cableReadySecret, false, false);
      default:
        return { kind: 'rpc' };
    }
  }

  private resolvePubsub(params: Record<string, unknown>): StreamSubscription {
    const { stream_name: streamName, signed_stream_name: signedName } = params;
    // anycable-go: a public stream_name wins over a signed one, and is refused without public streams.
    if (typeof streamName === 'string' && streamName !== '') {
      return this.config.publicStreams
        ? { kind: 'confirm', stream: streamName, whisper: true, presence: true }
        : { kind: 'reject', reason: 'public streams are off' };
    }
    return this.signed(signedName, this.config.secret, this.config.whisper, this.config.presence);
  }

  private signed(signed: unknown, secret: string, whisper: boolean, presence: boolean): StreamSubscription {
    if (typeof signed !== 'string' || signed === '') return { kind: 'reject', reason: 'no stream name or signed stream' };
    if (!secret) return { kind: 'reject', reason: 'no streams secret configured' };
    const verified = verifySignedStreamName(signed, secret);
    return verified.ok ? { kind: 'confirm', stream: verified.stream, whisper, presence } : { kind: 'reject', reason: `signed stream refused: ${verified.error}` };
  }
}
