import type { Metadata } from '@grpc/grpc-js';
import { PROTOV_METADATA_KEY, SID_METADATA_KEY } from '#libs/protocol';
import type { CallMetadata } from '../runtime/call-metadata.js';

/** Reads `sid` and `protov` from a call's gRPC metadata (a `protov` value may be a comma list). */
export function readCallMetadata(metadata: Metadata | undefined): CallMetadata {
  const text = (key: string): string[] => (metadata?.get(key) ?? []).map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  const protocolVersions = text(PROTOV_METADATA_KEY).flatMap((value) => value.split(',').map((part) => part.trim()));
  return { sid: text(SID_METADATA_KEY)[0] ?? '', protocolVersions };
}
