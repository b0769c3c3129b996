import type { LoggerService } from '@nestjs/common';

/** One line a Nest logger was asked to write. */
export interface LogEntry {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  /** Every other argument (stack, context). */
  rest: unknown[];
}

/** A Nest LoggerService that keeps what it is given, so tests can assert on logs. */
export class RecordingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.record('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.record('fatal', message, rest);
  }

  /** Entries of `level` whose message matches `pattern`. */
  find(level: LogEntry['level'], pattern: RegExp): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level && pattern.test(entry.message));
  }

  private record(level: LogEntry['level'], message: unknown, rest: unknown[]): void {
    this.entries.push({ level, message: String(message), rest });
  }
}
