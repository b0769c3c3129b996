import type { LoggerService } from '@nestjs/common';
import type { GatewayLogger } from './logger.js';

/** Nest's own messages (module init, route mapping) through the gateway's pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: GatewayLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ nest: context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    // Nest logs a failed listen, then rejects with it; main.ts reports that rejection in one line
    // naming the option to change (lifecycle/listen-error.ts), so this copy would only repeat it.
    if (context === 'NestApplication' && /^Error: listen E[A-Z]+:/.test(String(message))) return;
    this.logger.error({ nest: context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ nest: context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ nest: context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ nest: context }, String(message));
  }
}
