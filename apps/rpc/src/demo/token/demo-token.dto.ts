import { IsString, Matches } from 'class-validator';

/** Body of `POST /demo/token`. */
export class DemoTokenRequest {
  /** Becomes the token's `sub`, i.e. the session's `current_user_id`. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'user must be 1 to 32 letters, digits, "_", "." or "-"' })
  user!: string;
}
