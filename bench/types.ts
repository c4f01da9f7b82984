/** One benchmark figure. `target` says what good is, in words (`< 1000 ms`, `>= 50000 steps/s`). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  /** True when the value meets the target. */
  ok: boolean;
}
