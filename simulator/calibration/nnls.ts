/**
 * Non-negative least squares: minimise ||A x − b||² subject to x >= 0 (Lawson & Hanson, "Solving
 * Least Squares Problems", 1974, ch. 23: the active-set algorithm). Costs and backgrounds are
 * CPU-seconds, never negative; an unconstrained fit of a few noisy intervals happily returns a
 * negative cost for a unit that is nearly collinear with another, and NNLS sets it to 0 instead.
 *
 * `ridge` adds λ·||x||² (scaled by the column norms) so that columns the data cannot tell apart
 * share the load rather than one taking all of it arbitrarily; 0 gives plain NNLS.
 */
export interface NnlsResult {
  x: number[];
  /** Root mean square of the residuals A x − b. */
  rmsResidual: number;
  iterations: number;
}

export function nnls(a: readonly (readonly number[])[], b: readonly number[], options: { ridge?: number; maxIterations?: number } = {}): NnlsResult {
  const rows = a.length;
  const cols = rows === 0 ? 0 : a[0]!.length;
  if (b.length !== rows) throw new RangeError(`nnls: ${rows} rows in A but ${b.length} in b`);
  if (cols === 0) return { x: [], rmsResidual: rms(b), iterations: 0 };
  // Scale columns to unit norm: unit costs span orders of magnitude (per request vs per row).
  const norms = Array.from({ length: cols }, (_, j) => Math.sqrt(a.reduce((s, row) => s + row[j]! * row[j]!, 0)) || 1);
  const ridge = options.ridge ?? 0;
  const scaled = a.map((row) => row.map((v, j) => v / norms[j]!));
  const augmented = ridge > 0 ? [...scaled, ...Array.from({ length: cols }, (_, j) => Array.from({ length: cols }, (__, k) => (k === j ? Math.sqrt(ridge) : 0)))] : scaled;
  const target = ridge > 0 ? [...b, ...new Array(cols).fill(0)] : [...b];
  const { x, iterations } = lawsonHanson(augmented, target, options.maxIterations ?? 30 * cols);
  const solution = x.map((v, j) => v / norms[j]!);
  const residuals = a.map((row, i) => row.reduce((s, v, j) => s + v * solution[j]!, 0) - b[i]!);
  return { x: solution, rmsResidual: rms(residuals), iterations };
}

function rms(values: readonly number[]): number {
  return values.length === 0 ? 0 : Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
}

function lawsonHanson(a: readonly (readonly number[])[], b: readonly number[], maxIterations: number): { x: number[]; iterations: number } {
  const cols = a[0]!.length;
  const x = new Array<number>(cols).fill(0);
  const passive = new Array<boolean>(cols).fill(false);
  const tolerance = 1e-12;
  let iterations = 0;
  const gradient = () => {
    const r = b.map((bi, i) => bi - a[i]!.reduce((s, v, j) => s + v * x[j]!, 0));
    return Array.from({ length: cols }, (_, j) => a.reduce((s, row, i) => s + row[j]! * r[i]!, 0));
  };
  for (;;) {
    const w = gradient();
    let best = -1;
    for (let j = 0; j < cols; j++) if (!passive[j] && w[j]! > tolerance && (best < 0 || w[j]! > w[best]!)) best = j;
    if (best < 0 || iterations >= maxIterations) break;
    passive[best] = true;
    for (;;) {
      iterations++;
      const z = solvePassive(a, b, passive);
      const negative = z.some((v, j) => passive[j] && v <= 0);
      if (!negative) {
        for (let j = 0; j < cols; j++) x[j] = passive[j] ? z[j]! : 0;
        break;
      }
      let alpha = Infinity;
      for (let j = 0; j < cols; j++) if (passive[j] && z[j]! <= 0) alpha = Math.min(alpha, x[j]! / (x[j]! - z[j]!));
      for (let j = 0; j < cols; j++) {
        x[j] = x[j]! + alpha * (z[j]! - x[j]!);
        if (passive[j] && Math.abs(x[j]!) < tolerance) {
          passive[j] = false;
          x[j] = 0;
        }
      }
      if (iterations >= maxIterations) break;
    }
  }
  return { x, iterations };
}

/** Least squares restricted to the passive columns (normal equations, Gaussian elimination with pivoting). */
function solvePassive(a: readonly (readonly number[])[], b: readonly number[], passive: readonly boolean[]): number[] {
  const index = passive.flatMap((p, j) => (p ? [j] : []));
  const n = index.length;
  const m = Array.from({ length: n }, (_, r) => {
    const row = index.map((jc) => a.reduce((s, ar) => s + ar[index[r]!]! * ar[jc]!, 0));
    row.push(a.reduce((s, ar, i) => s + ar[index[r]!]! * b[i]!, 0));
    return row;
  });
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const d = m[c]![c]!;
    if (Math.abs(d) < 1e-14) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / d;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const z = new Array<number>(passive.length).fill(0);
  index.forEach((j, r) => {
    const d = m[r]![r]!;
    z[j] = Math.abs(d) < 1e-14 ? 0 : m[r]![n]! / d;
  });
  return z;
}
