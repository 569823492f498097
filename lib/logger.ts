import { type Logger, destination, pino, stdTimeFunctions } from 'pino';

/** The harness logs JSON lines to stderr (stdout carries reports and tables). */
export function createLogger(level: string = process.env.FEEDSCALE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined, timestamp: stdTimeFunctions.isoTime }, destination(2));
}
export type { Logger };
