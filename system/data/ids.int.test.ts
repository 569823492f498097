import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SEQUENCE_MODULUS, decodeId, nextIdFunctionSql, publishedNextIdFunctionSql, schemaName, shardOfId } from './ids.ts';

// The real next_id() (nextIdFunctionSql) on a real Postgres, reached through pgbouncer in
// transaction mode like the app reaches it. It lives in scratch schemas of logical shards the
// shared stack does not use, dropped afterwards.
const stack = inject('stack');
const endpoint = stack.shards[0]!;
const WRITER_SHARD = 8191; // the top shard: all 13 shard bits set
const RACE_FREE_SHARD = 8190; // the service's next_id() (system/data/ids.ts); the others run the published 2011 text
const EXTRA_SHARDS = [2730, 5461]; // 0b0101010101010 and 0b1010101010101: alternating shard bits
const SCRATCH_SHARDS = [WRITER_SHARD, RACE_FREE_SHARD, ...EXTRA_SHARDS];
const WRITERS = 8;
const IDS_PER_WRITER = 5_000;
// Pacing keeps every run below the scheme's documented limit (1024 IDs per shard per ms) on any
// machine: each writer waits >= 1 ms between batches, so no millisecond holds more than one
// batch per writer, i.e. at most WRITERS * BATCH = 800 sequence values.
const BATCH = 100;
const PAUSE_MS = 1;

function connect(): pg.Client {
  return new pg.Client({ host: endpoint.host, port: endpoint.port, user: endpoint.user, password: endpoint.password, database: endpoint.database });
}

let admin: pg.Client;

async function dbNowMs(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ ms: string }>(`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms`);
  return Number(rows[0]!.ms);
}

async function mint(client: pg.Client, shard: number, count: number): Promise<bigint[]> {
  const { rows } = await client.query<{ id: string }>(`SELECT ${schemaName(shard)}.next_id()::text AS id FROM generate_series(1, ${count})`);
  return rows.map((r) => BigInt(r.id));
}

