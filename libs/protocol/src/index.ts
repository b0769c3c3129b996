export * from './rpc.types.js';
export * from './rpc.constants.js';
export * from './publication.js';
export * from './frames.js';
export * from './broadcast-key.js';
export * from './rpc-secret.js';
export * from './signed-stream.js';
export * from './json-fields.js';
