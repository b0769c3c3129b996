/** Reflect-metadata keys of the decorators (internal; exported for tooling and tests). */
export const CHANNEL_METADATA = 'cable:channel';
export const ACTIONS_METADATA = 'cable:actions';
export const CONNECTION_METADATA = 'cable:connection';

/** Injection token of the {@link CableModuleOptions} given to `CableModule.forRoot`. */
export const CABLE_MODULE_OPTIONS = Symbol('CABLE_MODULE_OPTIONS');

/**
 * Default bound on RPC calls in flight in one process. AnyCable's Ruby server defaults its pool to 30
 * and anycable-go's `rpc_concurrency` (28) is sized to fit under it; one gateway at its default never
 * hits the bound, while several gateways get RESOURCE_EXHAUSTED, which anycable-go retries with backoff.
 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 30;