beforeAll(async () => {
  // A scratch shard must never be one the stack's own schemas use.
  expect(Math.min(...SCRATCH_SHARDS)).toBeGreaterThanOrEqual(stack.config.logicalShards);
  admin = connect();
  await admin.connect();
  for (const shard of SCRATCH_SHARDS) {
    const schema = schemaName(shard);
    const fn = shard === RACE_FREE_SHARD ? nextIdFunctionSql(shard) : publishedNextIdFunctionSql(shard);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; ${fn}`);
  }
});

afterAll(async () => {
  if (!admin) return;
  for (const shard of SCRATCH_SHARDS) await admin.query(`DROP SCHEMA IF EXISTS ${schemaName(shard)} CASCADE`);
  await admin.end();
});

interface ConcurrentRun {
  total: number;
  duplicates: number;
  busiestMsCount: number;
  spanMs: number;
  wrapsInsideOneMs: number;
}

/**
 * 8 connections mint 5,000 IDs each from one shard's next_id() at once and every property of
 * the scheme except global uniqueness is asserted here; the caller decides about uniqueness.
 */
async function mintConcurrentlyAndCheck(shard: number): Promise<ConcurrentRun> {
  const clients = Array.from({ length: WRITERS }, connect);
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const hostBeforeMs = Date.now();
    const dbBeforeMs = await dbNowMs(admin);
    // Each writer asks in paced batches so that the eight streams interleave on the server.
    const perWriter = await Promise.all(
      clients.map(async (client) => {
        const ids: bigint[] = [];
        while (ids.length < IDS_PER_WRITER) {
          ids.push(...(await mint(client, shard, BATCH)));
          await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        }
        return ids;
      }),
    );
    const dbAfterMs = await dbNowMs(admin);
    const hostAfterMs = Date.now();
    const all = perWriter.flat();
    expect(all).toHaveLength(WRITERS * IDS_PER_WRITER);
    const decoded = all.map((id) => decodeId(id));

    // The documented limit: 1024 IDs per shard per ms. Above it the sequence wraps inside one
    // millisecond and IDs must repeat, so the run has to stay below it to prove anything
    // (the pacing guarantees it; this checks the pacing).
    const perMs = new Map<number, number>();
    for (const d of decoded) perMs.set(d.timeMs, (perMs.get(d.timeMs) ?? 0) + 1);
    const busiestMsCount = Math.max(...perMs.values());
    const spanMs = Math.max(...perMs.keys()) - Math.min(...perMs.keys()) + 1;
    expect(busiestMsCount, 'more than 1024 IDs in one ms: the documented limit was exceeded').toBeLessThanOrEqual(SEQUENCE_MODULUS);

    // Every ID carries the shard whose next_id() minted it.
    expect(all.filter((id) => shardOfId(id) !== shard)).toEqual([]);

    // Minted now: inside the database's clock window of the run, and that clock is the host's.
    expect(decoded.filter((d) => d.timeMs < dbBeforeMs || d.timeMs > dbAfterMs)).toEqual([]);
    expect(Math.abs(dbBeforeMs - hostBeforeMs)).toBeLessThan(3_000);
    expect(Math.abs(dbAfterMs - hostAfterMs)).toBeLessThan(3_000);

    // Per writer, in the order received: time never goes back. An ID may be smaller than the one
    // before it only when the shared sequence wrapped 1023 -> 0 inside the same millisecond.
    let wrapsInsideOneMs = 0;
    for (const ids of perWriter) {
      for (let i = 1; i < ids.length; i++) {
        const prev = decodeId(ids[i - 1]!);
        const cur = decodeId(ids[i]!);
        expect(cur.timeMs).toBeGreaterThanOrEqual(prev.timeMs);
        if (ids[i]! < ids[i - 1]!) {
          wrapsInsideOneMs += 1;
          expect(cur.timeMs).toBe(prev.timeMs);
          expect(cur.sequence).toBeLessThan(prev.sequence);
        }
      }
    }

    // Across writers: sorting by ID is sorting by (time, sequence).
    const byId = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const byTimeThenSeq = [...all].sort((a, b) => {
      const da = decodeId(a);
      const db = decodeId(b);
      return da.timeMs - db.timeMs || da.sequence - db.sequence;
    });
    expect(byId).toEqual(byTimeThenSeq);

    const run = { total: all.length, duplicates: all.length - new Set(all).size, busiestMsCount, spanMs, wrapsInsideOneMs };
    console.log(
      `shard ${shard}: ${run.total} IDs from ${WRITERS} writers in ${spanMs} ms (${Math.round(run.total / spanMs)} IDs/ms on average, ` +
        `busiest ms ${busiestMsCount}, limit ${SEQUENCE_MODULUS}); duplicates ${run.duplicates}; ` +
        `${wrapsInsideOneMs} in-writer ID decrease(s) from a sequence wrap within one ms`,
    );
    return run;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

describe('next_id() on a real Postgres through pgbouncer', () => {
  it(`the published 2011 next_id() mints ${WRITERS * IDS_PER_WRITER} time-ordered IDs of one shard for ${WRITERS} concurrent writers, with rare duplicates`, async () => {
    // The published 2011 function: shard, time and order hold. Uniqueness does NOT always hold:
    // a backend descheduled between nextval() and clock_timestamp() stamps its sequence value
    // with a later millisecond, and once the others advance the sequence by 1024 the same ID
    // comes out again at a few hundred IDs per ms (seen in most runs on a 2-core machine). The
    // count is reported here; the service's function (system/data/ids.ts) is held to strict uniqueness below.
    const run = await mintConcurrentlyAndCheck(WRITER_SHARD);
    expect(run.duplicates).toBeLessThan(run.total / 1000);
  });

  it(`the service's next_id() mints ${WRITERS * IDS_PER_WRITER} unique, time-ordered IDs of one shard for ${WRITERS} concurrent writers`, async () => {
    for (let round = 0; round < 3; round++) {
      const run = await mintConcurrentlyAndCheck(RACE_FREE_SHARD);
      expect(run.duplicates).toBe(0);
    }
  });

  it('encodes the minting schema\'s shard in every ID, for several shards on one host', async () => {
    for (const shard of SCRATCH_SHARDS) {
      const ids = await mint(admin, shard, 200);
      expect(new Set(ids.map(shardOfId))).toEqual(new Set([shard]));
      // A fresh sequence starts at 1, so the first IDs carry sequences 1, 2, 3, ... (mod 1024).
      if (EXTRA_SHARDS.includes(shard)) expect(ids.slice(0, 3).map((id) => decodeId(id).sequence)).toEqual([1, 2, 3]);
    }
  });

  it('wraps silently past 2^40 ms after the epoch: Postgres bigint << overflows into the sign bit', async () => {
    // next_id() computes (now_millis - our_epoch) << 23 on bigint; int8shl has no overflow check,
    // so from 2046-06-27 (epoch + 2^40 ms) on the same function would return negative IDs.
    const { rows } = await admin.query<{ last: string; first_bad: string }>(
      `SELECT ((1099511627775::bigint << 23) | (8191 << 10) | 1023)::text AS last, (1099511627776::bigint << 23)::text AS first_bad`,
    );
    expect(rows[0]).toEqual({ last: '9223372036854775807', first_bad: '-9223372036854775808' });
  });
});
