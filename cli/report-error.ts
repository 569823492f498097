import { terminal } from '../lib/terminal.ts';
import { ExitCode, isFeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { annotateWithFlags } from '../runner/run-flags.ts';

/** Prints an error the way every command does and returns its exit code (docs/errors.md). */
export function reportError(err: unknown, log: Logger): number {
  if (isFeedscaleError(err)) {
    const details = err.code === 'CFG_ERR_INVALID' && err.details.length > 0 ? annotateWithFlags(err.details) : undefined;
    const message = details ? `${err.message.split('\n')[0]}\n  ${details.join('\n  ')}` : err.message;
    terminal.writeLog(`feedscale: ${err.code}: ${message}\n`);
    return err.exitCode;
  }
  log.error({ err }, 'unexpected error');
  terminal.writeLog(`feedscale: unexpected error: ${(err as Error)?.stack ?? err}\n`);
  return ExitCode.CRASH;
}

/** Wraps a command action so that it always ends in an exit code, never an unhandled rejection. */
export function exitCodeAction(log: Logger, setExitCode: (code: number) => void) {
  return <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      try {
        setExitCode(await fn(...args));
      } catch (err) {
        setExitCode(reportError(err, log));
      }
    };
}
