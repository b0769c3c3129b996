/**
 * The subscription every benchmark client makes. It is the RPC demo's `comments` channel, which
 * accepts anonymous connections and streams `comments:post:<post_id>`; the peers follow the same
 * stream name so one Redis publication reaches the subscribers of all of them.
 */
export const BENCH_POST_ID = '1';

/** The Action Cable identifier a client subscribes with. */
export function commentsIdentifier(postId: string = BENCH_POST_ID): string {
  return JSON.stringify({ channel: 'comments', post_id: postId });
}

/** The stream the demo's comments channel follows for a post. */
export function commentsStream(postId: string = BENCH_POST_ID): string {
  return `comments:post:${postId}`;
}

/**
 * The stream an identifier follows, for the bare ws peer (which has no RPC app to ask): the demo's
 * rule for `comments`, else the identifier itself, so any other subscription still gets a stream.
 */
export function streamForIdentifier(identifier: string): string {
  try {
    const parsed = JSON.parse(identifier) as { channel?: unknown; post_id?: unknown };
    if (parsed.channel === 'comments' && (typeof parsed.post_id === 'string' || typeof parsed.post_id === 'number')) {
      return commentsStream(String(parsed.post_id));
    }
  } catch {
    // Not JSON: an identifier is an opaque string to the ws peer, so it names its own stream.
  }
  return identifier;
}
