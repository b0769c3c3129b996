import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import { SessionService } from './session/session.service.js';
import type { CableSocket } from './transport/cable-socket.js';

/**
 * The Action Cable endpoint as a Nest gateway: Nest creates it through CableWsAdapter and tells it
 * of each connection and disconnection, which go to the socket's session. Frames do not pass here:
 * the adapter decodes them and hands them to the sessions directly (see CableWsAdapter). Paths,
 * sub-protocols and limits come from the config, not from decorator options.
 */
@WebSocketGateway()
export class CableGateway implements OnGatewayConnection<CableSocket>, OnGatewayDisconnect<CableSocket> {
  constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

  handleConnection(socket: CableSocket): void {
    this.sessions.open(socket);
  }

  handleDisconnect(socket: CableSocket): void {
    this.sessions.closed(socket);
  }
}
