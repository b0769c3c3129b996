import { readFileSync } from 'node:fs';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Pool, type Dispatcher } from 'undici';
import { HTTP_RPC_META_PREFIX, PROTOV_METADATA_KEY, PROTOV_VERSION, SID_METADATA_KEY } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import { decodeHttpRpcAnswer } from './http-rpc-json.js';
import { RpcTransportError, type RpcMethod, type RpcTransport } from './rpc-transport.js';

/** Largest answer read when rpc_max_call_recv_size is 0 (grpc-js's default receive limit). */
const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const SID_HEADER = HTTP_RPC_META_PREFIX + SID_METADATA_KEY;
const PROTOV_HEADER = HTTP_RPC_META_PREFIX + PROTOV_METADATA_KEY;

/**
 * anycable-go's RPC over HTTP (`rpc_impl=http`, or an `http(s)://` rpc_host; anycable-go 1.6
 * rpc/http.go): `POST <rpc_host>/connect|command|disconnect` with the request message as JSON,
 * `Authorization: Bearer <http_rpc_secret>` when there is a secret, and the call metadata as
 * `x-anycable-meta-sid` / `x-anycable-meta-protov` headers; the answer is the response message as
 * JSON with status 200. Failures map to gRPC codes as anycable-go maps them: no connection →
 * UNAVAILABLE (retried), 401 → UNAUTHENTICATED, 400/422 → INVALID_ARGUMENT, another status →
 * UNKNOWN, past the deadline → DEADLINE_EXCEEDED.
 *
 * The client is undici's keep-alive connection pool (at most rpc_concurrency connections, one
 * request at a time on each), driven through its dispatch API: in the RPC client cost bench
 * (`node dist/bench/src/rpc-client/rpc-client-cost-cli.js`, bench/results/rpc-client-cost.md) it
 * costs 42 µs of CPU per call against 66 µs for node:http's request/agent, and a connect +
 * subscribe makes two calls.
 */
export class HttpTransport implements RpcTransport {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly authorization: string | null;
  private readonly maxAnswerBytes: number;

  constructor(config: RpcConfig) {
    const base = new URL(config.host);
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.authorization = config.httpSecret ? `Bearer ${config.httpSecret}` : null;
    this.maxAnswerBytes = config.maxRecvSize > 0 ? config.maxRecvSize : DEFAULT_MAX_ANSWER_BYTES;
    this.pool = new Pool(base.origin, {
      connections: config.concurrency,
      pipelining: 1,
      // Deadlines are the exchange's own timer (the call's deadline, retries included): no
      // inactivity timeouts of undici's that would fire on a different clock.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: base.protocol === 'https:' ? tlsOptionsOf(config) : undefined,
    });
  }

  invoke(method: RpcMethod, sid: string, message: unknown, deadline: number): Promise<unknown> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [SID_HEADER]: sid,
      [PROTOV_HEADER]: PROTOV_VERSION,
    };
    if (this.authorization) headers.authorization = this.authorization;
    return new Promise((resolve, reject) => {
      const exchange = new HttpRpcExchange(method, this.maxAnswerBytes, resolve, reject, deadline);
      this.pool.dispatch(
        { path: `${this.basePath}/${method.toLowerCase()}`, method: 'POST', headers, body: JSON.stringify(message) },
        exchange,
      );
    });
  }

  close(): void {
    this.pool.destroy().then(undefined, (error: Error) => process.emitWarning(`closing the HTTP RPC connections: ${error.message}`));
  }
}

/** One call's request and answer, as undici's dispatch handler: reads the body, maps the outcome. */
class HttpRpcExchange implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private status = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | null = null;

  constructor(
    private readonly method: RpcMethod,
    private readonly maxAnswerBytes: number,
    private readonly resolve: (answer: unknown) => void,
    private readonly reject: (error: RpcTransportError) => void,
    deadline: number,
  ) {
    this.timer = setTimeout(this.expire, Math.max(0, deadline - Date.now()));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('the call is over'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxAnswerBytes) {
      this.fail(GrpcStatus.UNKNOWN, `answer larger than ${this.maxAnswerBytes} bytes`);
      controller.abort(new Error('answer too large'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    const status = this.status;
    if (status === 401) return this.fail(GrpcStatus.UNAUTHENTICATED, '401 (http_rpc_secret refused)');
    if (status === 400 || status === 422) return this.fail(GrpcStatus.INVALID_ARGUMENT, `${status} ${text.slice(0, 200)}`);
    if (status !== 200) return this.fail(GrpcStatus.UNKNOWN, `${status} ${text.slice(0, 200)}`);
    let answer: unknown;
    try {
      answer = decodeHttpRpcAnswer(this.method, text);
    } catch (error) {
      return this.fail(GrpcStatus.UNKNOWN, `unreadable answer: ${(error as Error).message}`);
    }
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(answer);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // No connection, a reset, or our own abort (then already settled): the server may not have run it.
    this.fail(GrpcStatus.UNAVAILABLE, error.message || (error as NodeJS.ErrnoException).code || 'connection failed');
  }

  private readonly expire = (): void => {
    this.fail(GrpcStatus.DEADLINE_EXCEEDED, 'no answer before the deadline');
    this.controller?.abort(new Error('deadline exceeded'));
  };

  private fail(code: number, details: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(new RpcTransportError(code, `${this.method} over HTTP: ${details}`));
  }
}

function tlsOptionsOf(config: RpcConfig): { ca?: string; checkServerIdentity?: () => undefined } {
  const ca = config.tlsRootCa ? (config.tlsRootCa.includes('-----BEGIN') ? config.tlsRootCa : readFileSync(config.tlsRootCa, 'utf8')) : undefined;
  // rpc_tls_verify=false skips the host name check (the chain is still checked against the CA), as for gRPC.
  return { ...(ca ? { ca } : {}), ...(config.tlsVerify ? {} : { checkServerIdentity: () => undefined }) };
}
