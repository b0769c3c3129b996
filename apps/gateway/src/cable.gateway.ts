import { Catch, Inject, Logger, UseFilters, type ArgumentsHost, type WsExceptionFilter } from '@nestjs/common';
import {
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import type { ClientCommand } from '#libs/protocol';
import { SessionService } from './session/session.service.js';
import type { CableSocket } from './transport/cable-socket.js';
import { INVALID_FRAME, type InvalidFrame } from './transport/cable-ws.adapter.js';

/** A handler that throws is a gateway bug: logged with the session's sid, the connection goes on. */
@Catch()
class CableExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('CableGateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const socket = host.switchToWs().getClient<CableSocket>();
    this.logger.error(`sid=${socket?.sid} handler failed: ${(exception as Error)?.stack ?? String(exception)}`);
  }
}

/**
 * The Action Cable endpoint as a Nest gateway: CableWsAdapter decodes each frame and routes it
 * here by its `command`; every event goes to the socket's session. Paths, sub-protocols and
 * limits come from the config (see CableWsAdapter), not from decorator options.
 */
@WebSocketGateway()
@UseFilters(new CableExceptionFilter())
export class CableGateway implements OnGatewayConnection<CableSocket>, OnGatewayDisconnect<CableSocket> {
  constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

  handleConnection(socket: CableSocket): void {
    this.sessions.open(socket);
  }

  handleDisconnect(socket: CableSocket): void {
    this.sessions.closed(socket);
  }

  @SubscribeMessage('subscribe')
  subscribe(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('message')
  message(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('pong')
  pong(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('history')
  history(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('whisper')
  whisper(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('join')
  join(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('leave')
  leave(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage('presence')
  presence(socket: CableSocket, command: ClientCommand): void {
    this.sessions.command(socket, command);
  }

  @SubscribeMessage(INVALID_FRAME)
  invalidFrame(socket: CableSocket, frame: InvalidFrame): void {
    this.sessions.invalidFrame(socket, frame);
  }
}
