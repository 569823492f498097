import { Type, type Static } from '@sinclair/typebox';

/**
 * A token pool: pgbouncer's server pool per shard, a pg.Pool per app instance. A route acquires a
 * token (waiting FIFO when none is free), holds it across the steps up to the matching release.
 */
export const PoolSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    size: Type.Integer({ minimum: 1, description: 'Tokens (connections) in one copy of the pool.' }),
    hostId: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Replicate the pool with this host group (one copy per machine, e.g. pgbouncer's pool per shard host). Omitted: one pool for the fleet.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type Pool = Static<typeof PoolSchema>;
