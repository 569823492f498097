/**
 * Every error the harness raises on purpose has a stable `code` (AREA_ERR_WHAT) and maps to
 * one documented CLI exit code. Callers match on `err.code`, never on the message.
 * docs/errors.md lists them all; errors.test.ts checks the list and this file agree.
 */

/** The CLI's exit codes (docs/errors.md). */
export const ExitCode = Object.freeze({
  OK: 0,
  CRASH: 1,
  BAD_INPUT: 2,
  GATE_FAILED: 3,
  INCONCLUSIVE: 4,
  ENGINE_UNAVAILABLE: 5,
  STACK_FAILED: 6,
  DRIVER_UNAVAILABLE: 7,
  INTERRUPTED: 130,
});
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const ErrorCodes = Object.freeze({
  CFG_ERR_INVALID: { exitCode: ExitCode.BAD_INPUT, summary: 'A configuration value or command-line option broke a rule; the message names the field.' },
  CFG_ERR_FILE: { exitCode: ExitCode.BAD_INPUT, summary: 'A configuration, plan or result file could not be read or parsed.' },
  CTR_ERR_ENGINE_UNAVAILABLE: { exitCode: ExitCode.ENGINE_UNAVAILABLE, summary: 'No Docker engine answered and none could be installed or started here.' },
  CTR_ERR_IMAGE_BUILD: { exitCode: ExitCode.STACK_FAILED, summary: 'A local image could not be built; the message shows the tail of the build log.' },
  CTR_ERR_SERVICE_START: { exitCode: ExitCode.STACK_FAILED, summary: 'A service of the stack failed to start or to become ready; the message names it and shows its log tail.' },
  RUN_ERR_INTERRUPTED: { exitCode: ExitCode.INTERRUPTED, summary: 'The run was stopped by SIGINT or SIGTERM; the stack was torn down.' },
  RUN_ERR_SEED_FAILED: { exitCode: ExitCode.STACK_FAILED, summary: 'Loading the seeded dataset into the stack failed.' },
  RUN_ERR_DRIVER_UNAVAILABLE: { exitCode: ExitCode.DRIVER_UNAVAILABLE, summary: 'The requested load driver (k6) is not available here: no binary on PATH and no pullable image.' },
  RPT_ERR_GATE_FAILED: { exitCode: ExitCode.GATE_FAILED, summary: 'A regression gate failed.' },
  RPT_ERR_INCONCLUSIVE: { exitCode: ExitCode.INCONCLUSIVE, summary: 'The run gave no verdict: noise wider than the tolerance, or the load generator was saturated.' },
} as const);
export type ErrorCode = keyof typeof ErrorCodes;

export class FeedscaleError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FeedscaleError';
    this.code = code;
    this.exitCode = ErrorCodes[code].exitCode;
    this.details = options.details ?? [];
  }
}

export function isFeedscaleError(err: unknown): err is FeedscaleError {
  return err instanceof FeedscaleError;
}
