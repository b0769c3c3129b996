import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * anycable-go's retry rule: RESOURCE_EXHAUSTED (the RPC server's pool is full) is retried after
 * 10 ms·2ⁿ, UNAVAILABLE (server down or restarting) after 100 ms·2ⁿ, as long as the retry can
 * start before the call's deadline. Anything else is final. Returns the delay, or null.
 */
export function retryDelayMs(code: GrpcStatus | null, attempt: number, remainingMs: number): number | null {
  const base = code === GrpcStatus.RESOURCE_EXHAUSTED ? 10 : code === GrpcStatus.UNAVAILABLE ? 100 : null;
  if (base === null) return null;
  const delay = base * 2 ** Math.min(attempt, 16);
  return delay < remainingMs ? delay : null;
}
