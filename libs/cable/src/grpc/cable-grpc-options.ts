import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { RPC_LOADER_OPTIONS, RPC_PACKAGE, RPC_PROTO_PATH } from '#libs/protocol';

/** Options of {@link cableGrpcOptions}. */
export interface CableGrpcOptions {
  /** Address to listen on, e.g. `127.0.0.1:50051`, `0.0.0.0:50051` or `[::]:50051`. */
  url: string;
  /** Extra @grpc/grpc-js server options (e.g. `grpc.max_concurrent_streams`). */
  channelOptions?: GrpcOptions['options']['channelOptions'];
}

/**
 * The microservice options that serve the AnyCable RPC contract (`proto/anycable/rpc.proto`, package
 * `anycable`) with the loader options every side of this repository shares, for
 * `NestFactory.createMicroservice(AppModule, cableGrpcOptions({ url }))`. Shutdown is graceful:
 * calls in flight finish before the server closes.
 */
export function cableGrpcOptions(options: CableGrpcOptions): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      url: options.url,
      package: RPC_PACKAGE,
      protoPath: RPC_PROTO_PATH,
      loader: { ...RPC_LOADER_OPTIONS },
      gracefulShutdown: true,
      // Channelz (grpc-js introspection, not served here) tracks every call; off unless asked for.
      channelOptions: { 'grpc.enable_channelz': 0, ...options.channelOptions },
    },
  };
}
