import { Logger } from '@nestjs/common';
import { Channel, type ChannelContext, type ChannelHandler } from '#libs/cable';
import type { AppIdentifiers } from '../app-identifiers.js';
import { readIdParam } from './channel-params.js';

interface CommentsParams {
  post_id?: unknown;
}

interface CommentsState {
  /** The post followed, kept so `unsubscribed` can name it. */
  post_id?: string;
}

type CommentsContext = ChannelContext<CommentsParams, CommentsState, AppIdentifiers>;

/** Comments of a post: `{"channel":"comments","post_id":42}` follows `comments:post:42`. */
@Channel({ name: 'comments', aliases: ['CommentsChannel'] })
export class CommentsChannel implements ChannelHandler<CommentsParams, CommentsState, AppIdentifiers> {
  private readonly logger = new Logger('CommentsChannel');

  subscribed(ctx: CommentsContext): void {
    const postId = readIdParam(ctx.params.post_id);
    if (postId === undefined) return ctx.reject();
    ctx.state.post_id = postId;
    ctx.streamFrom(commentsStreamOf(postId));
  }

  unsubscribed(ctx: CommentsContext): void {
    this.logger.debug(`unsubscribed sid=${ctx.sid} channel=comments post_id=${ctx.state.post_id ?? '?'}`);
  }
}

/** The stream of a post's comments: what the channel follows and where new comments are broadcast. */
export function commentsStreamOf(postId: string): string {
  return `comments:post:${postId}`;
}
