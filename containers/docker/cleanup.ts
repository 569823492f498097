import type Dockerode from 'dockerode';
import { MANAGED_LABEL, RUN_LABEL } from '../services/service-context.ts';

export interface CleanupResult {
  containers: string[];
  networks: string[];
}

/**
 * Force-removes every container, then every network, carrying our labels: those of one run,
 * or, with no runId, of every feedscale run (what `feedscale down` does after a crash).
 * Ryuk cannot be pulled here, so this is the reaper.
 */
export async function removeByLabel(docker: Dockerode, runId?: string): Promise<CleanupResult> {
  const label = runId ? [`${RUN_LABEL}=${runId}`] : [`${MANAGED_LABEL}=true`];
  const filters = { label };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id), networks: networks.map((n) => n.Name) };
}

/** The last lines a container wrote (stdout and stderr), for error messages. */
export async function containerLogTail(docker: Dockerode, name: string, lines = 40): Promise<string> {
  try {
    const buffer = (await docker.getContainer(name).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demultiplex(buffer);
  } catch (err) {
    return `(no log available: ${(err as Error).message})`;
  }
}

/** Docker multiplexes stdout/stderr frames with an 8-byte header when there is no TTY. */
function demultiplex(buffer: Buffer): string {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (type === undefined || type > 2 || offset + 8 + size > buffer.length) return buffer.toString('utf8');
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8');
}
