import { Controller, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { status as GrpcStatus, type handleUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CommandMessage, ConnectionRequest, DisconnectRequest } from '#libs/protocol';
import type { CallMetadata } from '../runtime/call-metadata.js';
import { CableServer } from '../runtime/cable.server.js';
import { CallLimiter, type CallRefusal } from './call-limiter.js';
import { readCallMetadata } from './grpc-call-metadata.js';

/** How long a shutdown waits for the calls in flight before closing what they use anyway. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The one message CableGrpcServer sends through Nest, when it starts: the answer is the service implementation. */
export const CABLE_GRPC_SERVICE_PATTERN = 'cable.grpc.anycable.RPC';

/**
 * Serves `anycable.RPC` (Connect / Command / Disconnect) for {@link CableGrpcServer}. The only
 * gRPC-level errors it produces are RESOURCE_EXHAUSTED when the call bound is reached and
 * UNAVAILABLE once the app is shutting down, both of which the gateway (as anycable-go) retries
 * with backoff; everything else is a response with a status.
 */
@Controller()
export class CableRpcController implements OnModuleDestroy {
  private readonly logger = new Logger('Cable');

  constructor(
    private readonly server: CableServer,
    private readonly limiter: CallLimiter,
  ) {}

  /** The grpc-js implementation of the service, bound to this app's CableServer. */
  @MessagePattern(CABLE_GRPC_SERVICE_PATTERN, Transport.GRPC)
  service(): UntypedServiceImplementation {
    return {
      Connect: this.unary((request: ConnectionRequest, metadata) => this.server.connect(request, metadata)),
      Command: this.unary((request: CommandMessage, metadata) => this.server.command(request, metadata)),
      Disconnect: this.unary((request: DisconnectRequest, metadata) => this.server.disconnect(request, metadata)),
    };
  }

  /**
   * Shutdown (SIGTERM): Nest destroys this module before the global BroadcastModule, and closes the
   * gRPC server only after every module. Refusing calls here (UNAVAILABLE: the gateway retries them,
   * reaching the restarted app) and letting the calls in flight finish means no call runs while the
   * broadcaster is closing: without it, a `speak` arriving then failed with ERROR, which the gateway
   * cannot retry, and its client got nothing.
   */
  async onModuleDestroy(): Promise<void> {
    const inFlight = this.limiter.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.limiter.drain().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (finished) this.logger.log(`shutting down: new RPC calls refused (UNAVAILABLE), ${inFlight} in flight finished`);
    else this.logger.warn(`shutting down with ${this.limiter.inFlight} RPC calls still running after ${DRAIN_TIMEOUT_MS} ms`);
  }

  /** One unary method: the call under the bound of calls in flight, its answer or its refusal as a gRPC status. */
  private unary<Req, Res>(serve: (request: Req, metadata: CallMetadata) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      this.limiter
        .run(() => serve(call.request, readCallMetadata(call.metadata)), (why) => this.refuse(why))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(error instanceof GrpcRefusal ? error : this.internalError(error)),
        );
    };
  }

  private refuse(why: CallRefusal): never {
    if (why === 'draining') throw new GrpcRefusal(GrpcStatus.UNAVAILABLE, 'the RPC app is shutting down; retry later');
    throw new GrpcRefusal(GrpcStatus.RESOURCE_EXHAUSTED, `more than ${this.limiter.maxConcurrentCalls} RPC calls in flight; retry later`);
  }

  /** CableServer answers every failure with a response; an error reaching here is a bug, answered as Nest's filter did. */
  private internalError(error: unknown): GrpcRefusal {
    const cause = error instanceof Error ? error : new Error(String(error));
    this.logger.error(`RPC call failed: ${cause.message}`, cause.stack);
    return new GrpcRefusal(GrpcStatus.UNKNOWN, 'Internal server error');
  }
}

/** A call answered with a gRPC status instead of a response; grpc-js sends `code` and the message as details. */
class GrpcRefusal extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
  }
}
