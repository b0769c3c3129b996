import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs/light.js';
import { RPC_DESCRIPTOR } from './rpc.descriptor.js';
import { RPC_LOADER_OPTIONS, RPC_PACKAGE, RPC_SERVICE } from './rpc.constants.js';

/**
 * The AnyCable RPC contract's service, as @grpc/proto-loader's `loadSync(rpc.proto, RPC_LOADER_OPTIONS)`
 * gives it to grpc-js (the gateway's client, the RPC app's server) and to the Disconnect codec: each method's path and its (de)serializers, which
 * are proto-loader's (`fromObject` + `encode`, `decode` + `toObject` with the loader options). Built
 * from the pre-generated descriptor (libs/protocol rpc.descriptor.ts) with protobufjs's reflection
 * only: proto-loader also parses the .proto and encodes descriptor protos for every message (for
 * server reflection, which neither app serves): ~20 ms of the gateway's start, ~45 ms of the RPC app's
 * with proto-loader's own loading. rpc-definition.spec.ts checks the bytes and objects against proto-loader's.
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
