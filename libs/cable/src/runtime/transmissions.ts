/**
 * The frames the RPC app writes as transmissions (the gateway sends them verbatim):
 * see ../shared/spec/rpc-contract.md, "What the RPC app produces".
 */

/**
 * Sent on an accepted Connect, with the call's `sid` (gRPC metadata) when it has one, as
 * anycable-rails does: anycable-go passes the welcome through unchanged, so without it an
 * extended-protocol client behind anycable-go never learns its sid and is never restored. Our
 * gateway sets its own `sid` (the same value) and `restored` anyway.
 */
export function welcomeTransmission(sid: string): string {
  return JSON.stringify(sid ? { type: 'welcome', sid } : { type: 'welcome' });
}

/** Sent on a rejected Connect; the gateway then closes the socket. */
export const UNAUTHORIZED_TRANSMISSION = JSON.stringify({ type: 'disconnect', reason: 'unauthorized', reconnect: false });

/** `{"identifier":<id>,"type":"confirm_subscription"}` */
export function confirmSubscriptionTransmission(identifier: string): string {
  return JSON.stringify({ identifier, type: 'confirm_subscription' });
}

/** `{"identifier":<id>,"type":"reject_subscription"}` */
export function rejectSubscriptionTransmission(identifier: string): string {
  return JSON.stringify({ identifier, type: 'reject_subscription' });
}

/** `{"identifier":<id>,"message":<message>}`: a message for one subscription of one client. */
export function subscriptionMessageTransmission(identifier: string, message: unknown): string {
  return JSON.stringify({ identifier, message });
}
