import { randomUUID } from 'node:crypto';
import { BadRequestException, Body, Controller, Get, HttpCode, Logger, Param, Post, ServiceUnavailableException, UsePipes } from '@nestjs/common';
import { BroadcastService } from '#libs/broadcaster';
import { StreamSigner } from '#libs/cable';
import { readIdParam } from '../../app/channels/channel-params.js';
import { commentsStreamOf } from '../../app/channels/comments.channel.js';
import { demoValidation } from '../demo-validation.js';
import type { Comment } from './comment.js';
import { CreateCommentRequest } from './create-comment.dto.js';

/**
 * `POST /posts/:id/comments {"author", "body"}`: adds a comment to a post and broadcasts it to the
 * post's stream, where every `comments` subscriber of that post receives it. The demo keeps no store:
 * the broadcast is the whole effect, and the answer (201) is the comment as broadcast.
 */
@Controller('posts')
export class CommentsController {
  private readonly logger = new Logger('Comments');

  constructor(
    private readonly broadcasts: BroadcastService,
    private readonly signer: StreamSigner,
  ) {}

  /**
   * `GET /posts/:id/comments/stream`: the post's comments stream, signed, for the page to follow with
   * `{"channel":"$pubsub","signed_stream_name":…}` — no channel code, no RPC call on subscribe. 503
   * without a streams secret (ANYCABLE_STREAMS_SECRET or ANYCABLE_SECRET): the page then uses the
   * `comments` channel.
   */
  @Get(':id/comments/stream')
  stream(@Param('id') id: string): { stream: string; signed_stream_name: string } {
    const postId = readIdParam(id);
    if (postId === undefined) throw new BadRequestException('the post id must be an integer or a string of up to 128 characters without spaces');
    if (!this.signer.enabled) throw new ServiceUnavailableException('no streams secret: follow the comments channel instead');
    const stream = commentsStreamOf(postId);
    return { stream, signed_stream_name: this.signer.signStream(stream) };
  }

  @Post(':id/comments')
  @HttpCode(201)
  @UsePipes(demoValidation)
  async create(@Param('id') id: string, @Body() request: CreateCommentRequest): Promise<Comment> {
    // The same rule as the channel's post_id, so every post one can comment on can also be followed.
    const postId = readIdParam(id);
    if (postId === undefined) throw new BadRequestException('the post id must be an integer or a string of up to 128 characters without spaces');
    const comment: Comment = {
      id: randomUUID(),
      post_id: postId,
      author: request.author,
      body: request.body,
      created_at: new Date().toISOString(),
    };
    try {
      await this.broadcasts.broadcast(commentsStreamOf(postId), comment);
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.logger.error(`comment ${comment.id} on post ${postId} was not broadcast: ${cause.message}`, cause.stack);
      throw new ServiceUnavailableException(`the comment could not be broadcast: ${cause.message}`);
    }
    return comment;
  }
}
