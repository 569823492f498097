/**
 * Number formats shared by the renderers, the gate and the attribution sentences. Precision
 * follows the magnitude so that sub-millisecond cache hits and multi-second tails both stay readable.
 */

/** Milliseconds: 3 decimals below 1 ms, 2 below 10 ms, 1 above ("0.412", "4.12", "41.2", "4120.5"). */
export function formatMs(valueMs: number): string {
  if (valueMs === 0) return '0';
  const abs = Math.abs(valueMs);
  const decimals = abs < 1 ? 3 : abs < 10 ? 2 : 1;
  return valueMs.toFixed(decimals);
}

/** Requests per second: 1 decimal below 100 rps, whole numbers above. */
export function formatRps(valueRps: number): string {
  return Math.abs(valueRps) < 100 ? valueRps.toFixed(1) : Math.round(valueRps).toString();
}

/** A ratio to the baseline, "1.84x"; "n/a" when it could not be computed. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`;
}

export function formatCount(count: number): string {
  return Math.round(count).toString();
}

const BYTES_PER_GIB = 1024 ** 3;

export function formatGiB(sizeBytes: number): string {
  return `${(sizeBytes / BYTES_PER_GIB).toFixed(1)} GiB`;
}

/** Server-side quantities of any unit: 3 significant digits, no exponent ("0.0683", "1.23", "45.6", "12345"). */
export function formatQuantity(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** A fraction as a percentage with one decimal: 0.736 -> "73.6%". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

const BYTES_PER_MIB = 1024 ** 2;

/** Memory of a process or a cache: MiB to 3 significant digits, GiB with 2 decimals from 1 GiB. */
export function formatBytes(sizeBytes: number): string {
  const mib = sizeBytes / BYTES_PER_MIB;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${formatQuantity(mib)} MiB`;
}
