import * as protoLoader from '@grpc/proto-loader';
import type { PackageDefinition } from '@grpc/proto-loader';
import { RPC_LOADER_OPTIONS, RPC_PROTO_PATH } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import type { RpcTransport } from './rpc-transport.js';

/** The AnyCable RPC contract (proto/anycable/rpc.proto): the gRPC stubs and the Disconnect codec are built from it. */
export function loadRpcDefinition(): PackageDefinition {
  return protoLoader.loadSync(RPC_PROTO_PATH, RPC_LOADER_OPTIONS);
}

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
