import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Longest wait between two attempts, and between two reconnects of the gRPC channel: once the RPC
 * app listens again, a waiting call reaches it within about twice this. anycable-go's backoff is uncapped (100 ms·2ⁿ), which is harmless
 * under its fixed 3 s budget (the last attempt starts at 1.5 s); with a longer rpc_request_timeout,
 * sized for an RPC app restart, an uncapped backoff would leave the app back but unasked for seconds.
 */
export const MAX_RETRY_DELAY_MS = 500;

/**
 * anycable-go's retry rule (rpc/rpc.go): RESOURCE_EXHAUSTED (the RPC server's pool is full) is
 * retried after 10 ms·2ⁿ, UNAVAILABLE (server down or restarting) after 100 ms·2ⁿ, here capped at
 * {@link MAX_RETRY_DELAY_MS}, as long as the retry can start before the call's deadline. Anything
 * else is final. Returns the delay, or null.
 */
export function retryDelayMs(code: GrpcStatus | null, attempt: number, remainingMs: number): number | null {
  const base = code === GrpcStatus.RESOURCE_EXHAUSTED ? 10 : code === GrpcStatus.UNAVAILABLE ? 100 : null;
  if (base === null) return null;
  const delay = Math.min(base * 2 ** Math.min(attempt, 16), MAX_RETRY_DELAY_MS);
  return delay < remainingMs ? delay : null;
}
