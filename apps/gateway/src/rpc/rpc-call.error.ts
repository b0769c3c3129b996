import { status as GrpcStatus } from '@grpc/grpc-js';

/** Why an RPC call gave no answer: a gRPC status code, or a local refusal before sending. */
export type RpcFailureKind = 'grpc' | 'queue_full' | 'deadline';

/** An RPC call that produced no answer (transport failure, deadline, queue full). */
export class RpcCallError extends Error {
  constructor(
    readonly kind: RpcFailureKind,
    message: string,
    /** gRPC status code for `grpc` failures. */
    readonly code: GrpcStatus | null = null,
    /**
     * False when the RPC app cannot have run the call: every attempt was refused before reaching it
     * (UNAVAILABLE, RESOURCE_EXHAUSTED) or none was sent. True when an attempt may have been running
     * when the call gave up (its deadline passed, or another status): the app may have run it.
     */
    readonly mayHaveRun = false,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}
