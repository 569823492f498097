/**
 * Number formats shared by the markdown and terminal renderers. Precision follows the
 * magnitude so that sub-millisecond cache hits and multi-second tails both stay readable.
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
