import type { LogLevel } from '@nestjs/common';
import { DEFAULT_MAX_CONCURRENT_CALLS } from '#libs/cable';

/** Injection token of the {@link RpcConfig}. */
export const RPC_CONFIG = Symbol('RPC_CONFIG');

/** The RPC app's configuration, read from env and validated before the app starts. */
export interface RpcConfig {
  /** `ANYCABLE_RPC_HOST`: the gRPC address to listen on, `host:port` (`[::]:50051` for every IPv6/IPv4 address). */
  host: string;
  /** `JWT_SECRET`: HS256 secret of user tokens. Unset: every token is refused, anonymous sessions only. */
  jwtSecret: string | undefined;
  /**
   * `ANYCABLE_RPC_POOL_SIZE` (the name AnyCable's Ruby server uses for its worker pool): RPC calls in
   * flight at once; above it calls get RESOURCE_EXHAUSTED, which the gateway retries with backoff.
   */
  maxConcurrentCalls: number;
  /** `ANYCABLE_LOG_LEVEL` (debug | info | warn | error, default info) as the Nest levels it enables. */
  logLevels: LogLevel[];
  /** `ANYCABLE_LOG_FORMAT` (text | json, default text). */
  logFormat: 'text' | 'json';
}

export const DEFAULT_RPC_HOST = '127.0.0.1:50051';

/** A configuration value that cannot be used; the message names the variable. */
export class RpcConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcConfigError';
  }
}

/** Reads and validates the configuration; throws {@link RpcConfigError} naming the first bad variable. */
export function loadRpcConfig(env: Record<string, string | undefined>): RpcConfig {
  return {
    host: readHost(env.ANYCABLE_RPC_HOST),
    jwtSecret: env.JWT_SECRET === '' ? undefined : env.JWT_SECRET,
    maxConcurrentCalls: readPositiveInteger('ANYCABLE_RPC_POOL_SIZE', env.ANYCABLE_RPC_POOL_SIZE, DEFAULT_MAX_CONCURRENT_CALLS),
    logLevels: LOG_LEVELS[readChoice('ANYCABLE_LOG_LEVEL', env.ANYCABLE_LOG_LEVEL, Object.keys(LOG_LEVELS), 'info')]!,
    logFormat: readChoice('ANYCABLE_LOG_FORMAT', env.ANYCABLE_LOG_FORMAT, ['text', 'json'] as const, 'text'),
  };
}

const LOG_LEVELS: Record<string, LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

function readChoice<T extends string>(name: string, raw: string | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!choices.includes(value)) throw new RpcConfigError(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return value;
}

const HOST_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function readHost(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RPC_HOST;
  const host = raw.trim();
  const match = HOST_PATTERN.exec(host);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new RpcConfigError(
      `ANYCABLE_RPC_HOST must be host:port with a port in 1..65535 (e.g. 127.0.0.1:50051, 0.0.0.0:50051, [::]:50051), got ${JSON.stringify(raw)}`,
    );
  }
  return host;
}

function readPositiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new RpcConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
