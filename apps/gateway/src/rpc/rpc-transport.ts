/** The three methods of the AnyCable RPC contract. */
export type RpcMethod = 'Connect' | 'Command' | 'Disconnect';

/**
 * One way of carrying a call to the RPC server (gRPC, or anycable-go's JSON over HTTP). It sends
 * one attempt and settles: the answer, or a rejection with a gRPC status `code` (HTTP failures are
 * mapped to codes as anycable-go maps them), which the client's retry policy reads. Concurrency,
 * queueing, deadlines and retries are the client's (rpc-client.ts), the same for every transport.
 */
export interface RpcTransport {
  invoke(method: RpcMethod, sid: string, request: unknown, deadline: number): Promise<unknown>;
  close(): void;
}

/** A call attempt that got no answer. `code` is a gRPC status code. */
export class RpcTransportError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(details);
    this.name = 'RpcTransportError';
  }
}
