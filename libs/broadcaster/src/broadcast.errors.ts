/**
 * Errors of the broadcaster. Every failure to publish reaches the caller as a rejected promise
 * carrying one of these, with the underlying error as `cause`.
 */

/** A publication could not be handed to the transport (network, server refusal, timeout, closed service). */
export class BroadcastError extends Error {
  override readonly name = 'BroadcastError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A broadcaster option (explicit or from the environment) is missing or malformed; the message names it. */
export class BroadcasterConfigError extends Error {
  override readonly name = 'BroadcasterConfigError';

  /**
   * @param source the option or environment variable at fault, e.g. `ANYCABLE_BROADCAST_ADAPTER`.
   */
  constructor(readonly source: string, problem: string) {
    super(`${source}: ${problem}`);
  }
}

/** Message of an unknown thrown value, for error texts. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
