import type { ChannelOptions } from '@grpc/grpc-js';
import type { CustomStrategy } from '@nestjs/microservices';
import { CableGrpcServer } from './cable-grpc.server.js';

/** Options of {@link cableGrpcOptions}. */
export interface CableGrpcOptions {
  /** Address to listen on, e.g. `127.0.0.1:50051`, `0.0.0.0:50051` or `[::]:50051`. */
  url: string;
  /** Extra @grpc/grpc-js server options (e.g. `grpc.max_concurrent_streams`). */
  channelOptions?: ChannelOptions;
}

/**
 * The microservice options that serve the AnyCable RPC contract (`proto/anycable/rpc.proto`, package
 * `anycable`, with the loader options every side of this repository shares) for
 * `NestFactory.createMicroservice(AppModule, cableGrpcOptions({ url }))` or `app.connectMicroservice`:
 * the {@link CableGrpcServer} transport. Shutdown is graceful: calls in flight finish before the
 * server closes.
 */
export function cableGrpcOptions(options: CableGrpcOptions): CustomStrategy {
  // Channelz (grpc-js introspection, not served here) tracks every call; off unless asked for.
  const channelOptions = { 'grpc.enable_channelz': 0, ...options.channelOptions };
  return { strategy: new CableGrpcServer({ url: options.url, channelOptions }) };
}
