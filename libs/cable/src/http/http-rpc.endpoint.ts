import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { HTTP_RPC_META_PREFIX, PROTOV_METADATA_KEY, SID_METADATA_KEY } from '#libs/protocol';
import type { CallLimiter, CallRefusal } from '../grpc/call-limiter.js';
import type { CallMetadata } from '../runtime/call-metadata.js';
import type { CableServer } from '../runtime/cable.server.js';
import { readHttpRpcBody } from './http-rpc-body.js';
import type { CableHttpRpcOptions } from './http-rpc-options.js';
import { decodeHttpRpcRequest, type HttpRpcMethod } from './http-rpc-request.js';

const SID_HEADER = HTTP_RPC_META_PREFIX + SID_METADATA_KEY;
const PROTOV_HEADER = HTTP_RPC_META_PREFIX + PROTOV_METADATA_KEY;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Serves the AnyCable RPC contract as anycable-go's RPC over HTTP (`rpc_impl=http`): `POST
 * <path>/connect|command|disconnect` with the request message as JSON, the answer as JSON (200). The
 * calls go to the same {@link CableServer} as gRPC, under the same bound of calls in flight
 * ({@link CallLimiter}: past it, 503). A call without the secret gets 401, an unknown method 404, a
 * body that is not a JSON object 400; the error bodies are those Nest's exception filter wrote.
 *
 * It answers on the bare `http` request and response, ahead of the app's HTTP framework (see
 * HttpRpcMount): Express's router, body parser and Nest's per-request pipeline cost 0.6 ms of CPU per
 * call here, more than the call itself.
 */
export class HttpRpcEndpoint {
  private readonly logger = new Logger('Cable');
  private readonly prefix: string;
  private readonly expected: Buffer | null;

  constructor(
    options: CableHttpRpcOptions,
    private readonly server: CableServer,
    private readonly limiter: CallLimiter,
  ) {
    this.prefix = `${options.path}/`.toLowerCase();
    this.expected = options.secret ? Buffer.from(`Bearer ${options.secret}`) : null;
  }

  /**
   * Answers `request` when it is a POST to one segment under the mount path (as the route
   * `POST <path>/:method` matched it: mount path in any case, an optional trailing slash, a query
   * ignored) and returns true; returns false for anything else, left to the app.
   */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const method = request.method === 'POST' ? this.methodOf(request.url ?? '') : undefined;
    if (method === undefined) return false;
    void this.call(method, request, response).catch((error: unknown) => {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.logger.error(`HTTP RPC ${method} failed sid=${request.headers[SID_HEADER] ?? ''}: ${cause.message}`, cause.stack);
      if (!response.headersSent) answer(response, 500, { statusCode: 500, message: 'Internal server error' });
    });
    return true;
  }

  /** The `:method` segment when `url` is under the mount path, else undefined. */
  private methodOf(url: string): string | undefined {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path.length <= this.prefix.length || path.slice(0, this.prefix.length).toLowerCase() !== this.prefix) return undefined;
    const method = path.slice(this.prefix.length, path.endsWith('/') ? -1 : undefined);
    return method === '' || method.includes('/') ? undefined : method;
  }

  private async call(method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.authorized(request.headers.authorization)) {
      return answer(response, 401, { message: 'missing or wrong Authorization: Bearer <http_rpc_secret>', error: 'Unauthorized', statusCode: 401 });
    }
    if (method !== 'connect' && method !== 'command' && method !== 'disconnect') {
      const message = `unknown RPC method ${JSON.stringify(method)} (connect, command, disconnect)`;
      return answer(response, 404, { message, error: 'Not Found', statusCode: 404 });
    }
    const body = await readHttpRpcBody(request);
    if (!body.ok) return answer(response, body.status, body.error);
    const call = this.callOf(method, body.value, metadataOf(request.headers));
    if (!call) return answer(response, 400, { message: `${method}: the body must be a JSON object`, error: 'Bad Request', statusCode: 400 });
    let result: unknown;
    try {
      result = await this.limiter.run(call, (why) => {
        throw new CallRefused(why);
      });
    } catch (error) {
      if (!(error instanceof CallRefused)) throw error;
      // Past the bound, and while draining too: one message for both, as before.
      return answer(response, 503, { statusCode: 503, message: `more than ${this.limiter.maxConcurrentCalls} RPC calls in flight; retry later` });
    }
    answer(response, 200, result);
  }

  /** The call a body asks for, or null when the body is not a JSON object. */
  private callOf(method: HttpRpcMethod, body: unknown, metadata: CallMetadata): (() => Promise<unknown>) | null {
    switch (method) {
      case 'connect': {
        const request = decodeHttpRpcRequest('connect', body);
        return request && (() => this.server.connect(request, metadata));
      }
      case 'command': {
        const request = decodeHttpRpcRequest('command', body);
        return request && (() => this.server.command(request, metadata));
      }
      case 'disconnect': {
        const request = decodeHttpRpcRequest('disconnect', body);
        return request && (() => this.server.disconnect(request, metadata));
      }
    }
  }

  private authorized(authorization: string | undefined): boolean {
    if (!this.expected) return true;
    const given = Buffer.from(authorization ?? '');
    return given.length === this.expected.length && timingSafeEqual(given, this.expected);
  }
}

/** Thrown by the limiter's refusal callback, told apart from an error of the call. */
class CallRefused extends Error {
  constructor(readonly why: CallRefusal) {
    super(`RPC call refused: ${why}`);
  }
}

/** `x-anycable-meta-sid` and `x-anycable-meta-protov` (a comma list) as the handlers read gRPC metadata. */
function metadataOf(headers: IncomingHttpHeaders): CallMetadata {
  const sid = headers[SID_HEADER];
  const protov = headers[PROTOV_HEADER];
  return {
    sid: typeof sid === 'string' ? sid : '',
    protocolVersions: typeof protov === 'string' ? protov.split(',').map((part) => part.trim()).filter(Boolean) : [],
  };
}

/** One write: headers and the JSON body as one string (Node joins them), with its length. */
function answer(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
