import { createHmac } from 'node:crypto';

/**
 * The HTTP RPC secret anycable-go (1.6, rpc/rpc.go) derives from its application `secret` when no
 * `http_rpc_secret` is given: hex(HMAC-SHA256(secret, "rpc-cable")), sent as
 * `Authorization: Bearer <it>`. Shared by the gateway (client) and the RPC app (server).
 */
export function deriveRpcSecret(secret: string): string {
  return createHmac('sha256', secret).update('rpc-cable').digest('hex');
}

/** Header prefix anycable-go puts before each call metadata key over HTTP (`x-anycable-meta-sid`, `…-protov`). */
export const HTTP_RPC_META_PREFIX = 'x-anycable-meta-';
