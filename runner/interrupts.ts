import type { Logger } from '../lib/logger.ts';

export interface InterruptGuard extends Disposable {
  /** Aborted on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
}

const SETTLE_TIMEOUT_MS = 45_000;
/** SIGHUP too: a closed terminal must not leave a stack running. SIGKILL cannot be caught: `feedscale down`. */
const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Ctrl-C, SIGTERM and SIGHUP tear the stack down. The first signal aborts the run and starts the
 * teardown at once (so containers stop taking load), lets the run settle (its own `finally`
 * tears down again whatever started meanwhile), then exits 130. A second signal exits
 * right after one more teardown.
 */
export function installInterruptGuard(options: { log: Logger; teardown: () => Promise<unknown>; settled: () => Promise<unknown> }): InterruptGuard {
  const controller = new AbortController();
  let count = 0;
  const teardown = () =>
    options.teardown().catch((err: Error) => options.log.error({ err: err.message }, 'teardown after interrupt failed'));

  const onSignal = (name: NodeJS.Signals) => {
    count += 1;
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
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      for (const signal of HANDLED_SIGNALS) process.off(signal, onSignal);
    },
  };
}
