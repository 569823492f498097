import { erlangC } from './multi-server-queue.ts';

/**
 * Host contention: stations co-located on a host share its cores by processor sharing (each job
 * in CPU service progresses at min(1, m / n) with m cores and n jobs in CPU service). The DES
 * does this exactly; here it is a mean-value fixed point (documented approximation):
 *
 *   A tagged job at station k sees O_k other jobs in CPU service on its host, and its CPU phase
 *   is stretched by the slowdown f_k = E[max(1, (1 + O_k) / m)]. O_k is the sum of independent
 *   counts: at each other station j, its busy threads (the M/M/c busy-server distribution with
 *   holding time H_j = f_j·X_j + Dh_j) thinned binomially by the share of H_j spent on CPU;
 *   at its own station, min(B_k, c_k − 1) busy threads seen on arrival (PASTA), thinned alike.
 *   A processor-sharing station (no thread limit) counts like an M/G/∞ station: Poisson with mean
 *   λ·f·X. Iterate from f = 1; the map is monotone, so the iteration climbs to the least fixed point.
 *
 * Exact cases: one FCFS station with threads <= cores (f = 1, plain M/M/c); one PS station on
 * one core (f = 1/(1 − ρ), the M/G/1-PS mean, Kleinrock vol. 2 §4.4). Elsewhere it assumes the
 * counts are independent and stationary during a job's service; des/ measures the error
 * (host-contention tests: within 10% on mean response at host utilisation <= 0.7).
 */
export interface ContentionStation {
  discipline: 'fcfs' | 'ps';
  threads: number;
  /** Visits per second to one replica. */
  visitRateRps: number;
  /** Mean CPU time per visit on this host with no contention (demand / speedFactor), seconds. */
  meanCpuS: number;
  /** Mean thread-holding non-CPU delay per visit, seconds. */
  meanHoldDelayS: number;
}

export interface HostContention {
  /** Slowdown f_k >= 1 of the CPU phase per station, in input order (Infinity on a saturated host). */
  slowdowns: number[];
  /** Mean busy cores / cores. */
  cpuUtilisation: number;
  /** CPU utilisation >= 1: no steady state on this host. */
  saturated: boolean;
  converged: boolean;
  iterations: number;
}

const MAX_ITERATIONS = 20_000;
const TOLERANCE = 1e-11;

/** Solves the fixed point above for one host with `cores` cores. */
export function solveHostContention(cores: number, stations: readonly ContentionStation[]): HostContention {
  const cpuLoad = stations.reduce((a, s) => a + s.visitRateRps * s.meanCpuS, 0);
  const cpuUtilisation = cpuLoad / cores;
  if (cpuUtilisation >= 1) {
    return { slowdowns: stations.map(() => Infinity), cpuUtilisation, saturated: true, converged: false, iterations: 0 };
  }
  let slowdowns = stations.map(() => 1);
  for (let iteration = 1; iteration <= MAX_ITERATIONS; iteration++) {
    const counts = stations.map((s, k) => cpuActiveCounts(s, slowdowns[k]!));
    const next = stations.map((_, k) => {
      let others = counts[k]!.ownOthers;
      counts.forEach((c, j) => {
        if (j !== k) others = convolve(others, c.active);
      });
      return expectedSlowdown(others, cores);
    });
    const change = Math.max(...next.map((f, k) => Math.abs(f - slowdowns[k]!) / f));
    slowdowns = next;
    if (change < TOLERANCE) return { slowdowns, cpuUtilisation, saturated: false, converged: true, iterations: iteration };
  }
  return { slowdowns, cpuUtilisation, saturated: false, converged: false, iterations: MAX_ITERATIONS };
}

interface CpuCounts {
  /** Distribution of this station's jobs in CPU service at a random time. */
  active: Float64Array;
  /** Distribution of the other jobs of this station in CPU service, as a tagged job of it sees them. */
  ownOthers: Float64Array;
}

function cpuActiveCounts(s: ContentionStation, slowdown: number): CpuCounts {
  const cpuS = slowdown * s.meanCpuS;
  if (s.discipline === 'ps') {
    const active = poissonPmf(s.visitRateRps * cpuS);
    return { active, ownOthers: active };
  }
  const holdS = cpuS + s.meanHoldDelayS;
  const cpuShare = holdS > 0 ? cpuS / holdS : 0;
  const busy = busyServersPmf(s.threads, s.visitRateRps * holdS);
  const seenByArrival = new Float64Array(s.threads);
  busy.forEach((p, b) => {
    seenByArrival[Math.min(b, s.threads - 1)]! += p;
  });
  return { active: thin(busy, cpuShare), ownOthers: thin(seenByArrival, cpuShare) };
}

/** Busy servers of an M/M/c queue with offered load A: P(j) ∝ A^j / j! below c, P(c) = Erlang C. All busy when A >= c. */
export function busyServersPmf(servers: number, offeredLoad: number): Float64Array {
  const pmf = new Float64Array(servers + 1);
  if (offeredLoad >= servers) {
    pmf[servers] = 1;
    return pmf;
  }
  const allBusy = erlangC(servers, offeredLoad);
  let term = 1;
  let sum = 0;
  for (let j = 0; j < servers; j++) {
    pmf[j] = term;
    sum += term;
    term *= offeredLoad / (j + 1);
  }
  for (let j = 0; j < servers; j++) pmf[j]! *= (1 - allBusy) / sum;
  pmf[servers] = allBusy;
  return pmf;
}

function poissonPmf(mean: number): Float64Array {
  const n = Math.ceil(mean + 12 * Math.sqrt(mean) + 30);
  const pmf = new Float64Array(n + 1);
  let logTerm = -mean;
  for (let k = 0; k <= n; k++) {
    pmf[k] = Math.exp(logTerm);
    logTerm += Math.log(mean) - Math.log(k + 1);
  }
  if (mean === 0) pmf[0] = 1;
  return pmf;
}

/** Each of the counted items is kept independently with probability q (binomial thinning). */
function thin(pmf: Float64Array, q: number): Float64Array {
  if (q >= 1) return pmf;
  const out = new Float64Array(pmf.length);
  for (let n = 0; n < pmf.length; n++) {
    const pn = pmf[n]!;
    if (pn === 0) continue;
    let binom = Math.pow(1 - q, n);
    for (let k = 0; k <= n; k++) {
      out[k]! += pn * binom;
      binom *= ((n - k) / (k + 1)) * (q / (1 - q));
    }
  }
  return out;
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j]! += ai * b[j]!;
  }
  return out;
}

function expectedSlowdown(others: Float64Array, cores: number): number {
  let f = 0;
  for (let o = 0; o < others.length; o++) f += others[o]! * Math.max(1, (1 + o) / cores);
  return f;
}
