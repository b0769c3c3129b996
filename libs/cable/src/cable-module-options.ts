import type { CableHttpRpcOptions } from './http/http-rpc-options.js';
import type { ModuleMetadata, Type } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';

/**
 * Runs each RPC call inside a per-session context, e.g. `BroadcastContext` of `#libs/broadcaster`,
 * whose static `run(socketId, fn)` matches this shape, so that broadcasts made by the call can
 * exclude the calling session (`toOthers`).
 */
export interface SessionContextRunner {
  run<T>(sid: string, fn: () => T): T;
}

/** Options of `CableModule.forRoot`. */
export interface CableModuleOptions {
  /**
   * The `@CableConnection` class, registered as a provider of the cable module. May be omitted when the
   * class is already a provider of another module: it is then found by discovery.
   */
  connection?: Type<object>;
  /**
   * `@Channel` classes to register as providers of the cable module. Channels listed in any other
   * module's `providers` are found by discovery without being listed here.
   */
  channels?: Type<object>[];
  /** Modules the connection and channels listed here need for their dependencies. */
  imports?: ModuleMetadata['imports'];
  /**
   * Most RPC calls in flight at once in this process; a call above it is refused with gRPC
   * RESOURCE_EXHAUSTED, which anycable-go retries with backoff. Default 30 (see DEFAULT_MAX_CONCURRENT_CALLS).
   */
  maxConcurrentCalls?: number;
  /** Wraps every call in a per-session context (see {@link SessionContextRunner}). */
  sessionContext?: SessionContextRunner;
  /**
   * class-validator options for action DTOs. Default `{ whitelist: true, forbidUnknownValues: true }`:
   * unknown properties are stripped before the action sees the data.
   */
  validation?: ValidatorOptions;
  /**
   * Also serve the contract as anycable-go's RPC over HTTP, on the app's HTTP server under
   * `httpRpc.path` (see HttpRpcEndpoint), ahead of the app's HTTP framework; unset: gRPC only.
   */
  httpRpc?: CableHttpRpcOptions;
}
