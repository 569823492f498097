import { checkHttpOk, checkMemcached } from '../../containers/readiness.ts';
import { APP_PORT } from '../../containers/services/app-service.ts';
import { MEMCACHED_PORT } from '../../containers/services/memcached-service.ts';
import { WORKER_METRICS_PORT } from '../../containers/services/worker-service.ts';
import { type FaultContext, containerOf, execOk, mappedPort, waitUntil } from './fault-containers.ts';

/** How long a restarted service may take to answer again. */
const READY_TIMEOUT_MS = 60_000;

/** SIGKILL: the process dies mid-request, as in a crash or an OOM kill. */
export async function killService(ctx: FaultContext, service: string): Promise<void> {
  const container = await containerOf(ctx, service);
  await container.kill({ signal: 'SIGKILL' });
  await waitUntil(`${service} to exit after SIGKILL`, 30_000, async () => !(await container.inspect()).State.Running);
}

/** docker stop: SIGTERM (the service drains), SIGKILL after graceS. */
export async function stopService(ctx: FaultContext, service: string, graceS: number): Promise<void> {
  const container = await containerOf(ctx, service);
  await container.stop({ t: graceS });
}

/**
 * Starts a stopped service's container again (same configuration, same network alias) and waits
 * until it answers: an app its /health/ready, a worker its /health, memcached a version request.
 * A restarted container may get a new address, so nginx is reloaded after an app comes back (it
 * resolves its upstreams when it loads its configuration, as an operator's re-registration
 * would). `onStep` is told each milestone as it is passed.
 */
export async function restartService(ctx: FaultContext, service: string, onStep: (step: string) => void, signal?: AbortSignal): Promise<void> {
  const container = await containerOf(ctx, service);
  await container.start();
  onStep('started');
  const tier = /^(app|worker|memcached)-\d+$/.exec(service)?.[1];
  if (tier === 'app') {
    const port = await mappedPort(container, APP_PORT);
    await waitUntil(`${service} to answer /health/ready`, READY_TIMEOUT_MS, () => checkHttpOk(`http://127.0.0.1:${port}/health/ready`).then(() => true), signal);
    onStep('ready');
    await execOk(await containerOf(ctx, 'nginx'), ['nginx', '-s', 'reload']);
    onStep('nginx reloaded');
  } else if (tier === 'worker') {
    const port = await mappedPort(container, WORKER_METRICS_PORT);
    await waitUntil(`${service} to answer /health`, READY_TIMEOUT_MS, () => checkHttpOk(`http://127.0.0.1:${port}/health`).then(() => true), signal);
    onStep('ready');
  } else if (tier === 'memcached') {
    const port = await mappedPort(container, MEMCACHED_PORT);
    await waitUntil(`${service} to answer`, READY_TIMEOUT_MS, () => checkMemcached(`127.0.0.1:${port}`).then(() => true), signal);
    onStep('ready');
  } else {
    await waitUntil(`${service} to run`, READY_TIMEOUT_MS, async () => (await container.inspect()).State.Running, signal);
    onStep('ready');
  }
}
