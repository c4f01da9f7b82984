/**
 * The statistics the benchmarks report. The upper median for an even count of samples, as every
 * figure so far was taken. Pure.
 */

/** The sample at fraction `p` (0–1) of the sorted samples; NaN without samples. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : Number.NaN;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 0.5);
}
