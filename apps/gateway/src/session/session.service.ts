import type { ClientCommand } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import type { CableSocket } from '../transport/cable-socket.js';
import type { InvalidFrame } from '../transport/cable-ws.adapter.js';
import type { JwtIdentification } from './jwt-identification.js';
import { isExtendedProtocol } from '../protocol/subprotocol.js';
import type { Handshake } from '../transport/handshake.js';
import { requestEnvOf } from './request-env.js';
import type { SessionContext } from './session-context.js';
import type { SessionRegistry } from './session-registry.js';
import { Session } from './session.js';

/** Creates sessions for accepted sockets and routes the gateway's events to them. */
export class SessionService {
  constructor(
    private readonly context: SessionContext,
    private readonly registry: SessionRegistry,
    private readonly jwt: JwtIdentification,
    private readonly proxy: Pick<RpcConfig, 'proxyHeaders' | 'proxyCookies'>,
  ) {}

  open(socket: CableSocket): void {
    const handshake = socket.takeHandshake();
    const session = new Session(socket, requestEnvOf(handshake, this.proxy.proxyHeaders, this.proxy.proxyCookies), this.context);
    this.registry.add(session);
    this.context.logger.debug({ sid: socket.sid, url: handshake.url, protocol: socket.protocol || 'none' }, 'WebSocket accepted');
    void session.open(this.jwt.identify(handshake), this.previousSid(socket, handshake));
  }

  /**
   * Extended protocol: the sid of the session the client asks to restore, from `?sid=` or the
   * `X-ANYCABLE-RESTORE-SID` header (anycable-go); '' when none.
   */
  private previousSid(socket: CableSocket, handshake: Handshake): string {
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

  command(socket: CableSocket, command: ClientCommand): void {
    const session = this.registry.get(socket);
    if (session) session.enqueue(command);
    else this.context.logger.debug({ sid: socket.sid, command: command.command }, 'command after close: ignored');
  }

  invalidFrame(socket: CableSocket, frame: InvalidFrame): void {
    const session = this.registry.get(socket);
    if (session) session.invalidFrame(frame);
    else this.context.stats.badFrames++;
  }

  closed(socket: CableSocket): void {
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
