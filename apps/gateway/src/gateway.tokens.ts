/** DI tokens of values built before Nest starts (the validated config and the logger). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
/** The broker backend (stream history, sessions) selected by `broker`. */
export const BROKER = Symbol('BROKER');
