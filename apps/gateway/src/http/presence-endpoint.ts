import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServer } from '@nestjs/common';
import type { GatewayLogger } from '../log/logger.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';

/**
 * `GET http_presence_path/<stream>` (beyond anycable-go, whose docs list a presence REST API as
 * not implemented yet): the stream's presence set as the `presence` command gives it,
 * `{"type":"info","total":N,"records":[{"id":..,"info":..}]}`, for server code (libs'
 * PresenceService). Guarded like the broadcast endpoint, by the same key. Answers
 * - 200 with the set;
 * - 401 when a key is configured and `Authorization: Bearer <key>` does not carry it;
 * - 400 for no stream name or a malformed percent-encoding; 405 for another method than GET;
 * - 404 when nobody is in the stream's set (an unknown stream, or everyone left);
 * - 501 without a broker (broker=none keeps no presence); 503 when the broker did not answer.
 */
export class PresenceEndpoint {
  private readonly expectedAuthorization: Buffer | null;

  constructor(
    private readonly path: string,
    key: string,
    private readonly presence: Pick<PresenceTracker, 'info' | 'enabled'>,
    private readonly logger: GatewayLogger,
  ) {
    this.expectedAuthorization = key ? Buffer.from(`Bearer ${key}`) : null;
  }

  /** Routes `<path>/*` on the main server (call before it listens). */
  mount(http: HttpServer): void {
    http.use(this.path, (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response));
    if (!this.expectedAuthorization) this.logger.warn({ path: this.path }, 'presence endpoint open to anyone (no broadcast key: set broadcast_key or secret)');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET') return this.answer(response, 405, { error: `method ${request.method} not allowed: GET ${this.path}/<stream>` });
    if (!this.authorized(request.headers.authorization)) return this.answer(response, 401, { error: 'bad or missing broadcast key' });
    // Mounted with `use`: the URL here is what follows the path, `/<stream>?...`.
    const raw = (request.url ?? '').split('?')[0]!.replace(/^\//, '');
    let stream: string;
    try {
      stream = decodeURIComponent(raw);
    } catch {
      return this.answer(response, 400, { error: 'the stream name is not valid percent-encoding' });
    }
    if (stream === '') return this.answer(response, 400, { error: `no stream: GET ${this.path}/<stream> (percent-encoded)` });
    if (!this.presence.enabled) return this.answer(response, 501, { error: 'presence needs a broker (broker=memory, nats or redis)' });
    const info = await this.presence.info(stream);
    if (!info) return this.answer(response, 503, { error: 'the broker did not answer: try again' });
    if (info.total === 0) return this.answer(response, 404, { error: `nobody is present in stream ${JSON.stringify(stream)}`, ...info });
    this.answer(response, 200, info);
  }

  private authorized(header: string | undefined): boolean {
    const expected = this.expectedAuthorization;
    if (!expected) return true;
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private answer(response: ServerResponse, status: number, body: object): void {
    if (response.headersSent) return;
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(body));
  }
}
