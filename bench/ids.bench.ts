/**
 * ID benchmark: how many IDs per second can one logical shard's `next_id()` mint, next to a
 * bare Postgres sequence measured in the same run on the same connections?
 *
 * Load shape: a minimal stack (containers/stack.ts: 1 physical shard, 1 logical shard, behind
 * pgbouncer in transaction mode, as the app reaches it). Each variant runs DURATION_S seconds
 * (after WARMUP_S) of back-to-back `SELECT <expr> FROM generate_series(1, ROWS_PER_QUERY)`,
 * first on one connection, then on CONCURRENT_CONNECTIONS connections at once, all on ONE
 * shard. Variants:
 *   - baseline: `nextval()` of a plain sequence (what every ID costs at the least);
 *   - next_id() 2011: the function exactly as published (ids.ts publishedNextIdFunctionSql), in a scratch schema;
 *   - next_id() race-free: the stack's real shard_0000.next_id() (ids.ts nextIdFunctionSql), which
 *     reads the clock before and after nextval() so IDs cannot repeat below 1024 per ms.
 * Every next_id row is also checked: duplicates in what it returned, and the busiest
 * millisecond against the scheme's 1024 IDs per shard per ms ("Sharding & IDs at Instagram").
 *
 * Target: the service's (race-free) next_id() sustains >= 0.2x the nextval() rate on one connection (the
 * PL/pgSQL wrapper, a clock read and three bigint ops cost at most 5 bare sequence calls) and
 * >= 10,000 IDs/s per shard (400x the 2011 fleet-wide peak of 25 photos/s, docs/facts.md).
 * The machine is shared and small; ratios are the number to read, absolute rates are context.
 * Results also go to out/bench/ids.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ExitCode } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import type { ShardEndpoint } from '../lib/stack-endpoints.ts';
import { startMinimalStack } from '../experiments/minimal-stack.ts';
import { SEQUENCE_BITS, SEQUENCE_MODULUS, SHARD_BITS, publishedNextIdFunctionSql, schemaName } from '../system/data/ids.ts';
import { fmtRatio, printTable } from './table.ts';

const DURATION_S = 3;
const WARMUP_S = 0.5;
const ROWS_PER_QUERY = 10_000;
const CONCURRENT_CONNECTIONS = 8;
const TARGET_RATIO = 0.2;
const TARGET_IDS_PER_S = 10_000;
const PUBLISHED_SHARD = 1; // a scratch schema with the published 2011 function: the minimal stack only uses logical shard 0
const OUT_FILE = join('out', 'bench', 'ids.json');
const TIME_SHIFT = BigInt(SHARD_BITS + SEQUENCE_BITS);

interface Variant {
  name: string;
  expr: string;
  /** Whether the values are IDs in the 2011 layout (checked for duplicates and per-ms load). */
  isId: boolean;
}

interface Row {
  variant: string;
  connections: number;
  ids: number;
  elapsedS: number;
  idsPerS: number;
  ratioToBaseline: number;
  busiestMsIds: number | undefined;
  duplicates: number | undefined;
}

const VARIANTS: readonly Variant[] = [
  { name: 'baseline nextval()', expr: `nextval('bench_ids_baseline_seq')`, isId: false },
  { name: 'next_id() 2011', expr: `${schemaName(PUBLISHED_SHARD)}.next_id()`, isId: true },
  { name: 'next_id() race-free', expr: `${schemaName(0)}.next_id()`, isId: true },
];

function client(s: ShardEndpoint): pg.Client {
  return new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database });
}

/** Runs the query loop on every client until `durationS` has passed; returns the values in order per client. */
async function loop(clients: readonly pg.Client[], expr: string, durationS: number, keep: boolean): Promise<{ count: number; elapsedS: number; values: string[][] }> {
  const sql = `SELECT (${expr})::text AS v FROM generate_series(1, ${ROWS_PER_QUERY})`;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const values: string[][] = clients.map(() => []);
  const counts = await Promise.all(
    clients.map(async (c, i) => {
      let count = 0;
      while (performance.now() < deadline) {
        const { rows } = await c.query<{ v: string }>(sql);
        count += rows.length;
        if (keep) for (const r of rows) values[i]!.push(r.v);
      }
      return count;
    }),
  );
  return { count: counts.reduce((a, b) => a + b, 0), elapsedS: (performance.now() - started) / 1000, values };
}

