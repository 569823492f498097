import type { Logger } from '../lib/logger.ts';
import { terminal } from '../lib/terminal.ts';

export interface InterruptGuard extends Disposable {
  /** Aborted on the first SIGINT, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal;
}

const SETTLE_TIMEOUT_MS = 45_000;
/** SIGHUP too: a closed terminal must not leave a stack running. SIGKILL cannot be caught: `feedscale down`. */
const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Ctrl-C, SIGTERM and SIGHUP tear the stack down. The first signal aborts the run and starts the
 * teardown at once (so containers stop taking load), lets the run settle (its own `finally`
 * tears down again whatever started meanwhile), then exits 130. A second SIGINT or SIGTERM
 * exits right after one more teardown. A terminal that goes away (SIGHUP, or a write failing
 * with EIO/EPIPE) stops all output first (lib/terminal.ts), then does the same.
 */
export function installInterruptGuard(options: { log: Logger; teardown: () => Promise<unknown>; settled: () => Promise<unknown> }): InterruptGuard {
  const controller = new AbortController();
  let count = 0;
  const teardown = () =>
    options.teardown().catch((err: Error) => options.log.error({ err: err.message }, 'teardown after interrupt failed'));

  const onSignal = (name: NodeJS.Signals) => {
    // A hangup reaches both the session leader and the foreground group: one terminal closing
    // can deliver SIGHUP twice, which must not count as a second, impatient signal.
    if (name === 'SIGHUP' && count > 0) return;
    count += 1;
    // SIGHUP: the terminal is gone; writing to it could only fail (or block), so stop writing.
    if (name === 'SIGHUP') terminal.detach('SIGHUP: the terminal was closed');
    if (count > 1) {
      options.log.warn(`${name} again: removing containers and exiting now`);
      void teardown().finally(() => process.exit(130));
      return;
    }
    options.log.warn(`${name}: stopping the run and tearing the stack down`);
    controller.abort(new Error(`interrupted by ${name}`));
    void (async () => {
      await teardown();
      await Promise.race([options.settled().catch(() => undefined), new Promise((r) => setTimeout(r, SETTLE_TIMEOUT_MS))]);
      await teardown();
      process.exit(130);
    })();
  };
  for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  // A write that fails because the terminal is gone (EIO, EPIPE) means the same as SIGHUP.
  const offDetach = terminal.onDetach(() => {
    if (count === 0) onSignal('SIGHUP');
  });
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      for (const signal of HANDLED_SIGNALS) process.off(signal, onSignal);
      offDetach();
    },
  };
}

/**
 * Resolves when the guard's signal aborts, keeping the process alive until then: a pending
 * promise alone holds no handle, and Node would simply exit (as `feedscale up` once did,
 * leaving its stack running with nothing to Ctrl-C).
 */
export function untilInterrupted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    );
  });
}
