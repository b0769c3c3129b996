import { request as httpRequest, Agent } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { loadRpcDefinition, RPC_PACKAGE, RPC_SERVICE, type ConnectionRequest } from '#libs/protocol';
import { GrpcTransport } from '../../../apps/gateway/src/rpc/grpc.transport.js';
import { HttpTransport } from '../../../apps/gateway/src/rpc/http.transport.js';
import type { RpcConfig } from '../../../apps/gateway/src/config/gateway-config.js';
import { loadConfig } from '../../../apps/gateway/src/config/load-config.js';

/** The ways of making a Connect call that the bench compares. */
export const CLIENT_KINDS = ['grpc-js', 'http-undici', 'http-node', 'http2-raw'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_TITLES: Record<ClientKind, string> = {
  'grpc-js': "the gateway's gRPC transport (grpc-js, rpc/grpc.transport.ts)",
  'http-undici': "the gateway's HTTP RPC transport (undici dispatch, rpc/http.transport.ts)",
  'http-node': 'the same HTTP call with node:http request + keep-alive agent (the transport before undici)',
  'http2-raw': 'the same gRPC call framed by hand on node:http2 (no library: what HTTP/2 itself costs in Node)',
};

/** One Connect call, settled when its answer is decoded. */
export type ConnectCall = (sid: string) => Promise<unknown>;

/** A Connect request as the gateway builds one for a browser. */
export const REQUEST: ConnectionRequest = {
  env: {
    url: 'http://localhost:8080/cable',
    headers: { cookie: '_session_id=0123456789abcdef', 'x-forwarded-for': '10.0.0.7', origin: 'http://localhost:3000' },
    cstate: {},
    istate: {},
  },
};

const DEADLINE_MS = 3000;

export function makeClient(kind: ClientKind, ports: { grpc: number; http: number }, concurrency: number): { call: ConnectCall; close(): void } {
  // The gateway's own defaults (rpc_request_timeout, sizes, TLS off), as its config loader builds them.
  const host = kind === 'grpc-js' ? `127.0.0.1:${ports.grpc}` : `http://127.0.0.1:${ports.http}/_anycable`;
  const config = rpcConfigOf([`--rpc_host=${host}`, `--rpc_concurrency=${concurrency}`, '--http_rpc_secret=bench']);
  switch (kind) {
    case 'grpc-js': {
      // The definition the gateway itself loads (gateway.module.ts), so its (de)serializers are the ones measured.
      const transport = new GrpcTransport(config, loadRpcDefinition());
      return { call: (sid) => transport.invoke('Connect', sid, REQUEST, Date.now() + DEADLINE_MS), close: () => transport.close() };
    }
    case 'http-undici': {
      const transport = new HttpTransport(config);
      return { call: (sid) => transport.invoke('Connect', sid, REQUEST, Date.now() + DEADLINE_MS), close: () => transport.close() };
    }
    case 'http-node':
      return nodeHttpClient(ports.http, concurrency);
    case 'http2-raw':
      return rawHttp2Client(ports.grpc);
  }
}

function rpcConfigOf(argv: string[]): RpcConfig {
  const loaded = loadConfig(argv, {});
  if (loaded.kind !== 'run') throw new Error('bug: the RPC client options asked for help');
  return loaded.config.rpc;
}

function nodeHttpClient(port: number, concurrency: number): { call: ConnectCall; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const call: ConnectCall = (sid) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(REQUEST);
      const request = httpRequest({
        agent,
        hostname: '127.0.0.1',
        port,
        path: '/_anycable/connect',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer bench', 'x-anycable-meta-sid': sid, 'x-anycable-meta-protov': 'v1' },
      });
      const timer = setTimeout(() => request.destroy(new Error('deadline')), DEADLINE_MS);
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        });
      });
      request.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** gRPC framing by hand (5-byte prefix, trailers): no retries, no balancing, no reconnects — a floor, not a client. */
function rawHttp2Client(port: number): { call: ConnectCall; close(): void } {
  const method = (loadRpcDefinition()[`${RPC_PACKAGE}.${RPC_SERVICE}`] as ServiceDefinition).Connect;
  const session = http2Connect(`http://127.0.0.1:${port}`);
  session.on('error', (error: Error) => process.stderr.write(`http2 session: ${error.message}\n`));
  const call: ConnectCall = (sid) =>
    new Promise((resolve, reject) => {
      const message = method.requestSerialize(REQUEST);
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      const stream = session.request({
        ':method': 'POST',
        ':path': `/${RPC_PACKAGE}.${RPC_SERVICE}/Connect`,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${DEADLINE_MS}m`,
        protov: 'v1',
        sid,
      });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('trailers', (trailers) => {
        if (trailers['grpc-status'] !== '0') reject(new Error(`grpc-status ${String(trailers['grpc-status'])}`));
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(method.responseDeserialize(Buffer.concat(chunks).subarray(5))));
      stream.end(frame);
    });
  return { call, close: () => session.close() };
}
