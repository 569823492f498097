import type Dockerode from 'dockerode';
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, percentilesOf, recordUs } from '../../lib/histogram.ts';
import type { Collector, Timed } from './collector.ts';
import { demuxDockerLog } from './docker-stats.ts';
import { parseNginxUpstreamLine, splitTimestampedLog } from './nginx-log.ts';
import { mapIntervals, ratio, round3, round3OrNull } from './rates.ts';
import { type RunContainer, listRunContainers } from './run-containers.ts';
import type { NginxMetrics } from '../../lib/server-metrics-schema.ts';

export interface UpstreamTally {
  requests: number;
  status5xx: number;
  upstreamTimeSumS: number;
  upstreamTimeCount: number;
}

/** What the access log said since the previous sample, by upstream (service name when known). */
export interface NginxSample {
  upstreams: Record<string, UpstreamTally>;
  linesParsed: number;
  linesUnparsed: number;
}

const NGINX_SERVICE = 'nginx';
const RELIST_MIN_INTERVAL_MS = 10_000;

/** Keeps per-upstream counts of the parsed lines, and feeds the run's time histograms. */
export class NginxLogTally {
  readonly requestTime: Histogram = createLatencyHistogram();
  readonly upstreamTimes = new Map<string, Histogram>();

  constructor(private readonly nameOf: (address: string) => string) {}

  tally(lines: readonly string[]): NginxSample {
    const sample: NginxSample = { upstreams: {}, linesParsed: 0, linesUnparsed: 0 };
    for (const line of lines) {
      const parsed = parseNginxUpstreamLine(line);
      if (!parsed) {
        if (line.trim() !== '') sample.linesUnparsed++;
        continue;
      }
      sample.linesParsed++;
      recordUs(this.requestTime, parsed.requestTimeS * 1e6);
      parsed.tries.forEach((attempt, i) => {
        const name = this.nameOf(attempt.address);
        const tally = (sample.upstreams[name] ??= { requests: 0, status5xx: 0, upstreamTimeSumS: 0, upstreamTimeCount: 0 });
        tally.requests++;
        // The final status belongs to the last upstream tried; earlier tries failed over.
        if (i === parsed.tries.length - 1 && parsed.status >= 500) tally.status5xx++;
        if (attempt.responseTimeS !== null) {
          tally.upstreamTimeSumS += attempt.responseTimeS;
          tally.upstreamTimeCount++;
          let histogram = this.upstreamTimes.get(name);
          if (!histogram) this.upstreamTimes.set(name, (histogram = createLatencyHistogram()));
          recordUs(histogram, attempt.responseTimeS * 1e6);
        }
      });
    }
    return sample;
  }
}

export function summarizeNginx(samples: readonly Timed<NginxSample>[], tally: NginxLogTally): NginxMetrics {
  // The first sample is the baseline: its lines came before the first interval.
  const measured = samples.slice(1);
  const names = [...new Set(measured.flatMap((s) => Object.keys(s.value.upstreams)))].sort();
  const linesParsed = measured.reduce((n, s) => n + s.value.linesParsed, 0);
  const upstreams = names.map((upstream) => {
    const series = mapIntervals(samples, (_a, b, elapsedS, tS) => {
      const t = b.upstreams[upstream];
      return {
        tS: round3(tS),
        requestsPerS: round3(t && elapsedS > 0 ? t.requests / elapsedS : 0),
        meanUpstreamMs: round3OrNull(t ? ((m) => (m === null ? null : m * 1000))(ratio(t.upstreamTimeSumS, t.upstreamTimeCount)) : null),
      };
    });
    const own = measured.map((s) => s.value.upstreams[upstream]).filter((t): t is UpstreamTally => t !== undefined);
    const histogram = tally.upstreamTimes.get(upstream);
    return {
      upstream,
      series,
      summary: {
        requests: own.reduce((n, t) => n + t.requests, 0),
        status5xx: own.reduce((n, t) => n + t.status5xx, 0),
        upstreamTime: percentilesOf(histogram ?? createLatencyHistogram()),
      },
    };
  });
  return {
    available: linesParsed > 0,
    linesParsed,
    linesUnparsed: measured.reduce((n, s) => n + s.value.linesUnparsed, 0),
    requestTime: percentilesOf(tally.requestTime),
    upstreams,
  };
}

/** Seconds since the epoch of a timestamp key from splitTimestampedLog. */
function keyToEpochS(key: string): number {
  return Date.parse(`${key.slice(0, 19)}Z`) / 1000 + Number(`0${key.slice(19)}`);
}

function nowKey(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000');
}

/**
 * Per-upstream request counts and times from nginx's access log, read from the container's
 * stdout through the engine. nginx logs nothing while `access_log` is off: the samples then
 * succeed empty and the result says `available: false`. Each sample reads only the lines
 * written since the previous one.
 */
export function createNginxCollector(docker: Dockerode, runId: string): Collector<NginxSample, NginxMetrics> {
  let containers: RunContainer[] = [];
  let listedAtMs = -Infinity;
  let lastKey = '';
  const addressNames = new Map<string, string>();
  const relist = async () => {
    containers = await listRunContainers(docker, runId);
    listedAtMs = performance.now();
    for (const c of containers) for (const ip of c.ips) addressNames.set(ip, c.service);
  };
  let sawUnknownAddress = false;
  const nameOf = (address: string): string => {
    const name = addressNames.get(address.replace(/:\d+$/, ''));
    if (name !== undefined) return name;
    if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) sawUnknownAddress = true;
    return address;
  };
  const tally = new NginxLogTally(nameOf);
  return {
    name: 'nginx',
    start: async () => {
      await relist();
      lastKey = nowKey();
    },
    sample: async () => {
      if (containers.length === 0) await relist();
      const nginx = containers.find((c) => c.service === NGINX_SERVICE);
      if (!nginx) throw new Error(`run ${runId} has no running nginx container`);
      if (lastKey === '') {
        // start() failed: count from now on rather than read the whole log.
        lastKey = nowKey();
        return { upstreams: {}, linesParsed: 0, linesUnparsed: 0 };
      }
      const sinceS = keyToEpochS(lastKey);
      const raw = (await docker.getContainer(nginx.id).logs({ stdout: true, stderr: false, timestamps: true, follow: false, since: sinceS })) as unknown as Buffer;
      const fresh = splitTimestampedLog(demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))).filter((l) => l.key > lastKey);
      if (fresh.length > 0) lastKey = fresh.at(-1)!.key;
      const sample = tally.tally(fresh.map((l) => l.line));
      // A restarted app comes back with a new address: learn it for the lines that follow.
      if (sawUnknownAddress && performance.now() - listedAtMs > RELIST_MIN_INTERVAL_MS) {
        sawUnknownAddress = false;
        await relist();
      }
      return sample;
    },
    summarize: async (samples) => summarizeNginx(samples, tally),
    close: async () => {},
  };
}
