/** A comment as broadcast to `comments:post:<post_id>` and answered by `POST /posts/:id/comments`. */
export interface Comment {
  id: string;
  post_id: string;
  author: string;
  body: string;
  created_at: string;
}

