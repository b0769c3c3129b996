import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BroadcastSink } from '../broadcast/broadcast-intake.js';
import type { HttpBroadcastConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';

/**
 * `POST http_broadcast_path`: the HTTP side of the `http` intake. Answers
 * - 201 once the body was decoded and delivered (a publication, a remote command, or a batch);
 * - 401 when a key is configured and `Authorization: Bearer <key>` does not carry it;
 * - 422 for any method but POST, and for a body that does not decode (the reason in the body) —
 *   anycable-go answers 201 to a bad body and drops it: saying so lets the publisher see its bug;
 * - 413 for a body over `http_broadcast_max_body_size` (read no further);
 * - 503 while the intake is not started or is stopping (the publisher retries).
 */
export class BroadcastEndpoint {
  private readonly expectedAuthorization: Buffer | null;

  constructor(
    private readonly config: HttpBroadcastConfig,
    private readonly logger: GatewayLogger,
  ) {
    this.expectedAuthorization = config.key ? Buffer.from(`Bearer ${config.key}`) : null;
  }

  /** Handles one request; `sink` is null when the intake does not accept publications now. */
  handle(request: IncomingMessage, response: ServerResponse, sink: BroadcastSink | null): void {
    if (request.method !== 'POST') return this.refuse(request, response, 422, `method ${request.method} not allowed: POST a publication`);
    if (!this.authorized(request.headers.authorization)) return this.refuse(request, response, 401, 'bad or missing broadcast key');
    if (!sink) return this.refuse(request, response, 503, 'broadcast intake not running', { 'retry-after': '1' });
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.config.maxBodyBytes) return this.tooLarge(request, response);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.config.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        this.tooLarge(request, response);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const result = sink.deliverPayload(Buffer.concat(chunks, size).toString('utf8'), 'http');
      if (result.ok) this.answer(response, 201, '');
      else this.answer(response, 422, `publication refused: ${result.error}`);
    });
    request.on('error', (error: Error) => this.logger.debug({ intake: 'http', err: error.message }, 'broadcast request aborted'));
  }

  private authorized(header: string | undefined): boolean {
    const expected = this.expectedAuthorization;
    if (!expected) return true;
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private tooLarge(request: IncomingMessage, response: ServerResponse): void {
    this.refuse(request, response, 413, `body over http_broadcast_max_body_size (${this.config.maxBodyBytes} bytes)`);
  }

  /** Answers at once; what the client still sends is discarded and the connection closed after it. */
  private refuse(request: IncomingMessage, response: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
    this.logger.debug({ intake: 'http', status, reason, remote: request.socket.remoteAddress }, 'broadcast request refused');
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.setHeader('connection', 'close');
    this.answer(response, status, reason);
    request.resume();
  }

  private answer(response: ServerResponse, status: number, body: string): void {
    if (response.headersSent) return;
    response.statusCode = status;
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.end(body);
  }
}
