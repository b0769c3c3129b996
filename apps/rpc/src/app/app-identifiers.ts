/** What identifies a session of the demo app (see AppConnection). */
export interface AppIdentifiers {
  /** The user id from the JWT's `sub`; null for an anonymous session. */
  current_user_id: string | null;
  /** The `sid` query parameter, else the gateway's session id. */
  sid: string | null;
}
