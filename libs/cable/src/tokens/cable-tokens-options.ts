/** Injection token of the resolved {@link CableTokensOptions}. */
export const CABLE_TOKENS_OPTIONS = Symbol('CABLE_TOKENS_OPTIONS');

/** How {@link CableTokensModule} signs; every field falls back to the gateway's own env names. */
export interface CableTokensOptions {
  /** Signs identification tokens; default `ANYCABLE_JWT_SECRET`, else `ANYCABLE_SECRET` (the gateway's `jwt_secret` / `secret`). */
  jwtSecret?: string;
  /** Signs stream names; default `ANYCABLE_STREAMS_SECRET`, else `ANYCABLE_SECRET` (the gateway's `streams_secret` / `secret`). */
  streamsSecret?: string;
  /** Token lifetime when `issue` is not given one; default 3600 s (anycable-rails' `jwt_ttl`). */
  ttlSeconds?: number;
  /** Register the services globally (default true). */
  global?: boolean;
}

/** Options after the env fallbacks: '' = not configured (signing fails with a clear error). */
export interface ResolvedCableTokensOptions {
  readonly jwtSecret: string;
  readonly streamsSecret: string;
  readonly ttlSeconds: number;
}

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** Applies the env fallbacks, as the gateway reads the same names. */
export function resolveCableTokensOptions(options: CableTokensOptions, env: NodeJS.ProcessEnv = process.env): ResolvedCableTokensOptions {
  const pick = (...values: Array<string | undefined>): string => values.map((value) => value?.trim() ?? '').find((value) => value !== '' && value !== 'none') ?? '';
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`CableTokensModule: ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  return {
    jwtSecret: pick(options.jwtSecret, env.ANYCABLE_JWT_SECRET, env.ANYCABLE_SECRET),
    streamsSecret: pick(options.streamsSecret, env.ANYCABLE_STREAMS_SECRET, env.ANYCABLE_SECRET),
    ttlSeconds,
  };
}
