/**
 * Told when a stream starts and stops being followed on this gateway, so that a per-stream
 * pub/sub intake (redisx/http re-publication, nats) can subscribe only to the streams it needs.
 * Called synchronously from Hub.follow/unfollow: implementations must not throw and should
 * defer slow work.
 */
export interface StreamInterestListener {
  /** `stream` got its first subscriber. */
  streamFollowed(stream: string): void;
  /** `stream` lost its last subscriber. */
  streamUnfollowed(stream: string): void;
}
