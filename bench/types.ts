/** One benchmark figure. `target` says what good is, in words (`< 1000 ms`, `>= 50000 steps/s`). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  /** True when the value meets the target. */
  ok: boolean;
  /** Set when the figure could not be measured: why, in one line (printed as SKIP instead of a value). */
  skipped?: string;
  /** The raw figures behind a derived value (e.g. both sides of a ratio), kept in .bench/results.json. */
  detail?: Record<string, number>;
}

/** One line of the table: `ok`/`MISS` with the value and target, or `SKIP` with the reason. */
export function formatResult(r: BenchResult): string {
  if (r.skipped !== undefined) return `SKIP  ${r.name}: ${r.skipped}`;
  return `${r.ok ? 'ok  ' : 'MISS'}  ${r.name}: ${r.value} ${r.unit}  (target ${r.target})`;
}
