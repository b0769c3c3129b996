import type { ClientCommand } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import type { SessionSocket } from '../transport/session-socket.js';
import type { CommandSink, InvalidFrame } from '../transport/cable-ws.adapter.js';
import type { JwtIdentification } from './jwt-identification.js';
import type { SubscribeCommand } from '../protocol/protocol.types.js';
import { isExtendedProtocol } from '../protocol/subprotocol.js';
import type { Handshake } from '../transport/handshake.js';
import { requestEnvOf } from './request-env.js';
import { ChannelCommands } from './channel-commands.js';
import { missedAfter } from './history-answer.js';
import type { SessionContext, SessionRuntime } from './session-context.js';
import { SessionPresence } from './session-presence.js';
import type { SessionRegistry } from './session-registry.js';
import { Session } from './session.js';

/** How opening a one-way session went: subscribed, refused at authentication, or a subscription not confirmed. */
export type OneWayOutcome = 'subscribed' | 'not_connected' | 'not_subscribed';

/** Creates sessions for accepted sockets and routes the gateway's events to them. */
export class SessionService implements CommandSink {
  private readonly context: SessionRuntime;

  constructor(
    context: SessionContext,
    private readonly registry: SessionRegistry,
    private readonly jwt: JwtIdentification,
    private readonly proxy: Pick<RpcConfig, 'proxyHeaders' | 'proxyCookies'>,
  ) {
    const { logger, stats, broker, options } = context;
    this.context = {
      ...context,
      delivery: {
        options: { holdMs: options.historyHoldMs, maxHeld: options.historyHoldSize },
        holdEnded: (sid, reason, released) => {
          if (reason === 'overflow') {
            stats.historyHoldOverflows++;
            logger.warn({ sid, released }, 'live frames held for a history answer over history_hold_size: sent as they are');
          } else {
            logger.debug({ sid, released }, 'no history request within history_hold_milliseconds: live frames released');
          }
        },
        fill: (identifier, stream, after) => missedAfter(broker, identifier, stream, after),
      },
      commands: new ChannelCommands(context, new SessionPresence(context.presence)),
    };
  }

  open(socket: SessionSocket): void {
    const handshake = socket.takeHandshake();
    const session = this.create(socket, handshake);
    void session.open(this.jwt.identify(handshake), this.previousSid(socket, handshake));
  }

  /**
   * A session on a one-way transport (SSE): authenticates it (JWT, else Connect), then runs
   * `subscribes` in order, stopping at the first that is not confirmed. The transport answers
   * the request from the outcome; the session goes on serving if it is `subscribed`.
   */
  async openOneWay(socket: SessionSocket, subscribes: readonly SubscribeCommand[]): Promise<OneWayOutcome> {
    const handshake = socket.takeHandshake();
    const session = this.create(socket, handshake);
    await session.open(this.jwt.identify(handshake));
    if (!session.isConnected) return 'not_connected';
    for (const command of subscribes) {
      session.enqueue(command);
      await session.idle();
      if (!session.isSubscribed(command.identifier)) return 'not_subscribed';
    }
    return session.isConnected ? 'subscribed' : 'not_connected';
  }

  private create(socket: SessionSocket, handshake: Handshake): Session {
    const env = requestEnvOf(handshake, this.proxy.proxyHeaders, this.proxy.proxyCookies);
    // anycable-go proxies the token (header or anycable-token sub-protocol) to RPC as `x-<jwt_param>`.
    const token = this.jwt.headerToken(handshake);
    if (token) env.headers[this.jwt.headerName] = token;
    const session = new Session(socket, env, this.context);
    this.registry.add(session);
    this.context.logger.debug({ sid: socket.sid, url: handshake.url, protocol: socket.protocol || 'none', transport: socket.encoder.name }, 'connection accepted');
    return session;
  }

  /**
   * Extended protocol: the sid of the session the client asks to restore, from `?sid=` or the
   * `X-ANYCABLE-RESTORE-SID` header (anycable-go); '' when none.
   */
  private previousSid(socket: SessionSocket, handshake: Handshake): string {
    if (!isExtendedProtocol(socket.protocol)) return '';
    const header = handshake.headers['x-anycable-restore-sid'];
    if (typeof header === 'string' && header) return header;
    try {
      return new URL(handshake.url).searchParams.get('sid') ?? '';
    } catch (error) {
      this.context.logger.debug({ sid: socket.sid, err: (error as Error).message }, 'request URL not parsed: no session restore');
      return '';
    }
  }

  command(socket: SessionSocket, command: ClientCommand): void {
    const session = this.registry.get(socket);
    if (session) session.enqueue(command);
    else this.context.logger.debug({ sid: socket.sid, command: command.command }, 'command after close: ignored');
  }

  invalidFrame(socket: SessionSocket, frame: InvalidFrame): void {
    const session = this.registry.get(socket);
    if (session) session.invalidFrame(frame);
    else this.context.stats.badFrames++;
  }

  closed(socket: SessionSocket): void {
    this.registry.get(socket)?.handleTransportClosed();
  }

  /** Remote disconnect command: closes every session with exactly these identifiers. */
  disconnectRemotely(identifiers: string, reconnect: boolean): number {
    const sessions = this.registry.withIdentifiers(identifiers);
    for (const session of sessions) session.disconnectRemotely(reconnect);
    this.context.stats.remoteDisconnects += sessions.length;
    return sessions.length;
  }

  /** Graceful shutdown: every session gets server_restart and a 1001 close. */
  shutdownAll(): number {
    const sessions = [...this.registry.all()];
    for (const session of sessions) session.shutdown();
    return sessions.length;
  }
}
