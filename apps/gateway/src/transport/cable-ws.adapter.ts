import type { Server as HttpServer } from 'node:http';
import type { WebSocketAdapter, WsMessageHandler } from '@nestjs/common';
import { isObservable, type Observable } from 'rxjs';
import type { RawData } from 'ws';
import { decodeClientCommand } from '../protocol/client-command.decoder.js';
import { CableServer, type CableServerOptions } from './cable-server.js';
import type { CableSocket, TransportContext } from './cable-socket.js';

/** Message name under which undecodable frames reach the gateway (`@SubscribeMessage(INVALID_FRAME)`). */
export const INVALID_FRAME = 'cable:invalid-frame';

/** Payload of an {@link INVALID_FRAME} message: why the frame was refused. */
export interface InvalidFrame {
  readonly error: string;
  readonly size: number;
}

/**
 * Nest WebSocket adapter speaking Action Cable frames over `ws`. Nest's stock WsAdapter routes
 * `{event, data}` frames; this one decodes each text frame as an Action Cable command and routes
 * it by its `command` (`@SubscribeMessage('subscribe')`, ...), and routes what does not decode
 * (non-JSON, binary, missing identifier, unknown command) to {@link INVALID_FRAME}.
 * Handlers write their own frames, so replies are not piped back through Nest.
 */
export class CableWsAdapter implements WebSocketAdapter<CableServer, CableSocket> {
  private server: CableServer | null = null;

  constructor(
    private readonly httpServer: HttpServer,
    private readonly options: CableServerOptions,
    private readonly context: TransportContext,
  ) {}

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
    socket.raw.once('close', (code: number) => callback(`closed with ${code}`));
  }

  closeClient(socket: CableSocket): void {
    socket.close(1013, 'try again later');
  }

  bindMessageHandlers(socket: CableSocket, handlers: WsMessageHandler[]): void {
    const route = (message: string, payload: unknown): void => {
      const handler = handlers.find((candidate) => candidate.message === message);
      if (!handler) {
        this.context.logger.error({ sid: socket.sid, message }, 'no gateway handler for this message');
        return;
      }
      this.settle(socket, message, handler.callback(payload));
    };
    socket.raw.on('message', (data: RawData, isBinary: boolean) => {
      const size = rawSize(data);
      if (isBinary) return route(INVALID_FRAME, { error: 'binary frame', size } satisfies InvalidFrame);
      const decoded = decodeClientCommand(rawText(data));
      if (decoded.ok) route(decoded.command.command, decoded.command);
      else route(INVALID_FRAME, { error: decoded.error, size } satisfies InvalidFrame);
    });
  }

  close(server: CableServer): void {
    server.close();
  }

  /** Nothing beyond the server to release. */
  async dispose(): Promise<void> {}

  private settle(socket: CableSocket, message: string, result: Observable<unknown> | Promise<unknown>): void {
    const fail = (error: unknown): void =>
      this.context.logger.error({ sid: socket.sid, message, err: (error as Error)?.message ?? String(error) }, 'gateway handler failed');
    if (isObservable(result)) result.subscribe({ error: fail });
    else Promise.resolve(result).catch(fail);
  }
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
