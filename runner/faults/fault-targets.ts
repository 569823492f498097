import { FeedscaleError } from '../../lib/errors.ts';
import { OBJECT_STORE_FLAVOURS, OFFICIAL_IMAGES, type ResolvedCatalog } from '../../containers/images/image-catalog.ts';
import type { ServiceTier } from '../../containers/service-spec.ts';
import { describeStack } from '../../containers/stack-description.ts';
import type { StackConfig } from '../../containers/stack-config.ts';
import type { Fault } from '../../scenarios/plans/fault-schema.ts';

/** A catalog for naming only: describeStack needs images, and names do not depend on them. */
const NAMING_CATALOG: ResolvedCatalog = {
  requested: 'official',
  kind: 'official',
  reason: 'service names only',
  images: { ...OFFICIAL_IMAGES, app: 'feedscale/app:naming' },
  objectStore: OBJECT_STORE_FLAVOURS.official,
};

/** Tiers whose local images carry iproute2 and whose ServiceSpecs add NET_ADMIN: what netem can target. */
export const NETEM_TIERS: readonly ServiceTier[] = ['redis', 'memcached', 'pgbouncer', 'postgres'];

/** Every service of a stack with its tier, named as the ServiceSpecs name them (the one source: describeStack). */
export function stackServices(config: Readonly<StackConfig>): Array<{ name: string; tier: ServiceTier }> {
  return describeStack(config, NAMING_CATALOG, { objectStoreUrl: 'http://127.0.0.1:1', cdnUrl: 'http://127.0.0.1:1' }).map((s) => ({ name: s.name, tier: s.tier }));
}

/** What is wrong with one fault on one stack, or null. */
export function faultTargetIssue(fault: Fault, config: Readonly<StackConfig>): string | null {
  const services = stackServices(config);
  const names = services.map((s) => s.name);
  const has = (name: string) => names.includes(name);
  const listed = (tier: ServiceTier) => services.filter((s) => s.tier === tier).map((s) => s.name).join(', ') || 'none';
  switch (fault.kind) {
    case 'kill':
    case 'stop': {
      const tier = /^(app|worker|memcached)-\d+$/.exec(fault.target)?.[1] as ServiceTier | undefined;
      if (!tier) return `${fault.kind} takes an app instance, a queue worker or a memcached instance (app-<n>, worker-<n>, memcached-<n>), not ${fault.target}`;
      if (!has(fault.target)) return `${fault.target} is not in this stack (its ${tier} services: ${listed(tier)})`;
      if (fault.kind === 'kill' && fault.duringFanOut && config.fanOut !== 'queue') return 'duringFanOut needs fanOut "queue" (workers run the fan-out)';
      return null;
    }
    case 'pause':
      return has(fault.target) ? null : `${fault.target} is not in this stack (services: ${names.join(', ')})`;
    case 'shard-failover':
      if (!has(fault.target)) return `${fault.target} is not in this stack (its primaries: ${listed('postgres')})`;
      if (!has(`${fault.target}-replica`)) return `${fault.target} has no streaming replica to promote: the stack needs replicas: 1`;
      return null;
    case 'netem': {
      const tier = services.find((s) => s.name === fault.target)?.tier ?? (fault.target as ServiceTier);
      if (!NETEM_TIERS.includes(tier)) return `netem takes a tier (${NETEM_TIERS.join(', ')}) or one of its services, not ${fault.target}`;
      if (!services.some((s) => s.tier === tier)) return `the stack has no ${tier} service (is it off in this configuration?)`;
      return null;
    }
  }
}

/**
 * Every plan's faults against every configuration's stack, before any container starts: a target
 * that a stack does not have is a CFG_ERR_INVALID naming the plan, the field and the configuration.
 */
export function checkFaultTargets(plans: ReadonlyArray<{ name: string; faults?: readonly Fault[] | undefined }>, configurations: ReadonlyArray<{ name: string; stack: Readonly<StackConfig> }>): void {
  const issues: string[] = [];
  for (const plan of plans) {
    (plan.faults ?? []).forEach((fault, i) => {
      for (const configuration of configurations) {
        const issue = faultTargetIssue(fault, configuration.stack);
        if (issue) issues.push(`plan ${plan.name} /faults/${i}/target: ${issue} (configuration "${configuration.name}")`);
      }
    });
  }
  if (issues.length > 0) throw new FeedscaleError('CFG_ERR_INVALID', `faults that the stack cannot run:\n  ${issues.join('\n  ')}`, { details: issues });
}
