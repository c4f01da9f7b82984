/**
 * EventBridge's matching of an event against a rule's event pattern, for the patterns hubfix's
 * rules use (src/cfn/events.ts). Each leaf of the pattern lists the values it accepts (strings,
 * numbers, booleans or null, matched exactly); every leaf must match. The event's values at a leaf's
 * path are gathered through arrays at any depth, and the leaf matches when any of them is accepted:
 * as EventBridge documents for arrays, each leaf is matched on its own, not element by element.
 * Content filters (`prefix`, `anything-but`, `numeric`, `exists`, ...) are not modelled: a pattern
 * using one is refused rather than matched wrongly. Pure.
 */

export class UnsupportedPatternError extends Error {
  readonly code = 'UnsupportedPattern';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flat(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap(flat) : [value];
}

/** The pattern's leaves: path and accepted values. */
function leavesOf(pattern: Record<string, unknown>, path: string[] = []): Array<{ path: string[]; accepted: unknown[] }> {
  return Object.entries(pattern).flatMap(([key, expected]) => {
    const here = [...path, key];
    if (isRecord(expected)) return leavesOf(expected, here);
    if (!Array.isArray(expected))
      throw new UnsupportedPatternError(
        `event pattern at ${here.join('.')}: expected a list of values or an object, got ${JSON.stringify(expected)}`,
      );
    for (const a of expected)
      if (typeof a === 'object' && a !== null)
        throw new UnsupportedPatternError(`event pattern at ${here.join('.')}: content filter ${JSON.stringify(a)} is not modelled`);
    return [{ path: here, accepted: expected }];
  });
}

/** The event's values at a path, through arrays at any depth. */
function valuesAt(event: unknown, path: readonly string[]): unknown[] {
  let here: unknown[] = [event];
  for (const key of path) here = flat(here.flatMap((v) => flat(v).flatMap((o) => (isRecord(o) && key in o ? [o[key]] : []))));
  return here;
}

export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return leavesOf(pattern).every(({ path, accepted }) => valuesAt(event, path).some((v) => accepted.includes(v)));
}
