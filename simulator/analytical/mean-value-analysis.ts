/**
 * Exact Mean Value Analysis of a single-class closed product-form network (Reiser & Lavenberg,
 * "Mean-Value Analysis of Closed Multichain Queuing Networks", JACM 1980; MODELLING.md
 * "Networks"). N customers (connections) cycle through think time Z and the centres.
 *
 *   single-server queue: R_k(n) = D_k · (1 + Q_k(n−1))
 *   delay centre:        R_k(n) = D_k
 *   c-server queue (load-dependent rate min(j, c)), with marginal probabilities p_k(j | n):
 *                        R_k(n) = D_k · Σ_{j=1..n} j / min(j, c) · p_k(j−1 | n−1)
 *                        p_k(j | n) = X(n) · D_k / min(j, c) · p_k(j−1 | n−1),  p_k(0 | n) = 1 − Σ_{j>=1} p_k(j | n)
 *   X(n) = n / (Z + Σ_k m_k · R_k(n)),  Q_k(n) = X(n) · R_k(n)
 *
 * The multi-server recursion is exact but computes p(0 | n) by subtraction, which loses digits
 * near saturation; it is clamped at 0 (Lazowska et al., "Quantitative System Performance", ch. 20).
 */
export interface MvaCentre {
  id: string;
  /** Service demand per cycle at one copy, seconds (visits × service time). */
  demandS: number;
  kind: 'queue' | 'delay';
  /** Servers of a queue centre (threads or cores); default 1. */
  servers?: number;
  /** Identical copies that share the load evenly (host replicas); default 1. */
  multiplicity?: number;
}

export interface MvaInput {
  centres: readonly MvaCentre[];
  customers: number;
  thinkTimeS: number;
}

export interface MvaCentreResult {
  id: string;
  /** Per copy, seconds per cycle. */
  residenceS: number;
  /** Mean customers at one copy. */
  queueLength: number;
  /** Busy servers / servers at one copy (utilisation law X · D / c). */
  utilisation: number;
}

export interface MvaPoint {
  customers: number;
  throughputRps: number;
  responseS: number;
}

export interface MvaResult extends MvaPoint {
  centres: MvaCentreResult[];
  /** Throughput and response for 1..N customers: the whole closed-loop curve. */
  curve: MvaPoint[];
}

/** Runs the MVA recursion from 1 to `customers`; returns the last population and the curve. */
export function meanValueAnalysis(input: MvaInput): MvaResult {
  const { centres, customers, thinkTimeS } = input;
  if (!Number.isInteger(customers) || customers < 1) throw new RangeError(`customers must be a positive integer, got ${customers}`);
  if (!(thinkTimeS >= 0)) throw new RangeError(`thinkTimeS must be >= 0, got ${thinkTimeS}`);
  const k = centres.length;
  const queue = new Float64Array(k);
  const residence = new Float64Array(k);
  // Marginal probabilities p_k(j | n−1) for multi-server centres only.
  const marginals = centres.map((c) => (c.kind === 'queue' && (c.servers ?? 1) > 1 ? Float64Array.of(1) : null));
  const curve: MvaPoint[] = [];
  let throughput = 0;
  for (let n = 1; n <= customers; n++) {
    let total = 0;
    centres.forEach((c, i) => {
      const servers = c.servers ?? 1;
      const previous = marginals[i];
      if (c.kind === 'delay') residence[i] = c.demandS;
      else if (!previous) residence[i] = c.demandS * (1 + queue[i]!);
      else {
        let r = 0;
        for (let j = 1; j <= n; j++) r += (j / Math.min(j, servers)) * (previous[j - 1] ?? 0);
        residence[i] = c.demandS * r;
      }
      total += (c.multiplicity ?? 1) * residence[i]!;
    });
    throughput = n / (thinkTimeS + total);
    centres.forEach((c, i) => {
      queue[i] = throughput * residence[i]!;
      const previous = marginals[i];
      if (!previous) return;
      const servers = c.servers ?? 1;
      const next = new Float64Array(n + 1);
      let busy = 0;
      for (let j = 1; j <= n; j++) {
        next[j] = ((throughput * c.demandS) / Math.min(j, servers)) * (previous[j - 1] ?? 0);
        busy += next[j]!;
      }
      next[0] = Math.max(0, 1 - busy);
      marginals[i] = next;
    });
    curve.push({ customers: n, throughputRps: throughput, responseS: total });
  }
  const last = curve[curve.length - 1]!;
  return {
    ...last,
    centres: centres.map((c, i) => ({
      id: c.id,
      residenceS: residence[i]!,
      queueLength: queue[i]!,
      utilisation: c.kind === 'delay' ? 0 : (throughput * c.demandS) / (c.servers ?? 1),
    })),
    curve,
  };
}
