/** A run setting the runbook cannot act on: the step fails and nothing is changed. */
export class InvalidSettingError extends Error {
  readonly code = 'InvalidSetting';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSettingError';
  }
}

/** An Integer parameter as a number; a string of digits is accepted (SSM may print it into a payload). Pure. */
export function integerValue(value: unknown): unknown {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
}

/**
 * An Integer run setting within `[lo, hi]`, or an InvalidSettingError naming the setting, the
 * bounds and the value it got. Pure.
 */
export function integerSetting(name: string, raw: unknown, [lo, hi]: readonly [number, number]): number {
  const value = integerValue(raw);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi)
    throw new InvalidSettingError(`${name} must be an integer from ${lo} to ${hi}, got ${String(value)}`);
  return value;
}
