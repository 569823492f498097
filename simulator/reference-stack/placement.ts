import { Type, type Static } from '@sinclair/typebox';

/**
 * Where the stack's containers run: which tier instances share which cores. The same calibrated
 * demands give different latency on different placements, and that is the point: a run on this
 * machine puts every container (and the load generator) on one host's cores, the architecture
 * it stands for gives each tier instance a machine of its own.
 *
 *   shared     every container and the load generator share `cores` (the measured placement);
 *              other work on the machine (`foreignCores`) shares them too. CPU quotas
 *              (StackConfig.cpus) cap a container at its quota.
 *   dedicated  one host of `coresPerHost` cores per tier instance (nginx, each app instance,
 *              each pgbouncer and Postgres, Redis, each memcached, each worker, the object
 *              store); the load generator and its port proxy on a client host of their own.
 */
export const PlacementSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('shared'),
      cores: Type.Integer({ minimum: 1, description: 'Cores of the one machine.' }),
      foreignCores: Type.Number({ minimum: 0, default: 0, description: 'Cores other work on the machine keeps busy (other jobs, other tests).' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('dedicated'),
      coresPerHost: Type.Integer({ minimum: 1, description: 'Cores of each tier instance’s host.' }),
      /** Cores of each Postgres host (default coresPerHost): databases are often bigger machines. */
      postgresCores: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
]);
export type Placement = Static<typeof PlacementSchema>;

export function describePlacement(placement: Placement): string {
  if (placement.kind === 'shared') {
    const foreign = placement.foreignCores > 0 ? `, ${placement.foreignCores.toFixed(2)} cores busy with other work` : '';
    return `every container on one ${placement.cores}-core host${foreign}`;
  }
  return `one ${placement.coresPerHost}-core host per tier instance${placement.postgresCores ? ` (Postgres ${placement.postgresCores} cores)` : ''}`;
}
