import type { Server as HttpServer } from 'node:http';
import type { WebSocketAdapter } from '@nestjs/common';
import type { ClientCommand } from '#libs/protocol';
import type { RawData, WebSocket } from 'ws';
import { decodeClientCommand } from '../protocol/client-command.decoder.js';
import { CableServer, type CableServerOptions } from './cable-server.js';
import type { CableSocket } from './cable-socket.js';
import type { TransportContext } from './transport-socket.js';

/** Why a frame was refused by the decoder. */
export interface InvalidFrame {
  readonly error: string;
  readonly size: number;
}

/** Where decoded frames go: the sessions. */
export interface CommandSink {
  command(socket: CableSocket, command: ClientCommand): void;
  invalidFrame(socket: CableSocket, frame: InvalidFrame): void;
}

/**
 * Nest WebSocket adapter speaking Action Cable frames over `ws`. Nest creates the endpoint through
 * it and tells the gateway of connections and disconnections; each text frame is decoded as an
 * Action Cable command and handed straight to the {@link CommandSink}, as is what does not decode
 * (non-JSON, binary, missing identifier, unknown command). Frames do not go through Nest's
 * per-message pipeline (`@SubscribeMessage`): it kept seven bound handler objects per connection
 * (~1 KB of heap each) and ran an execution context per frame, for handlers that all did the same
 * thing. Handlers write their own frames, so replies are not piped back through Nest.
 */
export class CableWsAdapter implements WebSocketAdapter<CableServer, CableSocket> {
  private server: CableServer | null = null;
  /** The `message` listener of every socket (`this` is its WebSocket): no closure per connection. */
  private readonly messageListener: (this: WebSocket, data: RawData, isBinary: boolean) => void;

  constructor(
    private readonly httpServer: HttpServer,
    private readonly options: CableServerOptions,
    private readonly context: TransportContext,
    private readonly sink: CommandSink,
  ) {
    const adapter = this;
    this.messageListener = function (data, isBinary) {
      adapter.frame(this, data, isBinary);
    };
  }

  /** The endpoint, once Nest has created it (during app init). */
  get cableServer(): CableServer {
    if (!this.server) throw new Error('the cable server is not created yet (app not initialised)');
    return this.server;
  }

  create(): CableServer {
    // One endpoint on the application's HTTP server whatever the gateway declares: paths come
    // from the validated config (ANYCABLE_PATH), not from decorator metadata.
    this.server ??= new CableServer(this.httpServer, this.options, this.context);
    return this.server;
  }

  bindClientConnect(server: CableServer, callback: (socket: CableSocket) => void): void {
    server.onConnection = callback;
  }

  bindClientDisconnect(socket: CableSocket, callback: (reason: string) => void): void {
    socket.onClosed(callback);
  }

  closeClient(socket: CableSocket): void {
    socket.close(1013, 'try again later');
  }

  /** Nest's handler list is empty (the gateway declares no `@SubscribeMessage`): frames go to the sink. */
  bindMessageHandlers(socket: CableSocket): void {
    socket.raw.on('message', this.messageListener);
  }

  private frame(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const socket = this.server?.socketOf(ws);
    if (!socket) {
      // ws emits no message after close (when the socket leaves the server's set): not expected.
      this.context.logger.debug({}, 'frame from a socket that is no longer open: ignored');
      return;
    }
    try {
      if (isBinary) return this.sink.invalidFrame(socket, { error: 'binary frame', size: rawSize(data) });
      const decoded = decodeClientCommand(rawText(data));
      if (decoded.ok) this.sink.command(socket, decoded.command);
      else this.sink.invalidFrame(socket, { error: decoded.error, size: rawSize(data) });
    } catch (error) {
      // A throwing handler is a gateway bug: logged with the session's sid, the connection goes on.
      this.context.logger.error({ sid: socket.sid, err: (error as Error)?.stack ?? String(error) }, 'gateway handler failed');
    }
  }

  close(server: CableServer): void {
    server.close();
  }

  /** Nothing beyond the server to release. */
  async dispose(): Promise<void> {}

}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((total, chunk) => total + chunk.length, 0);
  return data.byteLength;
}
