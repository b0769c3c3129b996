import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Absolute path of proto/anycable/rpc.proto, valid from both the sources and dist/. */
export const RPC_PROTO_PATH: string = resolveProtoPath();

/** The proto package and service names of the contract. */
export const RPC_PACKAGE = 'anycable';
export const RPC_SERVICE = 'RPC';

/**
 * @grpc/proto-loader options shared by the gateway's client, the RPC app's server
 * and the tests, so that every side sees the same JS shapes (see rpc.types.ts).
 */
export const RPC_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;

/** Metadata key and value every call carries; a server refuses calls without v1. */
export const PROTOV_METADATA_KEY = 'protov';
export const PROTOV_VERSION = 'v1';
/** Metadata key carrying the gateway's session id. */
export const SID_METADATA_KEY = 'sid';
/** error_msg of a refused call from an incompatible client, as AnyCable words it. */
export const INCOMPATIBLE_CLIENT_MESSAGE = 'Incompatible AnyCable RPC client';

function resolveProtoPath(): string {
  // This file lives at libs/protocol/src/ in the sources and at
  // dist/libs/protocol/src/ once built: find the repository root from either.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes('/dist/') ? resolve(here, '../../../..') : resolve(here, '../../..');
  return resolve(root, 'proto/anycable/rpc.proto');
}
