export * from './ports.js';
export * from './processes.js';
export * from './services.js';
