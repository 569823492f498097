import type Dockerode from 'dockerode';
import type { Collector, Timed } from './collector.ts';
import { type CpuReading, dockerCpuPercent, dockerMemoryBytes, toCpuReading } from './docker-stats.ts';
import { mapIntervals, maxOf, meanOf, round3 } from './rates.ts';
import { type RunContainer, listRunContainers } from './run-containers.ts';
import type { ContainerMetrics } from '../../lib/server-metrics-schema.ts';

export interface ContainerReading {
  service: string;
  cpu: CpuReading | null;
  memoryBytes: number;
  memoryLimitBytes: number;
}

/** By container name; a container whose stats failed this tick is missing from the sample. */
export type ContainerSample = Record<string, ContainerReading>;

export function summarizeContainers(samples: readonly Timed<ContainerSample>[]): ContainerMetrics[] {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.value)))].sort();
  return names.map((name) => {
    const own = samples.flatMap((s) => (s.value[name] ? [{ tS: s.tS, value: s.value[name] }] : []));
    const series = mapIntervals(own, (a, b, _elapsedS, tS) => ({
      tS: round3(tS),
      cpuPercent: round3(a.cpu && b.cpu ? dockerCpuPercent(a.cpu, b.cpu) : 0),
      memoryBytes: b.memoryBytes,
    }));
    const cpu = series.map((p) => p.cpuPercent);
    return {
      name,
      service: own[0]?.value.service ?? '',
      series,
      summary: {
        cpuPercentMean: round3(meanOf(cpu)),
        cpuPercentMax: maxOf(cpu),
        memoryBytesMax: maxOf(own.map((s) => s.value.memoryBytes)),
        memoryLimitBytes: own.at(-1)?.value.memoryLimitBytes ?? 0,
      },
    };
  });
}

/** How many samples reuse one container listing; containers started or stopped later show up within this many seconds. */
const RELIST_EVERY_SAMPLES = 10;

/**
 * CPU and memory of every container of the run. One-shot stats return at once (no second
 * reading inside the engine); CPU % comes from this collector's consecutive readings with the
 * formula `docker stats` applies to its own pair.
 */
export function createContainerCollector(docker: Dockerode, runId: string): Collector<ContainerSample, ContainerMetrics[]> {
  let containers: RunContainer[] = [];
  let samplesSinceList = RELIST_EVERY_SAMPLES;
  return {
    name: 'containers',
    sample: async () => {
      if (samplesSinceList >= RELIST_EVERY_SAMPLES) {
        containers = await listRunContainers(docker, runId);
        samplesSinceList = 0;
      }
      samplesSinceList++;
      if (containers.length === 0) throw new Error(`no running container carries feedscale.run=${runId}`);
      const readings = await Promise.allSettled(
        containers.map(async (c) => {
          const stats = await docker.getContainer(c.id).stats({ stream: false, 'one-shot': true });
          return [c.name, { service: c.service, cpu: toCpuReading(stats.cpu_stats), memoryBytes: dockerMemoryBytes(stats.memory_stats), memoryLimitBytes: stats.memory_stats?.limit ?? 0 }] as const;
        }),
      );
      const sample: ContainerSample = {};
      for (const r of readings) if (r.status === 'fulfilled') sample[r.value[0]] = r.value[1];
      const failed = readings.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) samplesSinceList = RELIST_EVERY_SAMPLES; // a container went away: list again next time
      if (Object.keys(sample).length === 0 && failed) throw failed.reason;
      return sample;
    },
    summarize: async (samples) => summarizeContainers(samples),
    close: async () => {},
  };
}
