import type { BroadcastMessage, DecodeResult } from '#libs/protocol';

/** Where intakes hand what they receive; implemented by the gateway's BroadcastDispatcher. */
export interface BroadcastSink {
  /**
   * Decodes a transport payload (a publication, a remote command, or a JSON array of them, see
   * decodeBroadcast) and delivers it in order. Never throws: a bad payload is counted, logged
   * with `source`, and returned as `{ ok: false, error }` (the http intake answers 422 with it).
   */
  deliverPayload(payload: string, source: string): DecodeResult;
  /** Delivers already decoded messages, in order. */
  deliverMessages(messages: readonly BroadcastMessage[], source: string): void;
}

/**
 * One way publications reach this gateway (redis pub/sub, http POST, redisx, nats).
 * `start` resolves once the intake is receiving (or is retrying in the background after logging
 * why it could not yet); `stop` releases its connections. Neither may throw for a transient
 * outage: an intake reconnects (and resubscribes) by itself.
 */
export interface BroadcastIntake {
  readonly name: string;
  /**
   * True when every gateway receives every publication by itself (redis pub/sub, nats): it is
   * delivered locally only. False when one gateway takes each publication (http, redisx): that
   * gateway delivers it and relays it to the others through the pub/sub layer (see StreamRelay).
   */
  readonly fanout: boolean;
  start(sink: BroadcastSink): Promise<void>;
  stop(): Promise<void>;
}