function idStats(values: readonly string[][]): { busiestMsIds: number; duplicates: number } {
  const all = values.flat();
  const perMs = new Map<bigint, number>();
  for (const v of all) {
    const ms = BigInt(v) >> TIME_SHIFT;
    perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
  }
  return { busiestMsIds: Math.max(0, ...perMs.values()), duplicates: all.length - new Set(all).size };
}

const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'warn');
console.log('ids bench: starting a minimal stack (1 physical shard, 1 logical shard, pgbouncer)...');
await using stack = await startMinimalStack(log);
const endpoint = stack.shards[0]!;
const clients = Array.from({ length: CONCURRENT_CONNECTIONS }, () => client(endpoint));
await Promise.all(clients.map((c) => c.connect()));
const admin = clients[0]!;
const scratch = schemaName(PUBLISHED_SHARD);
await admin.query(
  `CREATE SEQUENCE IF NOT EXISTS bench_ids_baseline_seq; DROP SCHEMA IF EXISTS ${scratch} CASCADE; CREATE SCHEMA ${scratch}; ${publishedNextIdFunctionSql(PUBLISHED_SHARD)}`,
);

const rows: Row[] = [];
for (const connections of [1, CONCURRENT_CONNECTIONS]) {
  const used = clients.slice(0, connections);
  let baselineRate = Number.NaN;
  for (const variant of VARIANTS) {
    process.stdout.write(`  ${variant.name} on ${connections} connection(s)... `);
    await loop(used, variant.expr, WARMUP_S, false);
    const run = await loop(used, variant.expr, DURATION_S, variant.isId);
    const idsPerS = run.count / run.elapsedS;
    if (!variant.isId) baselineRate = idsPerS;
    const stats = variant.isId ? idStats(run.values) : undefined;
    rows.push({
      variant: variant.name,
      connections,
      ids: run.count,
      elapsedS: run.elapsedS,
      idsPerS,
      ratioToBaseline: idsPerS / baselineRate,
      busiestMsIds: stats?.busiestMsIds,
      duplicates: stats?.duplicates,
    });
    console.log(`${Math.round(idsPerS)} IDs/s`);
  }
}
await admin.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE; DROP SEQUENCE IF EXISTS bench_ids_baseline_seq`);
await Promise.all(clients.map((c) => c.end()));

console.log();
printTable(
  ['variant', 'connections', 'IDs', 'IDs/s per shard', 'vs nextval()', 'busiest ms', 'duplicates'],
  rows.map((r) => [
    r.variant,
    String(r.connections),
    String(r.ids),
    r.idsPerS.toFixed(0),
    fmtRatio(r.ratioToBaseline),
    r.busiestMsIds === undefined ? '-' : `${r.busiestMsIds}/${SEQUENCE_MODULUS}`,
    r.duplicates === undefined ? '-' : String(r.duplicates),
  ]),
);

const single = rows.find((r) => r.variant === 'next_id() race-free' && r.connections === 1)!;
const best = Math.max(...rows.filter((r) => r.variant === 'next_id() race-free').map((r) => r.idsPerS));
const pass = single.ratioToBaseline >= TARGET_RATIO && best >= TARGET_IDS_PER_S;
console.log(
  `\ntarget: next_id() >= ${TARGET_RATIO}x nextval() on one connection and >= ${TARGET_IDS_PER_S} IDs/s per shard -> ${pass ? 'PASS' : 'FAIL'} ` +
    `(${fmtRatio(single.ratioToBaseline)}, best ${best.toFixed(0)} IDs/s)`,
);
const dupRows = rows.filter((r) => (r.duplicates ?? 0) > 0);
if (dupRows.length > 0) {
  console.log(`note: duplicate IDs returned by ${dupRows.map((r) => `${r.variant} x${r.connections} (${r.duplicates})`).join(', ')}; the service uses the race-free one (system/data/ids.ts nextIdFunctionSql)`);
}

mkdirSync(join('out', 'bench'), { recursive: true });
writeFileSync(
  OUT_FILE,
  `${JSON.stringify({ durationS: DURATION_S, warmupS: WARMUP_S, rowsPerQuery: ROWS_PER_QUERY, concurrentConnections: CONCURRENT_CONNECTIONS, rows, target: { ratio: TARGET_RATIO, idsPerS: TARGET_IDS_PER_S, singleConnectionRatio: single.ratioToBaseline, bestIdsPerS: best, pass } }, null, 2)}\n`,
);
console.log(`wrote ${OUT_FILE}`);
await stack.stop();
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);
