import { Controller } from '@nestjs/common';
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
import { CallLimiter } from './call-limiter.js';
import { readCallMetadata } from './grpc-call-metadata.js';

/**
 * Serves `anycable.RPC` (Connect / Command / Disconnect) over Nest's gRPC transport. The only
 * gRPC-level error it produces is RESOURCE_EXHAUSTED when the call bound is reached, which
 * anycable-go retries with backoff; everything else is a response with a status.
 */
@Controller()
export class CableRpcController {
  constructor(
    private readonly server: CableServer,
    private readonly limiter: CallLimiter,
  ) {}

  @GrpcMethod(RPC_SERVICE, 'Connect')
  connect(request: ConnectionRequest, metadata: Metadata): Promise<ConnectionResponse> {
    return this.limiter.run(() => this.server.connect(request, readCallMetadata(metadata)), () => this.exhausted());
  }

  @GrpcMethod(RPC_SERVICE, 'Command')
  command(request: CommandMessage, metadata: Metadata): Promise<CommandResponse> {
    return this.limiter.run(() => this.server.command(request, readCallMetadata(metadata)), () => this.exhausted());
  }

  @GrpcMethod(RPC_SERVICE, 'Disconnect')
  disconnect(request: DisconnectRequest, metadata: Metadata): Promise<DisconnectResponse> {
    return this.limiter.run(() => this.server.disconnect(request, readCallMetadata(metadata)), () => this.exhausted());
  }

  private exhausted(): never {
    throw new RpcException({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      message: `more than ${this.limiter.maxConcurrentCalls} RPC calls in flight; retry later`,
    });
  }
}
