import type Dockerode from 'dockerode';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { containerLogTail } from '../docker/cleanup.ts';
import { SERVICE_LABEL, containerName, runLabels } from '../docker/labels.ts';
import type { ServiceSpec, StartedProbe } from '../service-spec.ts';

/** What starting a service on this engine needs: the run it belongs to and its network. */
export interface ContainerRun {
  docker: Dockerode;
  runId: string;
  network: string;
  startupTimeoutMs: number;
  log: Logger;
}

function waitStrategy(probe: StartedProbe) {
  switch (probe.kind) {
    case 'http':
      return Wait.forHttp(probe.path, probe.port);
    case 'log':
      return Wait.forLogMessage(probe.pattern);
    case 'ports':
      return Wait.forListeningPorts();
    case 'command':
      return Wait.forSuccessfulCommand(probe.command);
  }
}

/** The Testcontainers form of a service: name, labels, network alias, files, quota, wait strategy. */
export function toGenericContainer(spec: ServiceSpec, run: ContainerRun): GenericContainer {
  const container = new GenericContainer(spec.image)
    .withName(containerName(run.runId, spec.name))
    .withLabels({ ...runLabels(run.runId), [SERVICE_LABEL]: spec.name })
    .withNetworkMode(run.network)
    .withNetworkAliases(spec.name)
    .withStartupTimeout(run.startupTimeoutMs)
    .withWaitStrategy(waitStrategy(spec.startedWhen));
  if (spec.entrypoint) container.withEntrypoint([...spec.entrypoint]);
  if (spec.command) container.withCommand([...spec.command]);
  if (spec.environment) container.withEnvironment({ ...spec.environment });
  if (spec.files?.length) container.withCopyContentToContainer(spec.files.map((f) => ({ content: f.content, target: f.target, mode: f.mode })));
  if (spec.ports.length) container.withExposedPorts(...spec.ports);
  if (spec.tmpfs) container.withTmpFs({ ...spec.tmpfs });
  if (spec.user) container.withUser(spec.user);
  if (spec.cpus !== undefined) container.withResourcesQuota({ cpu: spec.cpus });
  if (spec.capAdd?.length) container.withAddedCapabilities(...spec.capAdd);
  return container;
}

/**
 * Docker maps a published port to a random host port from the kernel's ephemeral range, where
 * an outgoing connection of this machine may hold the same port on 127.0.0.1 for a moment: the
 * start then fails with "address already in use" (seen in the integration suite). Such a start is
 * retried with a new port, a few times.
 */
const PORT_CLASH = /address already in use|port is already allocated/i;
const PORT_CLASH_ATTEMPTS = 3;

/**
 * Runs `start` again (after `cleanUp`) while it fails on a host-port clash, up to three times in
 * all; any other failure, or the last clash, is thrown as it came.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, cleanUp: (attempt: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= PORT_CLASH_ATTEMPTS || !PORT_CLASH.test((err as Error).message)) throw err;
      await cleanUp(attempt);
    }
  }
}

/** Starts one service; a failure names it and shows its log tail (CTR_ERR_SERVICE_START). */
export async function startService(spec: ServiceSpec, run: ContainerRun): Promise<StartedTestContainer> {
  const started = Date.now();
  try {
    const running = await retryOnPortClash(
      () => toGenericContainer(spec, run).start(),
      async (attempt) => {
        run.log.warn({ service: spec.name, attempt }, `${spec.name}: its random host port was taken meanwhile; starting it again`);
        await run.docker.getContainer(containerName(run.runId, spec.name)).remove({ force: true }).catch(() => undefined);
      },
    );
    run.log.debug({ service: spec.name, elapsedMs: Date.now() - started }, `${spec.name} started`);
    return running;
  } catch (err) {
    const tail = await containerLogTail(run.docker, containerName(run.runId, spec.name));
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `${spec.name} failed to start: ${(err as Error).message}\n--- last log lines of ${spec.name} ---\n${tail.trimEnd()}`, {
      cause: err,
    });
  }
}
