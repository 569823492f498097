import { Type, type Static } from '@sinclair/typebox';
import type { ConfigIssue } from '../../lib/validate.ts';
import { listIssues } from '../../lib/validate.ts';

/**
 * Faults as data: what a plan breaks, when, and where, run by the harness during the measured
 * window (runner/faults/). `atS` counts from the start of the measured window (the end of the
 * warm-up). A target is a service of the stack as its ServiceSpec names it (`app-1`,
 * `memcached-0`, `worker-0`, `redis`, `pg-0`, `pgbouncer-1`); netem also takes a tier (`redis`,
 * `memcached`, `pgbouncer`, `postgres`), meaning every container of it. Targets are checked
 * against each configuration's stack before any container starts (runner/faults/fault-targets.ts).
 */
const AtS = Type.Number({ minimum: 0, maximum: 86_400, description: 'Seconds into the measured window (after the warm-up) when the fault starts' });
const Target = Type.String({ pattern: '^[a-z][a-z0-9-]*$', description: 'Service name (app-1, memcached-0, worker-0, redis, pg-0) or, for netem, a tier' });
const RestartAfterS = Type.Optional(
  Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Start the container again this many seconds after the fault; absent: it stays down' }),
);

const FaultVariants = [
  Type.Object(
    {
      kind: Type.Literal('kill'),
      atS: AtS,
      target: Target,
      restartAfterS: RestartAfterS,
      duringFanOut: Type.Optional(
        Type.Boolean({
          description: 'Worker targets: from atS, wait (up to 10 s) until a fan-out job is running and kill then, so the job dies half done',
        }),
      ),
    },
    { additionalProperties: false, description: 'SIGKILL a container (a crash): an app instance, a queue worker, a memcached instance (its cache is empty when it starts again)' },
  ),
  Type.Object(
    {
      kind: Type.Literal('stop'),
      atS: AtS,
      target: Target,
      restartAfterS: RestartAfterS,
      graceS: Type.Integer({ minimum: 0, maximum: 120, default: 10, description: 'SIGTERM, then SIGKILL after this many seconds (docker stop -t)' }),
    },
    { additionalProperties: false, description: 'Stop a container gracefully (a deploy or a scale-in): SIGTERM, then SIGKILL after graceS' },
  ),
  Type.Object(
    {
      kind: Type.Literal('pause'),
      atS: AtS,
      target: Target,
      durationS: Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Seconds the container stays frozen (docker pause), then unpaused' }),
    },
    { additionalProperties: false, description: 'Freeze every process of a container (a stop-the-world stall: a Redis fork, a VM migration); its sockets stay open' },
  ),
  Type.Object(
    {
      kind: Type.Literal('shard-failover'),
      atS: AtS,
      target: Type.String({ pattern: '^pg-[0-9]+$', description: "The shard's primary, pg-<index>" }),
    },
    {
      additionalProperties: false,
      description:
        "Stop a shard's primary (fast shutdown), promote its streaming replica (needs replicas: 1) and re-point the shard's pgbouncer at it (RELOAD): the app reaches the new primary without a restart",
    },
  ),
  Type.Object(
    {
      kind: Type.Literal('netem'),
      atS: AtS,
      target: Target,
      durationS: Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Seconds the impairment lasts, then removed' }),
      delayMs: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000, description: 'Added to every packet the target sends' })),
      jitterMs: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000, description: 'Random variation of delayMs' })),
      lossPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Packets dropped, percent' })),
    },
    {
      additionalProperties: false,
      description: 'Latency and loss on the egress of every container of a tier (tc netem inside the container; local image catalog: iproute2 and NET_ADMIN)',
    },
  ),
] as const;

export const FaultSchema = Type.Union([...FaultVariants]);
export type Fault = Static<typeof FaultSchema>;
export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = FaultVariants.map((v) => v.properties.kind.const);

export const FaultsSchema = Type.Array(FaultSchema, {
  maxItems: 20,
  description: 'Faults the harness injects during the measured window, each marked on the report (runner/faults). Needs the open-loop driver and no capacity search.',
});

/** When the fault's own effect ends, seconds into the window (restart, unpause, netem removed); undefined when it does not end. */
export function plannedEndS(fault: Fault): number | undefined {
  switch (fault.kind) {
    case 'kill':
    case 'stop':
      return fault.restartAfterS === undefined ? undefined : fault.atS + fault.restartAfterS;
    case 'pause':
    case 'netem':
      return fault.atS + fault.durationS;
    case 'shard-failover':
      return undefined;
  }
}

/**
 * TypeBox reports a bad union member only as "/faults/2: Expected union value"; when `kind`
 * names a variant, list that variant's own issues instead.
 */
export function explainFaults(input: unknown, lines: readonly string[]): string[] {
  const faults = (input as { faults?: unknown } | null)?.faults;
  if (!Array.isArray(faults)) return [...lines];
  return lines.flatMap((line) => {
    const match = /^\/faults\/(\d+): /.exec(line);
    if (!match) return [line];
    const fault = faults[Number(match[1])] as { kind?: unknown } | undefined;
    const variant = FaultVariants.find((v) => v.properties.kind.const === fault?.kind);
    if (!variant) return [`/faults/${match[1]}/kind: must be one of ${FAULT_KINDS.join(', ')} (got ${JSON.stringify(fault?.kind)})`];
    const detail = listIssues(variant, fault).map((i) => `/faults/${match[1]}${i.path}: ${i.message}`);
    return detail.length > 0 ? detail : [line];
  });
}

/** Rules between a plan's fields and its faults (the stack-dependent ones are checked in runner/faults/fault-targets.ts). */
export function checkFaults(plan: { faults?: readonly Fault[] | undefined; durationS: number; driver: string; search?: unknown; generators?: number | undefined }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const faults = plan.faults ?? [];
  if (faults.length === 0) return issues;
  if (plan.driver !== 'open-loop') issues.push({ path: '/faults', message: 'faults need the open-loop driver (its failure log gives the error window)' });
  if (plan.search) issues.push({ path: '/faults', message: 'a capacity search has no fixed measured window to place faults in' });
  if ((plan.generators ?? 1) > 1) issues.push({ path: '/faults', message: 'faults are timed on one generator\'s clock: run them with generators: 1' });
  faults.forEach((fault, i) => {
    if (fault.atS >= plan.durationS) issues.push({ path: `/faults/${i}/atS`, message: `must be < durationS (${plan.durationS}): a fault starts inside the measured window` });
    if (fault.kind === 'netem' && fault.delayMs === undefined && fault.lossPercent === undefined) {
      issues.push({ path: `/faults/${i}`, message: 'netem needs delayMs or lossPercent' });
    }
    if (fault.kind === 'netem' && fault.jitterMs !== undefined && fault.delayMs === undefined) {
      issues.push({ path: `/faults/${i}/jitterMs`, message: 'needs delayMs' });
    }
    if (fault.kind === 'kill' && fault.duringFanOut && !/^worker-\d+$/.test(fault.target)) {
      issues.push({ path: `/faults/${i}/duringFanOut`, message: `only a queue worker (worker-<n>) runs fan-out jobs, not ${fault.target}` });
    }
  });
  return issues;
}
