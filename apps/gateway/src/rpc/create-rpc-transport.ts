import type { PackageDefinition } from '@grpc/proto-loader';
import type { RpcConfig } from '../config/gateway-config.js';
import type { RpcTransport } from './rpc-transport.js';

/**
 * The transport `rpc_impl` selects. Each is imported only when selected: the HTTP one brings undici,
 * about a megabyte of the bundle that a gRPC gateway (the default) then never reads.
 */
export async function createRpcTransport(config: RpcConfig, definition: PackageDefinition): Promise<RpcTransport> {
  if (config.impl === 'http') {
    const { HttpTransport } = await import('./http.transport.js');
    return new HttpTransport(config);
  }
  const { GrpcTransport } = await import('./grpc.transport.js');
  return new GrpcTransport(config, definition);
}
