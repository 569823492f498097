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

/** Starts one service; a failure names it and shows its log tail (CTR_ERR_SERVICE_START). */
export async function startService(spec: ServiceSpec, run: ContainerRun): Promise<StartedTestContainer> {
  const started = Date.now();
  try {
    const running = await toGenericContainer(spec, run).start();
    run.log.debug({ service: spec.name, elapsedMs: Date.now() - started }, `${spec.name} started`);
    return running;
  } catch (err) {
    const tail = await containerLogTail(run.docker, containerName(run.runId, spec.name));
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `${spec.name} failed to start: ${(err as Error).message}\n--- last log lines of ${spec.name} ---\n${tail.trimEnd()}`, {
      cause: err,
    });
  }
}
