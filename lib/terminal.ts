/**
 * The process's one way to its terminal (stderr for logs and progress bars, stdout for reports
 * and tables), built so that a run never blocks on, or dies of, its own output:
 *
 * - once the terminal is gone (SIGHUP, or a write fails with EIO/EPIPE), every later write is
 *   dropped instead of retried, so the teardown that follows a lost terminal runs to the end;
 * - log lines go above the progress bars while bars are shown (the bars stay intact).
 *
 * Nothing here retries a write in a loop: pino's synchronous destination does (it waits on a
 * futex between EAGAIN retries), and that is how a closed tmux session once kept a run, and its
 * 12 containers, alive with SIGHUP unanswered.
 */

type LogSink = (line: string) => void;

const WRITE_METHODS = new Set<PropertyKey>(['write', 'cursorTo', 'moveCursor', 'clearLine', 'clearScreenDown']);

export interface Terminal {
  /** True once the terminal is gone; every write is dropped from then on. */
  readonly detached: boolean;
  /** Drop all further output (the terminal was closed). */
  detach(reason: string): void;
  /** One log line (ending in a newline) to stderr, above the progress bars when they are shown. */
  writeLog(line: string): void;
  /** Report text to stdout. */
  writeOut(text: string): void;
  /** Where progress bars draw: stderr, turned into a no-op once detached. */
  readonly barStream: NodeJS.WriteStream;
  /** While bars are shown, log lines go through `sink` (e.g. MultiBar.log) instead of stderr. */
  routeLogsThrough(sink: LogSink | undefined): void;
  /** Why output was dropped, if it was. */
  readonly detachReason: string | undefined;
  /** Calls `listener` once, when the terminal goes (at once if it is gone already). */
  onDetach(listener: (reason: string) => void): () => void;
}

function isTerminalGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EIO' || code === 'EPIPE' || code === 'ENXIO' || code === 'EBADF' || code === 'ERR_STREAM_DESTROYED';
}

export function createTerminal(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Terminal {
  let detachReason: string | undefined;
  let logSink: LogSink | undefined;
  const listeners = new Set<(reason: string) => void>();

  const safeWrite = (stream: NodeJS.WriteStream, text: string) => {
    if (detachReason !== undefined) return;
    try {
      stream.write(text);
    } catch (err) {
      if (isTerminalGone(err)) terminal.detach((err as Error).message);
      else throw err;
    }
  };
  // An asynchronous write error arrives as an 'error' event; without a listener it would crash
  // the process in the middle of its teardown.
  for (const stream of [stdout, stderr]) {
    stream.on('error', (err) => {
      if (isTerminalGone(err)) terminal.detach(err.message);
    });
  }

  const barStream = new Proxy(stderr, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (!WRITE_METHODS.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        if (detachReason !== undefined) return true;
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          if (isTerminalGone(err)) terminal.detach((err as Error).message);
          else throw err;
          return true;
        }
      };
    },
  });

  const terminal: Terminal = {
    get detached() {
      return detachReason !== undefined;
    },
    get detachReason() {
      return detachReason;
    },
    detach(reason) {
      if (detachReason !== undefined) return;
      detachReason = reason;
      logSink = undefined;
      for (const listener of [...listeners]) listener(reason);
    },
    onDetach(listener) {
      if (detachReason !== undefined) {
        listener(detachReason);
        return () => undefined;
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    writeLog(line) {
      if (detachReason !== undefined) return;
      if (logSink) logSink(line);
      else safeWrite(stderr, line);
    },
    writeOut(text) {
      safeWrite(stdout, text);
    },
    barStream,
    routeLogsThrough(sink) {
      logSink = sink;
    },
  };
  return terminal;
}

/** The process's terminal. */
export const terminal: Terminal = createTerminal();
