import { INSTAGRAM_EPOCH_MS, SEQUENCE_BITS, SEQUENCE_MODULUS, SHARD_BITS, schemaName } from '../system/data/ids.ts';

/**
 * A candidate fix for the published 2011 `next_id()` (system/data/ids.ts nextIdFunctionSql),
 * same layout, same sequence, same schema objects.
 *
 * Why: the published function reads `nextval()` and then `clock_timestamp()`. A backend
 * descheduled between the two stamps its sequence value with a later millisecond; if other
 * backends advance the shared sequence by 1024 meanwhile, a later call gets the same
 * sequence mod 1024 in that same millisecond and the ID repeats, at rates far below the
 * documented 1024 IDs per shard per ms (ids.int.test.ts observes it with 8 writers on 2 cores).
 *
 * Fix: read the clock before and after `nextval()` and retry when they differ, so that the
 * millisecond in an ID is the one in which its sequence value was issued. Two IDs can then only
 * collide if more than 1024 sequence values were issued within one real millisecond, which is
 * exactly the documented limit. The retry burns a sequence value, which is harmless.
 */
export function raceFreeNextIdFunctionSql(logicalShard: number, epochMs = INSTAGRAM_EPOCH_MS): string {
  const schema = schemaName(logicalShard);
  return `
CREATE SEQUENCE IF NOT EXISTS ${schema}.id_seq;
CREATE OR REPLACE FUNCTION ${schema}.next_id(OUT result bigint) AS $$
DECLARE
  our_epoch bigint := ${epochMs};
  seq_id bigint;
  now_millis bigint;
  shard_id int := ${logicalShard};
BEGIN
  LOOP
    now_millis := FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000);
    seq_id := nextval('${schema}.id_seq') % ${SEQUENCE_MODULUS};
    EXIT WHEN FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) = now_millis;
  END LOOP;
  result := (now_millis - our_epoch) << ${SHARD_BITS + SEQUENCE_BITS};
  result := result | (shard_id << ${SEQUENCE_BITS});
  result := result | (seq_id);
END;
$$ LANGUAGE plpgsql;`;
}
