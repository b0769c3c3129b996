import { ACTIONCABLE_V1_EXT_JSON, ACTIONCABLE_V1_JSON } from '#libs/protocol';

/** Sub-protocols spoken here, in order of preference when a client offers several. */
export const SUPPORTED_SUBPROTOCOLS: readonly string[] = [ACTIONCABLE_V1_JSON, ACTIONCABLE_V1_EXT_JSON];

/**
 * The first offered sub-protocol that is supported; `false` when none is (the upgrade still
 * succeeds, without a Sec-WebSocket-Protocol header, and the session speaks the plain protocol).
 * The answer is our own constant, not the string parsed from the request: every socket keeps it
 * (twice: ws and CableSocket), so one shared string instead of a copy per connection.
 */
export function chooseSubprotocol(offered: Iterable<string>): string | false {
  for (const protocol of offered) {
    const index = SUPPORTED_SUBPROTOCOLS.indexOf(protocol);
    if (index >= 0) return SUPPORTED_SUBPROTOCOLS[index];
  }
  return false;
}

/** True for the extended protocol (sid in welcome, pongs). */
export function isExtendedProtocol(protocol: string): boolean {
  return protocol === ACTIONCABLE_V1_EXT_JSON;
}
