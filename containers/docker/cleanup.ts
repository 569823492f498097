import type Dockerode from 'dockerode';
import { withTimeout } from '../../lib/with-timeout.ts';
import { MANAGED_LABEL, RUN_LABEL } from './labels.ts';

export interface CleanupResult {
  containers: string[];
  networks: string[];
  /** Swarm services, configs and secrets (a run on the Swarm engine, containers/swarm/). */
  swarmObjects?: string[];
}

/**
 * Force-removes every container, then every network, carrying our labels: those of one run,
 * or, with no runId, of every feedscale run (what `feedscale down` does after a crash).
 * Ryuk cannot be pulled here, so this is the reaper.
 */
export async function removeByLabel(docker: Dockerode, runId?: string): Promise<CleanupResult> {
  return removeLabelled(docker, runId ? `${RUN_LABEL}=${runId}` : `${MANAGED_LABEL}=true`);
}

const ignoreGone = (err: { statusCode?: number }) => {
  if (err.statusCode !== 404) throw err;
};

/**
 * Removes the Swarm services carrying `label` (their tasks' containers go with them; removing
 * only the containers would make Swarm start new ones). An engine that is not a swarm manager
 * answers 503 and has none.
 */
async function removeLabelledServices(docker: Dockerode, label: string): Promise<string[]> {
  const filters = { label: [label] };
  const services = await docker.listServices({ filters }).catch((err: { statusCode?: number }) => {
    if (err.statusCode === 503) return [];
    throw err;
  });
  await Promise.all(services.map((s) => docker.getService(s.ID).remove().catch(ignoreGone)));
  return services.map((s) => `service ${s.Spec?.Name ?? s.ID}`);
}

/** Swarm configs and secrets carrying `label`; a config still used by a service (400/409) goes in the next round. */
async function removeLabelledSwarmFiles(docker: Dockerode, label: string): Promise<string[]> {
  const filters = { label: [label] };
  const inUse = (err: { statusCode?: number }) => {
    if (err.statusCode !== 404 && err.statusCode !== 400 && err.statusCode !== 409) throw err;
  };
  const notManager = (err: { statusCode?: number }) => {
    if (err.statusCode === 503) return [];
    throw err;
  };
  const [configs, secrets] = await Promise.all([docker.listConfigs({ filters }).catch(notManager), docker.listSecrets({ filters }).catch(notManager)]);
  await Promise.all([...configs.map((c) => docker.getConfig(c.ID).remove().catch(inUse)), ...secrets.map((s) => docker.getSecret(s.ID).remove().catch(inUse))]);
  return [...configs.map((c) => `config ${c.Spec?.Name ?? c.ID}`), ...secrets.map((s) => `secret ${s.Spec?.Name ?? s.ID}`)];
}

/**
 * Force-removes every Swarm service, container, network, then Swarm config and secret carrying
 * `label` ("key=value").
 */
async function removeLabelled(docker: Dockerode, label: string): Promise<CleanupResult> {
  const filters = { label: [label] };
  const services = await removeLabelledServices(docker, label);
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
          // 403/409: a container is still attached (being removed); the next sweep round takes it.
          if (err.statusCode !== 404 && err.statusCode !== 403 && err.statusCode !== 409) throw err;
        }),
    ),
  );
  const files = await removeLabelledSwarmFiles(docker, label);
  const swarmObjects = [...services, ...files];
  return {
    containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id),
    networks: networks.map((n) => n.Name),
    ...(swarmObjects.length ? { swarmObjects } : {}),
  };
}

export interface SweepOptions {
  /** Pause between rounds; a run counts as gone after two empty rounds this far apart. */
  quietMs?: number;
  /** Give up (and say what is left) after this long. */
  timeoutMs?: number;
}

/**
 * Removes a run (or, with no runId, every feedscale run), Swarm services, configs and secrets
 * included, and keeps sweeping until two rounds in a row find nothing of it: a container that was being created when the teardown started
 * (state Created) appears only after the first listing, and would otherwise be left behind.
 */
export async function sweepRun(docker: Dockerode, runId?: string, options: SweepOptions = {}): Promise<CleanupResult> {
  return sweepLabelled(docker, runId ? `${RUN_LABEL}=${runId}` : `${MANAGED_LABEL}=true`, options);
}

/** sweepRun for any label, e.g. every run a test suite started (`feedscale.suite=<id>`). */
export async function sweepLabelled(docker: Dockerode, label: string, options: SweepOptions = {}): Promise<CleanupResult> {
  const quietMs = options.quietMs ?? 400;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const removed: CleanupResult = { containers: [], networks: [] };
  for (let emptyRounds = 0; emptyRounds < 2; ) {
    // A Docker call that never answers must not hold the teardown (and the process) forever: seen
    // here when the engine lost its container shims ("cleaning up after shim disconnected" in
    // dockerd's log) and kept reporting killed containers as running.
    const round = await withTimeout(
      Math.max(0, deadline - Date.now()),
      () => removeLabelled(docker, label),
      () => new Error(`the Docker engine did not finish removing ${label} in time; if \`docker ps\` hangs or shows killed containers as Up, restart dockerd, then run \`feedscale down\``),
    );
    removed.containers.push(...round.containers.filter((c) => !removed.containers.includes(c)));
    removed.networks.push(...round.networks.filter((n) => !removed.networks.includes(n)));
    const swarmObjects = round.swarmObjects ?? [];
    if (swarmObjects.length) removed.swarmObjects = [...new Set([...(removed.swarmObjects ?? []), ...swarmObjects])];
    emptyRounds = round.containers.length === 0 && round.networks.length === 0 && swarmObjects.length === 0 ? emptyRounds + 1 : 0;
    if (emptyRounds < 2) {
      if (Date.now() > deadline) {
        throw new Error(
          `${label} still has ${round.containers.length} container(s), ${round.networks.length} network(s) and ${swarmObjects.length} Swarm object(s) after sweeping: ${[...round.containers, ...round.networks, ...swarmObjects].join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }
  return removed;
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
