import { connect } from 'node:net';
import type { Collector, Timed } from './collector.ts';
import { counterTotal, mapIntervals, maxOf, ratePerS, ratio, round3, round3OrNull } from './rates.ts';
import type { MemcachedMetrics } from '../../lib/server-metrics-schema.ts';

export interface MemcachedCounters {
  getHits: number;
  getMisses: number;
  evictions: number;
  currItems: number;
  bytes: number;
}

/** One tick over every instance: the sums (what the tier does) and each instance's own counters. */
export interface MemcachedSample extends MemcachedCounters {
  perInstance: MemcachedCounters[];
}

/** One sample of the tier from each instance's counters, in ring order. */
export function combineInstances(perInstance: readonly MemcachedCounters[]): MemcachedSample {
  const total: MemcachedCounters = { getHits: 0, getMisses: 0, evictions: 0, currItems: 0, bytes: 0 };
  for (const p of perInstance) for (const key of Object.keys(total) as (keyof MemcachedCounters)[]) total[key] += p[key];
  return { ...total, perInstance: [...perInstance] };
}

/** Parses the reply to the text-protocol `stats` command (`STAT name value` lines, then `END`). */
export function parseMemcachedStats(text: string): Record<string, string> {
  const stats: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const match = /^STAT (\S+) (.*)$/.exec(line);
    if (match) stats[match[1]!] = match[2]!;
  }
  return stats;
}

function numberStat(stats: Record<string, string>, name: string): number {
  const value = Number(stats[name]);
  if (stats[name] === undefined || !Number.isFinite(value)) throw new Error(`memcached stats has no numeric ${name}`);
  return value;
}

export function toMemcachedCounters(stats: Record<string, string>): MemcachedCounters {
  return {
    getHits: numberStat(stats, 'get_hits'),
    getMisses: numberStat(stats, 'get_misses'),
    evictions: numberStat(stats, 'evictions'),
    currItems: numberStat(stats, 'curr_items'),
    bytes: numberStat(stats, 'bytes'),
  };
}

/** Sends `stats` on a fresh connection and resolves with the raw reply up to `END`. */
export function readMemcachedStats(server: string, signal: AbortSignal): Promise<string> {
  const separator = server.lastIndexOf(':');
  const host = server.slice(0, separator);
  const port = Number(server.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    const chunks: Buffer[] = [];
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write('stats\r\n'));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      if (text.endsWith('END\r\n')) {
        socket.end();
        resolve(text);
      } else if (/^(ERROR|SERVER_ERROR|CLIENT_ERROR)/m.test(text)) {
        socket.destroy();
        reject(new Error(`memcached answered ${text.trim().slice(0, 120)}`));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('memcached closed the connection before END')));
  });
}

export function summarizeMemcached(samples: readonly Timed<MemcachedSample>[]): MemcachedMetrics {
  const series = mapIntervals(samples, (a, b, elapsedS, tS) => {
    const getHitsPerS = ratePerS(a.getHits, b.getHits, elapsedS);
    const getMissesPerS = ratePerS(a.getMisses, b.getMisses, elapsedS);
    return {
      tS: round3(tS),
      getHitsPerS: round3(getHitsPerS),
      getMissesPerS: round3(getMissesPerS),
      hitRatio: round3OrNull(ratio(getHitsPerS, getHitsPerS + getMissesPerS)),
      evictionsPerS: round3(ratePerS(a.evictions, b.evictions, elapsedS)),
      currItems: b.currItems,
      bytes: b.bytes,
    };
  });
  const getHits = counterTotal(samples, (s) => s.getHits);
  const getMisses = counterTotal(samples, (s) => s.getMisses);
  const instanceCount = samples[0]?.value.perInstance.length ?? 0;
  const instances = Array.from({ length: instanceCount }, (_, i) => {
    const hits = counterTotal(samples, (s) => s.perInstance[i]?.getHits ?? 0);
    const misses = counterTotal(samples, (s) => s.perInstance[i]?.getMisses ?? 0);
    return { getHits: hits, getMisses: misses, hitRatio: round3OrNull(ratio(hits, hits + misses)), evictions: counterTotal(samples, (s) => s.perInstance[i]?.evictions ?? 0) };
  });
  return {
    series,
    summary: {
      getHits,
      getMisses,
      hitRatio: round3OrNull(ratio(getHits, getHits + getMisses)),
      evictions: counterTotal(samples, (s) => s.evictions),
      currItemsMax: maxOf(samples.map((s) => s.value.currItems)),
      bytesMax: maxOf(samples.map((s) => s.value.bytes)),
      instances,
    },
  };
}

/**
 * memcached `stats` over the text protocol from every instance of the ring (no client library,
 * one short connection per instance and sample); the tier's hit ratio is over their sums.
 */
export function createMemcachedCollector(servers: readonly string[]): Collector<MemcachedSample, MemcachedMetrics> {
  return {
    name: 'memcached',
    sample: async (signal) => {
      const perInstance = await Promise.all(servers.map(async (server) => toMemcachedCounters(parseMemcachedStats(await readMemcachedStats(server, signal)))));
      return combineInstances(perInstance);
    },
    summarize: async (samples) => summarizeMemcached(samples),
    close: async () => {},
  };
}
