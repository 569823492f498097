import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A benchmark server in its own process (bench/server-main.ts); dispose to stop it. */
export interface StartedServerProcess extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  /** CPU seconds (user + system) the server used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url));

export async function startServerProcess(args: readonly string[]): Promise<StartedServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited early (code ${code})`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    cpuSeconds: () => procCpuSeconds(child.pid!),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** utime + stime of a live process, from /proc/<pid>/stat (Linux; USER_HZ is 100 on Linux). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is index 0, utime 11, stime 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

const CLOCK_TICKS_PER_S = 100;
