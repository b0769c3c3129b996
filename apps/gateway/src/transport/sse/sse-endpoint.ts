import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServer } from '@nestjs/common';
import { CloseCode } from '../../protocol/protocol.types.js';
import type { SessionService } from '../../session/session.service.js';
import type { ConnectionBudget } from '../connection-budget.js';
import { handshakeOf } from '../handshake.js';
import { compileOriginPatterns } from '../origin-check.js';
import type { TransportContext } from '../transport-socket.js';
import { writeCorsHeaders } from './sse-cors.js';
import { sseEncoderFor } from './sse-frame-encoder.js';
import { subscriptionFromQuery, subscriptionsFromBody, wantsRawData, type SseSubscriptions } from './sse-request.js';
import { SseSocket } from './sse-socket.js';

export interface SseEndpointOptions {
  /** `sse_path` (`/events`). */
  readonly path: string;
  /** `allowed_origins`: which origins get CORS headers (none: every origin, `*`). */
  readonly allowedOrigins: readonly string[];
  /** max_conn, shared with the WebSocket endpoint. */
  readonly budget: ConnectionBudget;
  /** Served over TLS: the URL given to RPC starts with https. */
  readonly secure: boolean;
  /** Sent as X-AnyCable-Version, like anycable-go. */
  readonly version: string;
}

/** What the endpoint needs of the sessions: open one, and tell it its response is gone. */
export type OneWaySessions = Pick<SessionService, 'openOneWay' | 'closed'>;

/** anycable-go reads at most 64 kB of a POST request's commands. */
const MAX_BODY_BYTES = 65_536;

/**
 * Server-Sent Events at `sse_path` (anycable-go 1.6.0's sse/handler.go): an EventSource (GET) or a
 * streaming POST gets a session like a WebSocket's, through the same SessionService and hub.
 * The request is answered only once the session is authenticated and its subscription confirmed:
 * 200 and the events so far; 401 with an empty body when authentication fails; 400 when the
 * request names no subscription, the subscription is rejected, or RPC fails.
 */
export class SseEndpoint {
  private readonly sockets = new Set<SseSocket>();
  private readonly origins: RegExp[];
  private accepting = true;

  constructor(
    private readonly options: SseEndpointOptions,
    private readonly context: TransportContext,
    private readonly sessions: OneWaySessions,
  ) {
    this.origins = compileOriginPatterns(options.allowedOrigins);
    options.budget.register(() => this.sockets.size);
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Routes `sse_path` on the application's HTTP adapter (before it listens). */
  mount(http: HttpServer): void {
    http.all(this.options.path, (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: Error) => {
        this.context.logger.error({ err: error.stack ?? error.message, transport: 'sse' }, 'SSE request failed unexpectedly');
        if (!response.headersSent) response.writeHead(500, { 'content-length': '0' });
        response.end();
      });
    });
  }

  /** New requests get 503 from now on (graceful shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Drops whatever is still open (end of shutdown). */
  close(): void {
    this.accepting = false;
    for (const socket of this.sockets) socket.terminate();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { logger, stats } = this.context;
    writeCorsHeaders(response, request.headers.origin, this.origins);
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') return answer(response, 200);
    if (method !== 'GET' && method !== 'POST') return answer(response, 405);
    this.writeStreamHeaders(response, request.httpVersionMajor);
    const refuse = (status: number, why: string): void => {
      stats.connectionsRejected++;
      logger.info({ url: request.url, status, remoteAddress: request.socket.remoteAddress, transport: 'sse' }, `SSE request refused: ${why}`);
      answer(response, status);
    };
    if (!this.accepting) return refuse(503, 'shutting down');
    if (this.options.budget.isFull) return refuse(503, `max_conn (${this.options.budget.max}) reached`);

    const handshake = handshakeOf(request, this.options.secure);
    const query = new URL(handshake.url).searchParams;
    const subscriptions = method === 'GET' ? subscriptionFromQuery(query, headerOf(request, 'last-event-id')) : await this.subscriptionsOfBody(request);
    if (!subscriptions.ok) return refuse(400, subscriptions.error);

    // Node answers an HTTP/1.1 request of unknown length in chunked transfer encoding, HTTP/1.0 without.
    const chunked = request.httpVersionMajor === 1 && request.httpVersionMinor >= 1;
    const socket = new SseSocket(randomUUID(), sseEncoderFor(method, wantsRawData(query), chunked), response, chunked, handshake, this.context);
    this.sockets.add(socket);
    stats.connectionsTotal++;
    response.once('close', () => {
      this.sockets.delete(socket);
      this.sessions.closed(socket);
    });
    const outcome = await this.sessions.openOneWay(socket, subscriptions.commands);
    if (outcome === 'subscribed') {
      socket.establish();
      logger.debug({ sid: socket.sid, transport: 'sse' }, 'SSE session established');
      return;
    }
    // anycable-go: 401 when authentication fails; 400 when RPC itself failed or a subscription was not confirmed.
    const status = outcome === 'not_connected' && socket.closedBeforeEstablished !== CloseCode.SERVER_ERROR ? 401 : 400;
    logger.info({ sid: socket.sid, status, transport: 'sse' }, outcome === 'not_connected' ? 'SSE session not authenticated' : 'SSE subscription not confirmed');
    socket.refuse(status);
  }

  private writeStreamHeaders(response: ServerResponse, httpVersionMajor: number): void {
    response.setHeader('X-AnyCable-Version', this.options.version);
    // HTTP/2 forbids connection-specific headers (RFC 7540).
    if (httpVersionMajor === 1) response.setHeader('Connection', 'keep-alive');
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // Tells nginx not to buffer the stream.
    response.setHeader('X-Accel-Buffering', 'no');
    response.setHeader('Cache-Control', 'private, no-cache, no-store, must-revalidate, max-age=0');
    response.setHeader('Pragma', 'no-cache');
    response.setHeader('Expire', '0');
  }

  private async subscriptionsOfBody(request: IncomingMessage): Promise<SseSubscriptions> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return { ok: false, error: `request body over ${MAX_BODY_BYTES} bytes` };
      chunks.push(chunk);
    }
    return subscriptionsFromBody(Buffer.concat(chunks).toString('utf8'));
  }
}

function answer(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-length': '0' });
  response.end();
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
