/**
 * One broadcast transport (redis, http, redisx, nats). The service encodes a publication, a batch or a
 * remote command once and hands the same bytes to `publish`.
 */
export interface BroadcastAdapter {
  /** Adapter name as in `ANYCABLE_BROADCAST_ADAPTER`. */
  readonly name: string;
  /**
   * Hands one encoded message (`encodeBroadcast` output) to the transport. Resolves once the transport
   * accepted it; rejects with a `BroadcastError` (cause attached) otherwise, within the adapter's bounds.
   */
  publish(body: string): Promise<void>;
  /** Lets in-flight publishes finish (bounded) and releases connections. Publishing afterwards rejects. */
  close(): Promise<void>;
}
