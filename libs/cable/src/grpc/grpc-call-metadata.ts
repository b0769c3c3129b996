import type { Metadata, MetadataValue } from '@grpc/grpc-js';
import { PROTOV_METADATA_KEY, SID_METADATA_KEY } from '#libs/protocol';
import type { CallMetadata } from '../runtime/call-metadata.js';

/** Reads `sid` and `protov` from a call's gRPC metadata (a `protov` value may be a comma list). */
export function readCallMetadata(metadata: Metadata | undefined): CallMetadata {
  const sid = metadata?.get(SID_METADATA_KEY)[0];
  const protocolVersions: string[] = [];
  for (const value of metadata?.get(PROTOV_METADATA_KEY) ?? []) {
    for (const part of text(value).split(',')) protocolVersions.push(part.trim());
  }
  return { sid: sid === undefined ? '' : text(sid), protocolVersions };
}

function text(value: MetadataValue): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}
