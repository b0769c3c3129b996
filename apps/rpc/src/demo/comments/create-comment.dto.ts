import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** Body of `POST /posts/:id/comments`. */
export class CreateCommentRequest {
  @IsString()
  @Matches(/^\S(.{0,62}\S)?$/, { message: 'author must be 1 to 64 characters, not starting or ending with a space' })
  author!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  body!: string;
}
