import { Server as GrpcServer, ServerCredentials, type ChannelOptions, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { Server, Transport, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { loadRpcDefinition, RPC_PACKAGE, RPC_SERVICE } from '#libs/protocol';
import { CABLE_GRPC_SERVICE_PATTERN } from './cable-rpc.controller.js';

/** Options of {@link CableGrpcServer}. */
export interface CableGrpcServerOptions {
  /** Address to listen on, e.g. `127.0.0.1:50051`, `0.0.0.0:50051` or `[::]:50051`. */
  url: string;
  /** @grpc/grpc-js server options. */
  channelOptions: ChannelOptions;
}

/**
 * A Nest microservice transport serving `anycable.RPC` with @grpc/grpc-js: started and closed by
 * Nest (`connectMicroservice` / `createMicroservice`), shut down gracefully (calls in flight finish).
 *
 * The service implementation comes from CableRpcController, asked for once through Nest when the
 * server starts; the calls then go straight to it. Nest's gRPC transport ran each call through its
 * context creator, proxy and an observable per answer, about a tenth of the RPC app's CPU per Connect
 * or Command (a fifth with the bundle's per-closure names). Global interceptors and guards therefore
 * see the one start-up message, not the calls.
 */
export class CableGrpcServer extends Server implements CustomTransportStrategy {
  override transportId = Transport.GRPC;
  private grpcServer: GrpcServer | null = null;

  constructor(private readonly options: CableGrpcServerOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const implementation = await this.serviceImplementation();
      const server = new GrpcServer(this.options.channelOptions);
      // From the pre-generated descriptor: proto-loader's loadSync of rpc.proto was ~45 ms of the start.
      const definition = loadRpcDefinition()[`${RPC_PACKAGE}.${RPC_SERVICE}`];
      server.addService(definition as Parameters<GrpcServer['addService']>[0], implementation);
      await new Promise<number>((resolve, reject) =>
        server.bindAsync(this.options.url, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
      );
      this.grpcServer = server;
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Waits for the calls in flight, then closes (grpc-js tryShutdown). */
  async close(): Promise<void> {
    const server = this.grpcServer;
    this.grpcServer = null;
    if (!server) return;
    await new Promise<void>((resolve, reject) => server.tryShutdown((error) => (error ? reject(error) : resolve())));
  }

  on(): never {
    throw new Error('CableGrpcServer has no events');
  }

  unwrap<T>(): T {
    if (!this.grpcServer) throw new Error('CableGrpcServer is not listening');
    return this.grpcServer as T;
  }

  private async serviceImplementation(): Promise<UntypedServiceImplementation> {
    const handler = this.getHandlerByPattern(CABLE_GRPC_SERVICE_PATTERN);
    if (!handler) throw new Error('CableGrpcServer: no anycable.RPC implementation registered (import CableModule.forRoot() in the module)');
    const result: unknown = await handler(undefined);
    return (isObservable(result) ? await lastValueFrom(result) : result) as UntypedServiceImplementation;
  }
}
