import type Dockerode from 'dockerode';
import { RUN_LABEL, SERVICE_LABEL, containerName } from '../../containers/docker/labels.ts';

/** What every fault kind needs: the engine and the run whose containers it breaks. */
export interface FaultContext {
  docker: Dockerode;
  runId: string;
}

/** The container of one service of the run: found by its labels (any engine), else by its Testcontainers name. */
export async function containerOf(ctx: FaultContext, service: string): Promise<Dockerode.Container> {
  const [found] = await ctx.docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${ctx.runId}`, `${SERVICE_LABEL}=${service}`] } });
  return ctx.docker.getContainer(found?.Id ?? containerName(ctx.runId, service));
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/**
 * Runs a command inside a running container and waits for it (stdout and stderr together).
 * `user: 'root'` for what needs privileges the service's own user lacks (tc, editing a config).
 */
export async function execIn(container: Dockerode.Container, cmd: readonly string[], options: { user?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, ...(options.user ? { User: options.user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`${cmd.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output: demultiplex(Buffer.concat(chunks)) };
}

/** Docker multiplexes stdout/stderr frames with an 8-byte header when there is no TTY. */
function demultiplex(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (type === undefined || type > 2 || offset + 8 + size > buffer.length) return buffer.toString('utf8');
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Runs `cmd` and throws with its output when it exits non-zero. */
export async function execOk(container: Dockerode.Container, cmd: readonly string[], options: { user?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await execIn(container, cmd, options);
  if (result.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${result.exitCode}: ${result.output.trim().slice(-500)}`);
  return result.output;
}

/** The host port a container port is mapped to now (a restarted container gets a new one). */
export async function mappedPort(container: Dockerode.Container, port: number): Promise<number> {
  const info = await container.inspect();
  const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.find((b) => b.HostIp === '127.0.0.1' || b.HostIp === '0.0.0.0' || b.HostIp === '') ?? info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
  if (!binding) throw new Error(`${info.Name} has no host port for ${port}/tcp`);
  return Number(binding.HostPort);
}

/** One check may take this long; a client that never settles (memjs on a refused connection) counts as a failed check. */
const CHECK_TIMEOUT_MS = 5000;

/** Polls until `check` resolves true, or throws after timeoutMs naming `what`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (signal?.aborted) throw new Error(`${what}: interrupted`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), Math.min(CHECK_TIMEOUT_MS, Math.max(1, deadline - Date.now())));
      });
      if (await Promise.race([check(), timedOut])) return;
    } catch (err) {
      last = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
