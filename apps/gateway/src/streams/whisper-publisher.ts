import type { Publication } from '#libs/protocol';
import type { BroadcastSink } from '../broadcast/broadcast-intake.js';

/**
 * Where a session's whispers go (anycable-go `node.Whisper`: a transient broadcast through the
 * broker, excluding the sender). Once the broadcast side is wired, that is the relay to the other
 * gateways (delivered here, then published on the stream's pub/sub channel) or, without a pub/sub,
 * this gateway's dispatcher; before that, the hub directly.
 */
export class WhisperPublisher {
  private sink: BroadcastSink | null = null;

  constructor(private readonly hub: { deliver(publication: Publication): number }) {}

  /** Called once the broadcast intakes (and their relay, if any) exist. */
  attach(sink: BroadcastSink): void {
    this.sink = sink;
  }

  publish(publication: Publication): void {
    if (this.sink) this.sink.deliverMessages([publication], 'whisper');
    else this.hub.deliver(publication);
  }
}
