import { pino, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/gateway-config.js';
import { formatTextLine } from './text-log-format.js';

/** The gateway's structured logger. Session lines always carry `sid` as a field. */
export type GatewayLogger = Logger;

/**
 * A pino logger writing to stdout: one JSON object per line (`log_format=json`), or anycable-go
 * style text (`log_format=text`): `<time> <LEVEL> <message> key=value ...`.
 */
export function createLogger(level: LogLevel, format: LogFormat): GatewayLogger {
  const options = { level, base: { context: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(options, pino.destination({ dest: 1, sync: true }));
  const stdout = pino.destination({ dest: 1, sync: true });
  return pino(options, { write: (line: string) => stdout.write(formatTextLine(line)) });
}
