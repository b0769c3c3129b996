/** Injection token of the resolved `BroadcasterOptions`. */
export const BROADCASTER_OPTIONS = Symbol('BROADCASTER_OPTIONS');

/** Injection token of the `BroadcastAdapter` the service publishes through. */
export const BROADCAST_ADAPTER = Symbol('BROADCAST_ADAPTER');
