import type { RunCosts } from '../lib/result-schema.ts';
import type { ServerMetrics } from '../lib/server-metrics-schema.ts';
import { serviceKind } from '../reports/server-side/service-kind.ts';

/** The measured window on the collectors' clock (seconds since they started). */
export interface CollectorWindow {
  startS: number;
  endS: number;
}

interface RatePoint {
  tS: number;
}

/**
 * Integral of a per-interval rate over the window: each point covers (previous tS, tS] at a
 * constant rate, and counts for the part of that interval inside the window. Clipping, rather
 * than taking whole intervals, keeps a 1 s sampling grid from adding up to a second of warm-up
 * or drain to a 20 s window (5% noise in a metric meant to be quiet).
 */
export function integrateOverWindow<P extends RatePoint>(series: readonly P[], rate: (point: P) => number, window: CollectorWindow): number {
  let total = 0;
  let previousS: number | undefined;
  for (const point of series) {
    if (previousS !== undefined) {
      const overlapS = Math.min(point.tS, window.endS) - Math.max(previousS, window.startS);
      if (overlapS > 0) total += rate(point) * overlapS;
    }
    previousS = point.tS;
  }
  return total;
}

function perRequest(total: number | undefined, requests: number): number | null {
  return total === undefined || requests === 0 ? null : total / requests;
}

/**
 * What one request cost the servers over the measured window (service demand law: a tier's
 * busy time over the completions, D = U / X): CPU microseconds per service kind from the
 * containers' CPU, queries through pgbouncer, rows Postgres touched, Redis commands and
 * memcached gets, each divided by the requests the run completed in the window.
 */
export function costsOf(server: ServerMetrics, window: CollectorWindow, requests: number): RunCosts {
  const cpuSeconds = new Map<string, number>();
  for (const container of server.containers) {
    const kind = serviceKind(container.service, container.name);
    const seconds = integrateOverWindow(container.series, (p) => p.cpuPercent / 100, window);
    cpuSeconds.set(kind, (cpuSeconds.get(kind) ?? 0) + seconds);
  }
  const cpuUsPerRequest: Record<string, number> = {};
  for (const [kind, seconds] of [...cpuSeconds].sort(([a], [b]) => a.localeCompare(b))) {
    if (requests > 0) cpuUsPerRequest[kind] = round3((seconds * 1e6) / requests);
  }
  const sum = (values: number[]) => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0));
  const queries = sum(server.pgbouncer.map((s) => integrateOverWindow(s.series, (p) => p.queriesPerS, window)));
  const rows = sum(
    server.postgres.map((s) => integrateOverWindow(s.series, (p) => p.tupFetchedPerS + p.tupInsertedPerS + p.tupUpdatedPerS + p.tupDeletedPerS, window)),
  );
  const redisCommands = integrateOverWindow(server.redis.series, (p) => p.commandsPerS, window);
  const memcachedGets = server.memcached ? integrateOverWindow(server.memcached.series, (p) => p.getHitsPerS + p.getMissesPerS, window) : undefined;
  const rounded = (value: number | null) => (value === null ? null : round3(value));
  return {
    requests,
    cpuUsPerRequest,
    pgQueriesPerRequest: rounded(perRequest(queries, requests)),
    pgRowsPerRequest: rounded(perRequest(rows, requests)),
    redisCommandsPerRequest: rounded(perRequest(redisCommands, requests)),
    memcachedGetsPerRequest: rounded(perRequest(memcachedGets, requests)),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
