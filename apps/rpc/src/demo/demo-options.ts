/** Injection token of the {@link DemoOptions}. */
export const DEMO_OPTIONS = Symbol('DEMO_OPTIONS');

/** What the demo's HTTP side needs from the app's configuration. */
export interface DemoOptions {
  /** The gateway's WebSocket URL as the browser reaches it (`CABLE_URL`). */
  cableUrl: string;
  /** `JWT_SECRET`, shared with the connection's authenticator; unset: the demo cannot issue tokens. */
  jwtSecret: string | undefined;
}
