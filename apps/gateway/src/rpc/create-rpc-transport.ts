import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs/light.js';
import { RPC_DESCRIPTOR, RPC_LOADER_OPTIONS, RPC_PACKAGE, RPC_SERVICE } from '#libs/protocol';
import type { RpcConfig } from '../config/gateway-config.js';
import type { RpcTransport } from './rpc-transport.js';

/**
 * The AnyCable RPC contract's service, as @grpc/proto-loader's `loadSync(rpc.proto, RPC_LOADER_OPTIONS)`
 * gives it to grpc-js and to the Disconnect codec: each method's path and its (de)serializers, which
 * are proto-loader's (`fromObject` + `encode`, `decode` + `toObject` with the loader options). Built
 * from the pre-generated descriptor (libs/protocol rpc.descriptor.ts) with protobufjs's reflection
 * only: proto-loader also parses the .proto and encodes descriptor protos for every message (for
 * server reflection, which a client never uses), ~20 ms of the gateway's start.
 * create-rpc-transport.spec.ts checks the bytes and objects against proto-loader's.
 */
export function loadRpcDefinition(): PackageDefinition {
  const root = protobuf.Root.fromJSON(RPC_DESCRIPTOR);
  const serviceName = `${RPC_PACKAGE}.${RPC_SERVICE}`;
  const service: ServiceDefinition = {};
  for (const method of root.lookupService(serviceName).methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    service[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: serializerOf(request),
      requestDeserialize: deserializerOf(request),
      responseSerialize: serializerOf(response),
      responseDeserialize: deserializerOf(response),
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    } as MethodDefinition<object, object>;
  }
  return { [serviceName]: service };
}

function serializerOf(type: protobuf.Type): (message: object) => Buffer {
  return (message) => type.encode(type.fromObject(message)).finish() as Buffer;
}

function deserializerOf(type: protobuf.Type): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), RPC_LOADER_OPTIONS);
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
