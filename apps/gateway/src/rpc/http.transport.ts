import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { HTTP_RPC_META_PREFIX, PROTOV_METADATA_KEY, PROTOV_VERSION, SID_METADATA_KEY } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import { decodeHttpRpcAnswer } from './http-rpc-json.js';
import { RpcTransportError, type RpcMethod, type RpcTransport } from './rpc-transport.js';

/** Largest answer read when rpc_max_call_recv_size is 0 (grpc-js's default receive limit). */
const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * anycable-go's RPC over HTTP (`rpc_impl=http`, or an `http(s)://` rpc_host; anycable-go 1.6
 * rpc/http.go): `POST <rpc_host>/connect|command|disconnect` with the request message as JSON,
 * `Authorization: Bearer <http_rpc_secret>` when there is a secret, and the call metadata as
 * `x-anycable-meta-sid` / `x-anycable-meta-protov` headers; the answer is the response message as
 * JSON with status 200. Failures map to gRPC codes as anycable-go maps them: no connection →
 * UNAVAILABLE (retried), 401 → UNAUTHENTICATED, 400/422 → INVALID_ARGUMENT, another status →
 * UNKNOWN, past the deadline → DEADLINE_EXCEEDED. Keep-alive connections, at most rpc_concurrency.
 */
export class HttpTransport implements RpcTransport {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly base: URL;
  private readonly basePath: string;
  private readonly authorization: string | null;
  private readonly maxAnswerBytes: number;

  constructor(config: RpcConfig) {
    this.base = new URL(config.host);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.authorization = config.httpSecret ? `Bearer ${config.httpSecret}` : null;
    this.maxAnswerBytes = config.maxRecvSize > 0 ? config.maxRecvSize : DEFAULT_MAX_ANSWER_BYTES;
    const agentOptions = { keepAlive: true, maxSockets: config.concurrency };
    if (this.base.protocol === 'https:') {
      const ca = config.tlsRootCa ? (config.tlsRootCa.includes('-----BEGIN') ? config.tlsRootCa : readFileSync(config.tlsRootCa, 'utf8')) : undefined;
      // rpc_tls_verify=false skips the host name check (the chain is still checked against the CA), as for gRPC.
      this.agent = new https.Agent({ ...agentOptions, ca, ...(config.tlsVerify ? {} : { checkServerIdentity: () => undefined }) });
      this.request = https.request;
    } else {
      this.agent = new http.Agent(agentOptions);
      this.request = http.request;
    }
  }

  invoke(method: RpcMethod, sid: string, message: unknown, deadline: number): Promise<unknown> {
    const body = JSON.stringify(message);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [HTTP_RPC_META_PREFIX + SID_METADATA_KEY]: sid,
      [HTTP_RPC_META_PREFIX + PROTOV_METADATA_KEY]: PROTOV_VERSION,
    };
    if (this.authorization) headers.authorization = this.authorization;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (code: number, details: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new RpcTransportError(code, details));
      };
      const request = this.request({
        agent: this.agent,
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port,
        path: `${this.basePath}/${method.toLowerCase()}`,
        method: 'POST',
        headers,
      });
      const timer = setTimeout(() => {
        fail(GrpcStatus.DEADLINE_EXCEEDED, `${method} over HTTP: no answer before the deadline`);
        request.destroy();
      }, Math.max(0, deadline - Date.now()));
      request.on('error', (error: Error) => fail(GrpcStatus.UNAVAILABLE, `${method} over HTTP: ${error.message}`));
      request.on('response', (response: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxAnswerBytes) {
            fail(GrpcStatus.UNKNOWN, `${method} over HTTP: answer larger than ${this.maxAnswerBytes} bytes`);
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error: Error) => fail(GrpcStatus.UNAVAILABLE, `${method} over HTTP: ${error.message}`));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status === 401) return fail(GrpcStatus.UNAUTHENTICATED, `${method} over HTTP: 401 (http_rpc_secret refused)`);
          if (status === 400 || status === 422) return fail(GrpcStatus.INVALID_ARGUMENT, `${method} over HTTP: ${status} ${text.slice(0, 200)}`);
          if (status !== 200) return fail(GrpcStatus.UNKNOWN, `${method} over HTTP: ${status} ${text.slice(0, 200)}`);
          let answer: unknown;
          try {
            answer = decodeHttpRpcAnswer(method, text);
          } catch (error) {
            return fail(GrpcStatus.UNKNOWN, `${method} over HTTP: unreadable answer: ${(error as Error).message}`);
          }
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(answer);
        });
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
