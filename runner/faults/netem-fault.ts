import type { Fault } from '../../scenarios/plans/fault-schema.ts';
import { type FaultContext, containerOf, execIn } from './fault-containers.ts';

type NetemFault = Extract<Fault, { kind: 'netem' }>;

/** The tc arguments of a netem fault: `delay 50ms 10ms loss 1%`. */
export function netemArgs(fault: Pick<NetemFault, 'delayMs' | 'jitterMs' | 'lossPercent'>): string[] {
  const args: string[] = [];
  if (fault.delayMs !== undefined) args.push('delay', `${fault.delayMs}ms`, ...(fault.jitterMs !== undefined ? [`${fault.jitterMs}ms`] : []));
  if (fault.lossPercent !== undefined) args.push('loss', `${fault.lossPercent}%`);
  return args;
}

/**
 * Adds netem to the egress of a service's container (`tc qdisc replace dev eth0 root netem ...`),
 * run as root inside it: the container needs NET_ADMIN (ServiceSpec.capAdd) and an image with
 * iproute2 (the local catalog's images of the tiers netem can target).
 */
export async function addNetem(ctx: FaultContext, service: string, fault: NetemFault): Promise<void> {
  await tc(ctx, service, ['qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', ...netemArgs(fault)]);
}

export async function removeNetem(ctx: FaultContext, service: string): Promise<void> {
  await tc(ctx, service, ['qdisc', 'del', 'dev', 'eth0', 'root']);
}

async function tc(ctx: FaultContext, service: string, args: readonly string[]): Promise<void> {
  const container = await containerOf(ctx, service);
  let result;
  try {
    result = await execIn(container, ['tc', ...args], { user: 'root' });
  } catch (err) {
    throw new Error(`tc in ${service}: ${(err as Error).message}`);
  }
  if (result.exitCode === 126 || result.exitCode === 127 || /executable file not found/.test(result.output)) {
    throw new Error(`${service}'s image has no tc: netem needs the local image catalog (--catalog local), whose images carry iproute2`);
  }
  if (/Operation not permitted/.test(result.output)) throw new Error(`${service} lacks NET_ADMIN: tc ${args.join(' ')} was refused`);
  // The qdisc lives in the host's kernel: a kernel built without CONFIG_NET_SCH_NETEM (some VM kernels) cannot run netem at all.
  if (/qdisc kind is unknown/.test(result.output)) throw new Error(`this host's kernel has no netem (CONFIG_NET_SCH_NETEM is not set): network faults cannot run here (tc in ${service}: ${result.output.trim().slice(-120)})`);
  if (result.exitCode !== 0) throw new Error(`tc ${args.join(' ')} in ${service} exited ${result.exitCode}: ${result.output.trim().slice(-300)}`);
}
