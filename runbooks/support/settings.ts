/** An Integer parameter as a number; a string of digits is accepted (SSM may print it into a payload). Pure. */
export function integerValue(value: unknown): unknown {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
}

/**
 * An Integer run setting within `[lo, hi]`, or the runbook's own error (`fail`) naming the setting,
 * the bounds and the value it got. Pure.
 */
export function integerSetting(name: string, raw: unknown, [lo, hi]: readonly [number, number], fail: (message: string) => Error): number {
  const value = integerValue(raw);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi)
    throw fail(`${name} must be an integer from ${lo} to ${hi}, got ${String(value)}`);
  return value;
}
