import { type Logger, pino, stdTimeFunctions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { type Terminal, terminal as processTerminal } from './terminal.ts';

/**
 * json: one JSON object per line (CI, log shippers); pretty: "HH:MM:SS LEVEL message key=value"
 * for a person at a terminal. Default: pretty when stdout is a terminal, JSON otherwise.
 */
export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export interface LoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default FEEDSCALE_LOG_LEVEL or info. */
  level?: string;
  format?: LogFormat;
  terminal?: Terminal;
}

export function defaultLogFormat(): LogFormat {
  const fromEnv = process.env.FEEDSCALE_LOG_FORMAT;
  if (fromEnv === 'json' || fromEnv === 'pretty') return fromEnv;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * Keeps what a person reads (message, level, time, scalar fields such as runId or elapsedMs,
 * and errors); objects such as per-phase timings stay in the JSON format.
 */
function readableFields(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value === null || typeof value !== 'object' || key === 'err') out[key] = value;
  }
  return out;
}

/**
 * The harness's logger: JSON lines or readable lines, to stderr through the process terminal
 * (lib/terminal.ts), which never blocks and keeps progress bars intact. stdout carries reports.
 *
 * @example
 * const log = createLogger({ level: 'info', format: 'pretty' });
 * log.info({ runId }, 'stack ready');   // 14:02:11 INFO  stack ready runId=1a2b3c4d
 */
export function createLogger(levelOrOptions: string | LoggerOptions = {}): Logger {
  const options = typeof levelOrOptions === 'string' ? { level: levelOrOptions } : levelOrOptions;
  const level = options.level ?? process.env.FEEDSCALE_LOG_LEVEL ?? 'info';
  const format = options.format ?? defaultLogFormat();
  const out = options.terminal ?? processTerminal;
  const prettify =
    format === 'pretty'
      ? prettyFactory({ colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true })
      : undefined;
  const destination = {
    write(line: string) {
      if (!prettify) return out.writeLog(line);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return out.writeLog(line);
      }
      const text = prettify(readableFields(entry));
      out.writeLog(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
  return pino({ level, base: undefined, timestamp: stdTimeFunctions.isoTime }, destination);
}
export type { Logger };
