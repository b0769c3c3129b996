import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { chooseSubprotocol } from '../protocol/subprotocol.js';
import { CableSocket } from './cable-socket.js';
import type { ConnectionBudget } from './connection-budget.js';
import { handshakeOf, pathnameOf } from './handshake.js';
import { compileOriginPatterns, isOriginAllowed } from './origin-check.js';
import type { TransportContext } from './transport-socket.js';

export interface CableServerOptions {
  readonly paths: readonly string[];
  readonly maxMessageSize: number;
  /** max_conn, shared with the other transports. */
  readonly budget: ConnectionBudget;
  readonly allowedOrigins: readonly string[];
  /** Served over TLS: the URL given to RPC starts with https. */
  readonly secure: boolean;
}

/**
 * The WebSocket endpoint(s) on the application's HTTP server: path routing, origin check,
 * max_conn, sub-protocol choice, then hands each accepted socket to `onConnection`.
 * The upgrade always succeeds at HTTP level for a well-formed request to a cable path:
 * authentication happens after, over RPC.
 */
export class CableServer {
  onConnection: ((socket: CableSocket) => void) | null = null;
  private readonly wss: WebSocketServer;
  private readonly paths: ReadonlySet<string>;
  private readonly origins: RegExp[];
  /** Every open socket by its `ws` socket: the listeners below are shared, `this` tells them which one. */
  private readonly sockets = new Map<WebSocket, CableSocket>();
  private accepting = true;
  // One listener of each kind for every socket, called with the socket's WebSocket as `this`: a
  // closure per connection (with its scope, and `once`'s wrapper) cost ~0.5 KB of heap per idle
  // connection.
  private readonly socketErrorListener: (this: WebSocket, error: Error & { code?: string }) => void;
  private readonly socketCloseListener: (this: WebSocket, code: number) => void;

  constructor(
    private readonly httpServer: HttpServer,
    private readonly options: CableServerOptions,
    private readonly context: TransportContext,
  ) {
    const server = this;
    this.socketErrorListener = function (error) {
      server.socketError(this, error);
    };
    this.socketCloseListener = function (code) {
      server.socketClosed(this, code);
    };
    this.paths = new Set(options.paths);
    this.origins = compileOriginPatterns(options.allowedOrigins);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxMessageSize,
      handleProtocols: (offered: Set<string>) => chooseSubprotocol(offered),
    });
    this.wss.on('error', (error: Error) => context.logger.error({ err: error.message }, 'WebSocket server error'));
    httpServer.on('upgrade', this.handleUpgrade);
    options.budget.register(() => this.sockets.size);
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Every open socket (for shutdown). */
  openSockets(): IterableIterator<CableSocket> {
    return this.sockets.values();
  }

  /** The open socket of a `ws` socket (for listeners shared by every socket). */
  socketOf(ws: WebSocket): CableSocket | undefined {
    return this.sockets.get(ws);
  }

  /** New upgrades get 503 from now on (graceful shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Detaches from the HTTP server and drops whatever is still open. */
  close(): void {
    this.accepting = false;
    this.httpServer.off('upgrade', this.handleUpgrade);
    for (const socket of this.sockets.values()) socket.terminate();
    this.wss.close();
  }

  private readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A listener shared by every socket: a closure made here would share this call's scope, and so
    // keep the whole upgrade request (headers, raw headers: ~2 KB) alive as long as the socket.
    socket.on('error', this.logUpgradeSocketError);
    if (!this.paths.has(pathnameOf(request.url))) return this.refuse(request, socket, 404, 'Not Found', 'not a cable path');
    if (!this.accepting) return this.refuse(request, socket, 503, 'Service Unavailable', 'shutting down');
    if (this.options.budget.isFull) return this.refuse(request, socket, 503, 'Service Unavailable', `max_conn (${this.options.budget.max}) reached`);
    if (!isOriginAllowed(request.headers.origin, this.origins)) {
      return this.refuse(request, socket, 403, 'Forbidden', `origin ${request.headers.origin} not allowed`);
    }
    // The 101 is answered at once, as anycable-go does, and the welcome follows the Connect RPC.
    // Holding the 101 for the welcome (one write fewer per connection) was tried and reverted: a
    // client or load balancer with a handshake timeout then also times the Connect RPC's queue,
    // and in a reconnect storm every slow Connect became an abandoned attempt plus a retry
    // (bench storm, 10,000 clients with a 10 s handshake timeout: 49,090 RPC calls, 2,331 back).
    this.wss.handleUpgrade(request, socket, head, (ws: WebSocket) => this.accept(ws, socket, request));
  };

  private readonly logUpgradeSocketError = (error: Error): void => {
    this.context.logger.debug({ err: error.message }, 'socket error during upgrade');
  };

  private refuse(request: IncomingMessage, socket: Duplex, status: number, text: string, why: string): void {
    this.context.stats.connectionsRejected++;
    this.context.logger.info({ url: request.url, status, remoteAddress: request.socket.remoteAddress }, `WebSocket upgrade refused: ${why}`);
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  private accept(ws: WebSocket, socket: Duplex, request: IncomingMessage): void {
    const cable = new CableSocket(randomUUID(), ws.protocol, ws, socket, handshakeOf(request, this.options.secure), this.context);
    this.sockets.set(ws, cable);
    this.context.stats.connectionsTotal++;
    ws.on('error', this.socketErrorListener);
    ws.on('close', this.socketCloseListener);
    if (this.onConnection) {
      this.onConnection(cable);
    } else {
      this.context.logger.error({ sid: cable.sid }, 'no connection handler bound: closing');
      cable.close(1011);
    }
  }

  private socketError(ws: WebSocket, error: Error & { code?: string }): void {
    const sid = this.sockets.get(ws)?.sid;
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.context.stats.oversizedFrames++;
      this.context.logger.warn({ sid, limit: this.options.maxMessageSize }, 'frame over max_message_size: closing with 1009');
    } else {
      this.context.logger.warn({ sid, err: error.message, code: error.code }, 'WebSocket protocol error: closing');
    }
  }

  /** `ws` emits close once: the socket leaves the open set, then its session hears of it. */
  private socketClosed(ws: WebSocket, code: number): void {
    const cable = this.sockets.get(ws);
    if (!cable) return;
    this.sockets.delete(ws);
    cable.closed(code);
  }
}
