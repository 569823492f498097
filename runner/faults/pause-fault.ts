import { type FaultContext, containerOf } from './fault-containers.ts';

/**
 * docker pause: every process of the container is frozen (cgroup freezer); its sockets stay
 * open and the kernel keeps accepting bytes for it, so clients see a stall, not an error, until
 * their own timeouts fire. A paused container is still removed by the teardown (rm --force).
 */
export async function pauseService(ctx: FaultContext, service: string): Promise<void> {
  await (await containerOf(ctx, service)).pause();
}

export async function unpauseService(ctx: FaultContext, service: string): Promise<void> {
  const container = await containerOf(ctx, service);
  if ((await container.inspect()).State.Paused) await container.unpause();
}
