/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and stops waiting for it then even if
 * the work ignores the signal (its late result or error is dropped): the call rejects with
 * `timeoutError()`, which is also the signal's abort reason.
 */
export async function withTimeout<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, timeoutError: () => Error): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeoutError();
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const running = work(controller.signal);
  running.catch(() => {});
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
