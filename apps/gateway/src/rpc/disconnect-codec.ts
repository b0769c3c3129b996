import type { PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { RPC_PACKAGE, RPC_SERVICE, type DisconnectRequest } from '#libs/protocol';

export interface PendingDisconnect {
  readonly sid: string;
  readonly request: DisconnectRequest;
}

/** A pending Disconnect call as bytes, and back: what the disconnect queue keeps past its backlog. */
export interface DisconnectCodec {
  encode(pending: PendingDisconnect): Buffer;
  decode(record: Buffer): PendingDisconnect;
}

const SID_LENGTH_BYTES = 2;

/**
 * The record is the sid (2-byte length, UTF-8) followed by the DisconnectRequest in its protobuf
 * encoding, the same bytes the call puts on the wire: the smallest form that still carries every
 * field the RPC app's `disconnect`/`unsubscribed` callbacks receive.
 */
export function disconnectCodecOf(definition: PackageDefinition): DisconnectCodec {
  const method = (definition[`${RPC_PACKAGE}.${RPC_SERVICE}`] as ServiceDefinition).Disconnect;
  return {
    encode({ sid, request }) {
      const body = method.requestSerialize(request);
      const sidBytes = Buffer.from(sid, 'utf8');
      const record = Buffer.allocUnsafe(SID_LENGTH_BYTES + sidBytes.length + body.length);
      record.writeUInt16LE(sidBytes.length, 0);
      sidBytes.copy(record, SID_LENGTH_BYTES);
      body.copy(record, SID_LENGTH_BYTES + sidBytes.length);
      return record;
    },
    decode(record) {
      const sidEnd = SID_LENGTH_BYTES + record.readUInt16LE(0);
      return {
        sid: record.toString('utf8', SID_LENGTH_BYTES, sidEnd),
        request: method.requestDeserialize(record.subarray(sidEnd)) as DisconnectRequest,
      };
    },
  };
}
