import { Type, type Static } from '@sinclair/typebox';

/**
 * A machine (or a group of identical machines). Its cores are shared by processor sharing among
 * the jobs in CPU service on it, whatever station they belong to: co-located stations slow each
 * other down (exact in the DES; approximated in analytical/host-contention.ts).
 */
export const HostSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    cores: Type.Integer({ minimum: 1, description: 'CPU cores (vCPUs) of one machine.' }),
    replicas: Type.Integer({
      minimum: 1,
      default: 1,
      description:
        'Identical machines in this group, each with its own copy of every station and pool on it. A request picks ' +
        'one uniformly at random at its first step on the group and keeps it (load balancer per request, shard hash per request).',
    }),
    speedFactor: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      description: 'Core speed relative to the core the demands were measured on: a demand of d CPU-seconds takes d / speedFactor.',
    }),
  },
  { additionalProperties: false },
);
export type Host = Static<typeof HostSchema>;
