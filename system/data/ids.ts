/**
 * Instagram's 2011 ID layout ("Sharding & IDs at Instagram", see docs/facts.md):
 * 41 bits of milliseconds since a custom epoch, 13 bits of logical shard, 10 bits of
 * a per-shard sequence taken mod 1024. IDs are minted in Postgres by `next_id()`
 * (see {@link nextIdFunctionSql}); this module is the TypeScript twin used to decode
 * them and to mint deterministic IDs for seeded datasets.
 */

/** The epoch Instagram used: 2011-08-24T21:07:01.721Z. */
export const INSTAGRAM_EPOCH_MS = 1314220021721;
export const TIME_BITS = 41;
export const SHARD_BITS = 13;
export const SEQUENCE_BITS = 10;
export const MAX_LOGICAL_SHARDS = 1 << SHARD_BITS; // 8192
export const SEQUENCE_MODULUS = 1 << SEQUENCE_BITS; // 1024

const SHARD_SHIFT = BigInt(SEQUENCE_BITS);
const TIME_SHIFT = BigInt(SHARD_BITS + SEQUENCE_BITS);
const SHARD_MASK = BigInt(MAX_LOGICAL_SHARDS - 1);
const SEQUENCE_MASK = BigInt(SEQUENCE_MODULUS - 1);
const MAX_TIME = (1n << BigInt(TIME_BITS)) - 1n;

export interface DecodedId {
  /** Milliseconds since the Unix epoch at which the ID was minted. */
  timeMs: number;
  logicalShard: number;
  sequence: number;
}

export interface EncodeIdInput {
  timeMs: number;
  logicalShard: number;
  sequence: number;
  epochMs?: number;
}

export function encodeId({ timeMs, logicalShard, sequence, epochMs = INSTAGRAM_EPOCH_MS }: EncodeIdInput): bigint {
  const sinceEpoch = BigInt(Math.floor(timeMs - epochMs));
  if (sinceEpoch < 0n || sinceEpoch > MAX_TIME) {
    throw new RangeError(`timeMs ${timeMs} is outside the 41-bit window after epoch ${epochMs}`);
  }
  if (!Number.isInteger(logicalShard) || logicalShard < 0 || logicalShard >= MAX_LOGICAL_SHARDS) {
    throw new RangeError(`logicalShard must be an integer in [0, ${MAX_LOGICAL_SHARDS}), got ${logicalShard}`);
  }
  const seq = BigInt(((sequence % SEQUENCE_MODULUS) + SEQUENCE_MODULUS) % SEQUENCE_MODULUS);
  return (sinceEpoch << TIME_SHIFT) | (BigInt(logicalShard) << SHARD_SHIFT) | seq;
}

export function decodeId(id: bigint | string, epochMs = INSTAGRAM_EPOCH_MS): DecodedId {
  const value = typeof id === 'string' ? parseId(id) : id;
  return {
    timeMs: Number(value >> TIME_SHIFT) + epochMs,
    logicalShard: Number((value >> SHARD_SHIFT) & SHARD_MASK),
    sequence: Number(value & SEQUENCE_MASK),
  };
}

/** The logical shard an ID was minted on: the routing key for every row it owns. */
export function shardOfId(id: bigint | string): number {
  const value = typeof id === 'string' ? parseId(id) : id;
  return Number((value >> SHARD_SHIFT) & SHARD_MASK);
}

const ID_PATTERN = /^[1-9][0-9]{0,18}$/;

/** Parses a decimal ID string; throws RangeError on anything that is not a positive signed 64-bit integer. */
export function parseId(text: string): bigint {
  if (!ID_PATTERN.test(text)) throw new RangeError(`not an ID: ${JSON.stringify(text).slice(0, 40)}`);
  const value = BigInt(text);
  if (value > 0x7fffffffffffffffn) throw new RangeError('ID exceeds 63 bits');
  return value;
}

export function isId(text: string): boolean {
  return ID_PATTERN.test(text) && BigInt(text) <= 0x7fffffffffffffffn;
}

/** Name of the Postgres schema that holds one logical shard. */
export function schemaName(logicalShard: number): string {
  return `shard_${String(logicalShard).padStart(4, '0')}`;
}

/**
 * PL/pgSQL for one logical shard's `next_id()`, the default of every ID column: Instagram's 2011
 * function with one change. The published function reads `nextval()` and then the clock; a
 * backend descheduled between the two stamps its sequence value with a later millisecond, and
 * once other backends have moved the shared sequence on by 1024, a later call repeats the ID
 * (ids.int.test.ts sees duplicates with 8 writers at ~300 IDs per ms, far below the documented
 * 1024). Here the clock is read before and after `nextval()` and the call retries when they
 * differ, so an ID's millisecond is the one its sequence value was issued in, and two IDs can
 * only collide beyond 1024 IDs per shard per ms: the documented limit. It is also faster
 * (bench/ids.bench.ts). {@link publishedNextIdFunctionSql} keeps the 2011 text for comparison.
 */
export function nextIdFunctionSql(logicalShard: number, epochMs = INSTAGRAM_EPOCH_MS): string {
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

/**
 * The `next_id()` exactly as "Sharding & IDs at Instagram" (2011) published it, with the epoch
 * and shard baked in. Not used by the service: it can repeat IDs under concurrency (see
 * {@link nextIdFunctionSql}); kept so tests and benchmarks can show the difference.
 */
export function publishedNextIdFunctionSql(logicalShard: number, epochMs = INSTAGRAM_EPOCH_MS): string {
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
  SELECT nextval('${schema}.id_seq') % ${SEQUENCE_MODULUS} INTO seq_id;
  SELECT FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) INTO now_millis;
  result := (now_millis - our_epoch) << ${SHARD_BITS + SEQUENCE_BITS};
  result := result | (shard_id << ${SEQUENCE_BITS});
  result := result | (seq_id);
END;
$$ LANGUAGE plpgsql;`;
}
