import { Controller, Logger, type OnModuleDestroy } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';
import {
  RPC_SERVICE,
  type CommandMessage,
  type CommandResponse,
  type ConnectionRequest,
  type ConnectionResponse,
  type DisconnectRequest,
  type DisconnectResponse,
} from '#libs/protocol';
import { CableServer } from '../runtime/cable.server.js';
import { CallLimiter, type CallRefusal } from './call-limiter.js';
import { readCallMetadata } from './grpc-call-metadata.js';

/** How long a shutdown waits for the calls in flight before closing what they use anyway. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Serves `anycable.RPC` (Connect / Command / Disconnect) over Nest's gRPC transport. The only
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

  @GrpcMethod(RPC_SERVICE, 'Connect')
  connect(request: ConnectionRequest, metadata: Metadata): Promise<ConnectionResponse> {
    return this.limiter.run(() => this.server.connect(request, readCallMetadata(metadata)), (why) => this.refuse(why));
  }

  @GrpcMethod(RPC_SERVICE, 'Command')
  command(request: CommandMessage, metadata: Metadata): Promise<CommandResponse> {
    return this.limiter.run(() => this.server.command(request, readCallMetadata(metadata)), (why) => this.refuse(why));
  }

  @GrpcMethod(RPC_SERVICE, 'Disconnect')
  disconnect(request: DisconnectRequest, metadata: Metadata): Promise<DisconnectResponse> {
    return this.limiter.run(() => this.server.disconnect(request, readCallMetadata(metadata)), (why) => this.refuse(why));
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

  private refuse(why: CallRefusal): never {
    if (why === 'draining') {
      throw new RpcException({ code: GrpcStatus.UNAVAILABLE, message: 'the RPC app is shutting down; retry later' });
    }
    throw new RpcException({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      message: `more than ${this.limiter.maxConcurrentCalls} RPC calls in flight; retry later`,
    });
  }
}
