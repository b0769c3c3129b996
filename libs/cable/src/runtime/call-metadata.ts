import { PROTOV_VERSION } from '#libs/protocol';

/** The gRPC metadata of a call that the framework uses. */
export interface CallMetadata {
  /** The gateway's session id (metadata `sid`), `''` if absent. */
  readonly sid: string;
  /** Every protocol version the caller lists in its `protov` metadata (comma lists split). */
  readonly protocolVersions: readonly string[];
}

/** True when the caller speaks AnyCable RPC v1, the only version this server serves. */
export function speaksProtocolV1(metadata: CallMetadata): boolean {
  return metadata.protocolVersions.includes(PROTOV_VERSION);
}
