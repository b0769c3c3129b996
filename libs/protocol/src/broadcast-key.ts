import { createHmac } from 'node:crypto';

/**
 * The broadcast key anycable-go derives from its `secret` when no `broadcast_key` is given:
 * hex(HMAC-SHA256(secret, "broadcast-cable")). Shared by the publisher (libs/broadcaster) and the
 * gateway's HTTP intake, so both sides of `Authorization: Bearer <key>` agree.
 */
export function deriveBroadcastKey(secret: string): string {
  return createHmac('sha256', secret).update('broadcast-cable').digest('hex');
}
