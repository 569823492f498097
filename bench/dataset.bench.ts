/**
 * Dataset benchmark: how long does generateDataset (scenarios/workload/dataset.ts) take, and how
 * much heap does its result hold, at 1/100 of the 2011 scale (140,000 users, docs/facts.md)?
 *
 * Load shape: one generation at createWorkloadModel({ scaleFactor: 0.01 }) with 16 logical
 * shards (the app's default) and a fixed seed, after a small warm-up generation (1/10,000) so
 * that JIT compilation is not charged to it. Heap is measured after a forced GC, before and after.
 *
 * Baseline, measured in the same run: materialising the same number of rows of the same shapes
 * (BigInt IDs from a counter, the same strings) with no sampling, sorting or ID encoding: the
 * floor for building these rows as JS objects. The ratio says what the generator's logic costs
 * on top of that.
 *
 * Target: 1/100 scale generates in under TARGET_S seconds and retains under TARGET_HEAP_MIB of
 * heap, so that generating the dataset stays a small part of a run's setup on the 2-core,
 * 24 GiB machines feedscale runs on. Measured here (2 cores, shared): ~9.5 s, ~830 MiB
 * retained (~150 bytes/row), ~2.7x the baseline's time and ~0.95x its heap.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { ExitCode } from '../lib/errors.ts';
import type { Dataset } from '../lib/dataset-types.ts';
import { generateDataset } from '../scenarios/workload/dataset.ts';
import { createWorkloadModel } from '../scenarios/workload/model.ts';
import { fmtRatio, printTable } from './table.ts';

const SCALE_FACTOR = 0.01;
const WARMUP_SCALE_FACTOR = 0.0001;
const LOGICAL_SHARDS = 16;
const SEED = 2011;
const TARGET_S = 30;
const TARGET_HEAP_MIB = 1536;
const MIB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Measured<T> {
  value: T;
  seconds: number;
  /** Heap the result holds: heap used after a GC, minus the same before. */
  retainedMiB: number;
}

function measure<T>(build: () => T): Measured<T> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const value = build();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  return { value, seconds, retainedMiB: (process.memoryUsage().heapUsed - heapBefore) / MIB };
}

function rowsOf(d: Pick<Dataset, 'users' | 'follows' | 'media'>): number {
  return d.users.length + d.follows.length + d.media.length;
}

/** Rows of the same shapes and counts, built as cheaply as JS allows. */
function baselineRows(counts: { users: number; follows: number; media: number }): Pick<Dataset, 'users' | 'follows' | 'media'> {
  let next = 1n << 40n;
  const users = new Array(counts.users);
  for (let i = 0; i < counts.users; i++) users[i] = { id: next++, username: `u${String(i).padStart(6, '0')}`, logicalShard: i % LOGICAL_SHARDS, createdAtMs: i };
  const media = new Array(counts.media);
  for (let i = 0; i < counts.media; i++) {
    const id = next++;
    media[i] = { id, ownerId: (users[i % counts.users] as { id: bigint }).id, objectKey: `seed/${i % counts.users}/${id.toString()}.jpg`, caption: 'sunny morning', createdAtMs: i };
  }
  const follows = new Array(counts.follows);
  for (let i = 0; i < counts.follows; i++) {
    follows[i] = { followerId: (users[i % counts.users] as { id: bigint }).id, followeeId: (users[(i * 7) % counts.users] as { id: bigint }).id, createdAtMs: i };
  }
  return { users, follows, media };
}

generateDataset(createWorkloadModel({ scaleFactor: WARMUP_SCALE_FACTOR }), { seed: SEED, logicalShards: LOGICAL_SHARDS });
const model = createWorkloadModel({ scaleFactor: SCALE_FACTOR });
console.log(`dataset bench: generateDataset at scale ${SCALE_FACTOR} (${model.referenceUsers * SCALE_FACTOR} users), ${LOGICAL_SHARDS} logical shards, seed ${SEED}`);
const rssBeforeKiB = process.resourceUsage().maxRSS;
const generated = measure(() => generateDataset(model, { seed: SEED, logicalShards: LOGICAL_SHARDS }));
const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MIB;
const counts = { users: generated.value.users.length, follows: generated.value.follows.length, media: generated.value.media.length };
const rows = rowsOf(generated.value);
// Let the generated dataset go before the baseline, so both measure the same empty heap.
generated.value = undefined as unknown as Dataset;
const baseline = measure(() => baselineRows(counts));

console.log(`rows: ${counts.users} users, ${counts.follows} follows, ${counts.media} media = ${rows} rows\n`);
printTable(
  ['what', 'seconds', 'rows/s', 'retained heap MiB', 'bytes/row'],
  [
    ['generateDataset', generated.seconds.toFixed(2), (rows / generated.seconds).toFixed(0), generated.retainedMiB.toFixed(0), ((generated.retainedMiB * MIB) / rows).toFixed(0)],
    ['baseline (plain rows)', baseline.seconds.toFixed(2), (rows / baseline.seconds).toFixed(0), baseline.retainedMiB.toFixed(0), ((baseline.retainedMiB * MIB) / rows).toFixed(0)],
  ],
);
console.log(`\ngenerateDataset / baseline: time ${fmtRatio(generated.seconds / baseline.seconds)}, heap ${fmtRatio(generated.retainedMiB / baseline.retainedMiB)}`);
console.log(`peak RSS of this process: ${peakRssMiB.toFixed(0)} MiB (${((rssBeforeKiB * 1024) / MIB).toFixed(0)} MiB before generating)`);
const pass = generated.seconds < TARGET_S && generated.retainedMiB < TARGET_HEAP_MIB;
console.log(
  `target: scale ${SCALE_FACTOR} in < ${TARGET_S} s and < ${TARGET_HEAP_MIB} MiB retained -> ${pass ? 'PASS' : 'FAIL'} (${generated.seconds.toFixed(1)} s, ${generated.retainedMiB.toFixed(0)} MiB)`,
);
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);
