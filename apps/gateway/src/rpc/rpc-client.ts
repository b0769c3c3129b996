import { setTimeout as sleep } from 'node:timers/promises';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import {
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
import { retryDelayMs } from './retry-policy.js';
import { RpcCallError } from './rpc-call.error.js';
import type { RpcMethod, RpcTransport } from './rpc-transport.js';

/** The three calls of the AnyCable RPC contract, as the session and the disconnect queue use them. */
export interface CableRpc {
  connect(sid: string, request: ConnectionRequest): Promise<ConnectionResponse>;
  /** `notAfter` (epoch ms): the client's own deadline, from when its command arrived; the call never outlives it. */
  command(sid: string, request: CommandMessage, notAfter?: number): Promise<CommandResponse>;
  disconnect(sid: string, request: DisconnectRequest): Promise<DisconnectResponse>;
}

/** What a failed attempt carries, whichever the transport (grpc-js ServiceError or RpcTransportError). */
interface AttemptFailure {
  code?: unknown;
  details?: string;
  message: string;
}

/**
 * Client of any AnyCable RPC server (protocol v1), over gRPC (proto/anycable/rpc.proto) or
 * anycable-go's JSON over HTTP (`rpc_impl`, see http.transport.ts). Every call carries `protov: v1`
 * and `sid`, waits for one of `rpc_concurrency` slots, and is retried on RESOURCE_EXHAUSTED /
 * UNAVAILABLE with backoff until its deadline (`rpc_request_timeout`), whatever the transport. Attempts
 * fail fast while the RPC app is down (no waitForReady), like anycable-go's: a call that only ever got
 * UNAVAILABLE is known not to have run, which the session tells its client.
 * An answer with status ERROR is an answer: only calls with no answer reject ({@link RpcCallError}).
 */
export class RpcClient implements CableRpc {
  readonly gate: ConcurrencyGate;
  /** The contract's own encoding of a Disconnect call, for the disconnect queue's overflow. */
  readonly disconnectCodec: DisconnectCodec;
  private readonly transport: RpcTransport;
  /** Since when attempts get UNAVAILABLE (null: the RPC app answers): logged once per outage, not per call. */
  private unavailableSince: number | null = null;
  private failedDuringOutage = 0;

  constructor(
    private readonly config: RpcConfig,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    /** The contract (loadRpcDefinition) and the transport `rpc_impl` selects (createRpcTransport). */
    definition: PackageDefinition,
    transport: RpcTransport,
  ) {
    this.gate = new ConcurrencyGate(config.concurrency, config.queueSize);
    this.disconnectCodec = disconnectCodecOf(definition);
    this.transport = transport;
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
    this.transport.close();
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
      let failure: AttemptFailure;
      try {
        const response = (await this.transport.invoke(method, sid, request, deadline)) as T;
        if (this.unavailableSince !== null) this.outageEnded();
        return response;
      } catch (error) {
        failure = error as AttemptFailure;
      } finally {
        this.gate.release();
      }
      const code = typeof failure.code === 'number' ? failure.code : null;
      if (code === GrpcStatus.UNAVAILABLE && this.unavailableSince === null) this.outageStarted(failure);
      const delay = retryDelayMs(code, attempt, deadline - Date.now());
      if (delay === null) {
        this.stats.rpcErrors++;
        if (this.unavailableSince !== null) this.failedDuringOutage++;
        const kind = code === GrpcStatus.DEADLINE_EXCEEDED ? 'deadline' : 'grpc';
        const refusedUnrun = code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.RESOURCE_EXHAUSTED;
        throw new RpcCallError(kind, `${method} failed after ${attempt + 1} attempt(s): ${failure.details || failure.message}`, code, !refusedUnrun);
      }
      this.stats.rpcRetries++;
      this.logger.debug({ sid, method, code: GrpcStatus[code ?? 0], delayMs: delay, attempt }, 'RPC call retried');
      await sleep(delay);
    }
  }

  /**
   * One line per outage, not one per call: at 10,000 sessions a line per refused command means
   * thousands of synchronous stdout writes per second, on which the gateway can stall.
   */
  private outageStarted(failure: AttemptFailure): void {
    this.unavailableSince = Date.now();
    this.failedDuringOutage = 0;
    this.logger.warn(
      { rpc: this.config.host, err: failure.details || failure.message, timeoutMs: this.config.requestTimeoutMs },
      'RPC server unavailable: calls are retried until rpc_request_timeout, then refused',
    );
  }

  private outageEnded(): void {
    const downMs = Date.now() - (this.unavailableSince ?? Date.now());
    this.logger.info({ rpc: this.config.host, downMs, callsFailed: this.failedDuringOutage }, 'RPC server answers again');
    this.unavailableSince = null;
  }
}
