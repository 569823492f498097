/**
 * One M/M/c station (Erlang C), with the Allen–Cunneen correction for non-exponential service.
 * MODELLING.md "Single stations"; Kleinrock, "Queueing Systems" vol. 1 (1975), §3.5;
 * Allen, "Probability, Statistics and Queueing Theory" (1990) for the G/G/c approximation.
 */

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with offered load
 * A = λ·S (in servers), for A < c. Computed through the Erlang B recursion
 * B(k) = A·B(k-1) / (k + A·B(k-1)), C = c·B / (c − A·(1 − B)), which stays finite for large c.
 *
 * @example erlangC(2, 1) // 1/3
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (!Number.isInteger(servers) || servers < 1) throw new RangeError(`servers must be a positive integer, got ${servers}`);
  if (!(offeredLoad >= 0)) throw new RangeError(`offeredLoad must be >= 0, got ${offeredLoad}`);
  if (offeredLoad >= servers) return 1;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return (servers * b) / (servers - offeredLoad * (1 - b));
}

export interface MultiServerQueueInput {
  arrivalRateRps: number;
  meanServiceS: number;
  servers: number;
  /** Squared coefficient of variation of the service time; 1 (exponential) gives exact M/M/c. */
  serviceScv?: number;
}

export interface MultiServerQueue {
  /** ρ = λ·S / c. */
  utilisation: number;
  /** False when ρ >= 1: no steady state, waits grow without bound. */
  stable: boolean;
  /** P(wait > 0): Erlang C (1 when unstable). */
  waitProbability: number;
  /** Mean wait in queue W_q, seconds (Infinity when unstable). */
  meanWaitS: number;
  /** Mean wait of those who wait: W_q / P_wait, the mean of the exponential tail P(W > t) = P_wait · e^{−t / this}. */
  conditionalWaitMeanS: number;
  /** W_q + S, seconds (Infinity when unstable). */
  meanResponseS: number;
}

/**
 * M/M/c: W_q = P_wait · S / (c (1 − ρ)), P(W_q > t) = P_wait · e^{−c(1−ρ)t/S}. For a general
 * service time the mean wait is scaled by (c_a² + c_s²) / 2 with c_a² = 1 for Poisson arrivals
 * (Allen–Cunneen): exact for M/G/1 (it is then Pollaczek–Khinchine), within a few percent for
 * M/G/c at moderate SCV. The wait keeps the exponential-tail shape, scaled to that mean.
 */
export function solveMultiServerQueue(input: MultiServerQueueInput): MultiServerQueue {
  const { arrivalRateRps, meanServiceS, servers } = input;
  const scv = input.serviceScv ?? 1;
  const offered = arrivalRateRps * meanServiceS;
  const utilisation = offered / servers;
  if (utilisation >= 1) {
    return { utilisation, stable: false, waitProbability: 1, meanWaitS: Infinity, conditionalWaitMeanS: Infinity, meanResponseS: Infinity };
  }
  const waitProbability = arrivalRateRps > 0 ? erlangC(servers, offered) : 0;
  const conditionalWaitMeanS = ((meanServiceS / (servers * (1 - utilisation))) * (1 + scv)) / 2;
  const meanWaitS = waitProbability * conditionalWaitMeanS;
  return { utilisation, stable: true, waitProbability, meanWaitS, conditionalWaitMeanS, meanResponseS: meanWaitS + meanServiceS };
}

/**
 * The p-quantile of the M/M/1 response time, which is exponential with mean S / (1 − ρ):
 * −ln(1 − p) · S / (1 − ρ). MODELLING.md "Single stations".
 */
export function mm1ResponseQuantileS(meanServiceS: number, utilisation: number, p: number): number {
  if (!(utilisation >= 0 && utilisation < 1)) throw new RangeError(`utilisation must be in [0, 1), got ${utilisation}`);
  if (!(p >= 0 && p < 1)) throw new RangeError(`p must be in [0, 1), got ${p}`);
  return (-Math.log(1 - p) * meanServiceS) / (1 - utilisation);
}
