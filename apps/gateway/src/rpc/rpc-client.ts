import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  PROTOV_METADATA_KEY,
  PROTOV_VERSION,
  RPC_LOADER_OPTIONS,
  RPC_PACKAGE,
  RPC_PROTO_PATH,
  RPC_SERVICE,
  SID_METADATA_KEY,
  type CommandMessage,
  type CommandResponse,
  type ConnectionRequest,
  type ConnectionResponse,
  type DisconnectRequest,
  type DisconnectResponse,
} from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { disconnectCodecOf, type DisconnectCodec } from './disconnect-codec.js';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from './retry-policy.js';
import { RpcCallError } from './rpc-call.error.js';

/** The three calls of the AnyCable RPC contract, as the session and the disconnect queue use them. */
export interface CableRpc {
  connect(sid: string, request: ConnectionRequest): Promise<ConnectionResponse>;
  /** `notAfter` (epoch ms): the client's own deadline, from when its command arrived; the call never outlives it. */
  command(sid: string, request: CommandMessage, notAfter?: number): Promise<CommandResponse>;
  disconnect(sid: string, request: DisconnectRequest): Promise<DisconnectResponse>;
}

type RpcMethod = 'Connect' | 'Command' | 'Disconnect';
type UnaryStub = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/**
 * gRPC client of any AnyCable RPC server (proto/anycable/rpc.proto, protocol v1). Every call
 * carries `protov: v1` and `sid`, waits for one of `rpc_concurrency` slots, and is retried on
 * RESOURCE_EXHAUSTED / UNAVAILABLE with backoff until its deadline (`rpc_request_timeout`). Attempts
 * fail fast while the RPC app is down (no waitForReady), like anycable-go's: a call that only ever got
 * UNAVAILABLE is known not to have run, which the session tells its client.
 * An answer with status ERROR is an answer: only calls with no answer reject ({@link RpcCallError}).
 */
export class RpcClient implements CableRpc {
  readonly gate: ConcurrencyGate;
  /** The contract's own encoding of a Disconnect call, for the disconnect queue's overflow. */
  readonly disconnectCodec: DisconnectCodec;
  private readonly client: grpc.Client;
  private readonly stubs: Record<RpcMethod, UnaryStub>;

  constructor(
    private readonly config: RpcConfig,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {
    this.gate = new ConcurrencyGate(config.concurrency, config.queueSize);
    const definition = protoLoader.loadSync(RPC_PROTO_PATH, RPC_LOADER_OPTIONS);
    this.disconnectCodec = disconnectCodecOf(definition);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as Record<string, Record<string, grpc.ServiceClientConstructor>>;
    const Service = loaded[RPC_PACKAGE][RPC_SERVICE];
    this.client = new Service(config.host, credentialsOf(config), channelOptionsOf(config));
    const client = this.client as unknown as Record<RpcMethod, UnaryStub>;
    this.stubs = { Connect: client.Connect.bind(client), Command: client.Command.bind(client), Disconnect: client.Disconnect.bind(client) };
  }

  connect(sid: string, request: ConnectionRequest): Promise<ConnectionResponse> {
    return this.call('Connect', sid, request);
  }

  command(sid: string, request: CommandMessage, notAfter?: number): Promise<CommandResponse> {
    return this.call('Command', sid, request, notAfter);
  }

  disconnect(sid: string, request: DisconnectRequest): Promise<DisconnectResponse> {
    return this.call('Disconnect', sid, request);
  }

  close(): void {
    this.client.close();
  }

  private async call<T>(method: RpcMethod, sid: string, request: unknown, notAfter = Number.POSITIVE_INFINITY): Promise<T> {
    this.stats.rpcCalls++;
    if (Date.now() >= notAfter) {
      this.stats.rpcErrors++;
      throw new RpcCallError('deadline', `${method} not sent: its deadline passed while it waited its turn`);
    }
    // The deadline starts with the first attempt, not while waiting for a slot: in a connect storm
    // calls queue (bounded by rpc_queue_size) instead of expiring unsent, which would make every
    // refused client reconnect and the storm worse. The wait itself is bounded: slots free up as
    // calls in flight finish, each within its own deadline. A client's command (notAfter) is
    // bounded by its own deadline from the start: its client is waiting for the answer.
    let deadline = notAfter;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.gate.acquire(deadline);
        if (attempt === 0) deadline = Math.min(notAfter, Date.now() + this.config.requestTimeoutMs);
      } catch (error) {
        this.stats.rpcErrors++;
        if (error instanceof RpcCallError && error.kind === 'queue_full') this.stats.rpcQueueRejections++;
        throw error;
      }
      let failure: grpc.ServiceError;
      try {
        return (await this.invoke(method, sid, request, deadline)) as T;
      } catch (error) {
        failure = error as grpc.ServiceError;
      } finally {
        this.gate.release();
      }
      const code = typeof failure.code === 'number' ? failure.code : null;
      const delay = retryDelayMs(code, attempt, deadline - Date.now());
      if (delay === null) {
        this.stats.rpcErrors++;
        const kind = code === grpc.status.DEADLINE_EXCEEDED ? 'deadline' : 'grpc';
        const refusedUnrun = code === grpc.status.UNAVAILABLE || code === grpc.status.RESOURCE_EXHAUSTED;
        throw new RpcCallError(kind, `${method} failed after ${attempt + 1} attempt(s): ${failure.details || failure.message}`, code, !refusedUnrun);
      }
      this.stats.rpcRetries++;
      this.logger.debug({ sid, method, code: grpc.status[code ?? 0], delayMs: delay, attempt }, 'RPC call retried');
      await sleep(delay);
    }
  }

  private invoke(method: RpcMethod, sid: string, request: unknown, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set(PROTOV_METADATA_KEY, PROTOV_VERSION);
      metadata.set(SID_METADATA_KEY, sid);
      this.stubs[method](request, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }
}

function credentialsOf(config: RpcConfig): grpc.ChannelCredentials {
  if (!config.enableTls) return grpc.credentials.createInsecure();
  const rootCa = config.tlsRootCa
    ? Buffer.from(config.tlsRootCa.includes('-----BEGIN') ? config.tlsRootCa : readFileSync(config.tlsRootCa, 'utf8'))
    : null;
  // rpc_tls_verify=false skips the host name check (the chain is still checked against the CA).
  return grpc.credentials.createSsl(rootCa, null, null, config.tlsVerify ? {} : { checkServerIdentity: () => undefined });
}

function channelOptionsOf(config: RpcConfig): grpc.ChannelOptions {
  return {
    // dns:///name:port resolves to every address; calls are spread over them.
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    // Retries are ours (retry-policy.ts), with anycable-go's backoff.
    'grpc.enable_retries': 0,
    // Reconnect quickly after an RPC restart: calls fail fast (UNAVAILABLE) while disconnected,
    // and the backoff caps how long a restarted server stays unseen.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': MAX_RETRY_DELAY_MS,
    ...(config.maxRecvSize > 0 ? { 'grpc.max_receive_message_length': config.maxRecvSize } : {}),
    ...(config.maxSendSize > 0 ? { 'grpc.max_send_message_length': config.maxSendSize } : {}),
  };
}
