import * as hdr from 'hdr-histogram-js';
import { FeedscaleError } from '../../lib/errors.ts';
import { createRng } from '../../lib/random/prng.ts';
import { validateConfig } from '../../lib/validate.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import { tInterval, type IntervalEstimate } from '../stats/confidence-interval.ts';
import { compileModel } from './compiled-model.ts';
import { runReplication, type ClassTally, type ReplicationTally } from './engine.ts';
import { createLatencyHistogram } from './latency-histogram.ts';
import { representativeReplicaModel } from './representative-replica.ts';
import { SimulationOptionsSchema, type SimulationOptions } from './simulation-options.ts';
import type { ClassResult, LatencyIntervals, SimulationResult } from './simulation-result.ts';

const MS_PER_US = 1e-3;

/**
 * Simulates a model: `replications` independent runs (root stream forked as "replication/r" from
 * the seed, so a seed gives byte-identical results), each discarding its warm-up; every statistic
 * is then a t-interval over the replications (replication/deletion, Law & Kelton). Percentiles per
 * replication come from an HDR histogram (hdr-histogram-js, 3 significant digits: ±0.1%,
 * constant memory whatever the request count, and mergeable: the pooled histogram is returned
 * encoded like autocannon's). Pure: reads no files, no clock.
 *
 * @example
 * const result = simulate(model, { durationS: 600, warmupS: 60, replications: 5, seed: 7 });
 * result.classes[0].latency.p99Ms; // { mean, halfWidth, low, high, replications: 5 }
 */
export function simulate(model: SimulationModel, options: Partial<SimulationOptions> & Pick<SimulationOptions, 'durationS'>): SimulationResult {
  const opts = validateConfig(SimulationOptionsSchema, options, 'simulation options');
  if (opts.warmupS >= opts.durationS) {
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid simulation options: warmupS (${opts.warmupS}) must be below durationS (${opts.durationS})`);
  }
  const reduced = opts.reduction === 'representative-replica' ? representativeReplicaModel(model) : { model, sampleFraction: 1 };
  const compiled = compileModel(reduced.model);
  const root = createRng(opts.seed);
  const runs: ReplicationTally[] = [];
  for (let r = 0; r < opts.replications; r++) {
    runs.push(runReplication(compiled, { durationS: opts.durationS, warmupS: opts.warmupS, drainS: opts.drainS, rng: root.fork(`replication/${r}`) }));
  }
  return summarise(reduced.model, runs, opts, reduced.sampleFraction);
}

function summarise(model: SimulationModel, runs: readonly ReplicationTally[], opts: SimulationOptions, sampleFraction: number): SimulationResult {
  const level = opts.confidenceLevel;
  const interval = (values: readonly (number | null)[]): IntervalEstimate | null => {
    const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
    return present.length === 0 ? null : tInterval(present, level);
  };
  const window = opts.durationS - opts.warmupS;
  const classes: ClassResult[] = [];
  model.classes.forEach((cls, c) => {
    if (cls.background) return;
    const tallies = runs.map((run) => run.classes[c]!);
    classes.push(classResult(cls.id, tallies, interval, window, sampleFraction));
  });
  const hostsById = new Map(model.hosts.map((h) => [h.id, h]));
  return {
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    seed: opts.seed,
    replications: opts.replications,
    reduction: opts.reduction,
    sampleFraction,
    events: runs.reduce((a, r) => a + r.events, 0),
    simulatedS: runs.reduce((a, r) => a + r.endS, 0),
    classes,
    stations: model.stations.map((station, k) => {
      const replicas = hostsById.get(station.hostId)!.replicas;
      const per = (pick: (t: ReplicationTally['stations'][number]) => number) => runs.map((run) => pick(run.stations[k]!) / window / replicas);
      const busy = per((t) => t.busyThreadSeconds);
      return {
        stationId: station.id,
        meanBusyThreads: interval(busy),
        threadUtilisation: station.discipline === 'ps' ? null : interval(busy.map((b) => b / station.threads)),
        meanQueueLength: interval(per((t) => t.queueSeconds)),
        cpuCores: interval(per((t) => t.cpuSeconds)),
      };
    }),
    hosts: model.hosts.map((host, g) => ({
      hostId: host.id,
      cpuUtilisation: interval(runs.map((run) => run.hosts[g]!.busyCoreSeconds / window / host.replicas / host.cores)),
    })),
    pools: model.pools.map((pool, p) => {
      const copies = pool.hostId === undefined ? 1 : hostsById.get(pool.hostId)!.replicas;
      const tallies = runs.map((run) => run.pools[p]!);
      return {
        poolId: pool.id,
        utilisation: interval(tallies.map((t) => t.inUseSeconds / window / copies / pool.size)),
        meanQueueLength: interval(tallies.map((t) => t.queueSeconds / window / copies)),
        meanWaitMs: interval(tallies.map((t) => (t.acquisitions > 0 ? (t.waitSumS / t.acquisitions) * 1000 : null))),
      };
    }),
  };
}

function classResult(
  classId: string,
  tallies: readonly ClassTally[],
  interval: (values: readonly (number | null)[]) => IntervalEstimate | null,
  windowS: number,
  sampleFraction: number,
): ClassResult {
  const sum = (pick: (t: ClassTally) => number) => tallies.reduce((a, t) => a + pick(t), 0);
  const recorded = (t: ClassTally) => t.completed + t.failed;
  const percentile = (p: number) => interval(tallies.map((t) => (recorded(t) > 0 ? t.histogram.getValueAtPercentile(p) * MS_PER_US : null)));
  const latency: LatencyIntervals = {
    meanMs: interval(tallies.map((t) => (recorded(t) > 0 ? (t.latencySumS / recorded(t)) * 1000 : null))),
    p50Ms: percentile(50),
    p90Ms: percentile(90),
    p99Ms: percentile(99),
    p999Ms: percentile(99.9),
    maxMs: interval(tallies.map((t) => (recorded(t) > 0 ? t.maxS * 1000 : null))),
  };
  const merged = createLatencyHistogram();
  for (const t of tallies) merged.add(t.histogram);
  const count = merged.totalCount;
  return {
    classId,
    arrivals: sum((t) => t.arrivals),
    completed: sum((t) => t.completed),
    failed: sum((t) => t.failed),
    unserved: sum((t) => t.unserved),
    incomplete: sum((t) => t.incomplete),
    throughputRps: interval(tallies.map((t) => t.completed / windowS / sampleFraction)),
    latency,
    pooled:
      count === 0
        ? null
        : {
            count,
            p50Ms: merged.getValueAtPercentile(50) * MS_PER_US,
            p90Ms: merged.getValueAtPercentile(90) * MS_PER_US,
            p99Ms: merged.getValueAtPercentile(99) * MS_PER_US,
            p999Ms: merged.getValueAtPercentile(99.9) * MS_PER_US,
            maxMs: Math.max(...tallies.map((t) => t.maxS)) * 1000,
          },
    histogram: count === 0 ? null : hdr.encodeIntoCompressedBase64(merged),
  };
}
