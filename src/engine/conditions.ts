import { EngineInputError, StepError } from './errors';

/**
 * aws:branch choices and aws:loop conditions: one `Variable` compared with one operator, or
 * `And` / `Or` lists and `Not` of conditions. Checked for shape when the document is compiled,
 * evaluated on resolved values when the step runs.
 */

export const OPERATORS = [
  'StringEquals',
  'EqualsIgnoreCase',
  'StartsWith',
  'EndsWith',
  'Contains',
  'NumericEquals',
  'NumericGreater',
  'NumericLesser',
  'NumericGreaterOrEquals',
  'NumericLesserOrEquals',
  'BooleanEquals',
] as const;
export type Operator = (typeof OPERATORS)[number];
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/** Keys a condition object may carry besides its operator (NextStep belongs to a branch choice). */
const STRUCTURAL = new Set(['Variable', 'NextStep', 'And', 'Or', 'Not']);

function bad(where: string, why: string): never {
  throw new EngineInputError('InvalidDocument', `${where}: ${why}`);
}

/** Checks the shape of a condition; throws InvalidDocument naming where it is wrong. */
export function checkCondition(raw: unknown, where: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad(where, 'a condition must be a map');
  const c = raw as Record<string, unknown>;
  if ('And' in c || 'Or' in c) {
    const key = 'And' in c ? 'And' : 'Or';
    const list = c[key];
    if (!Array.isArray(list) || list.length === 0) bad(where, `${key} needs a non-empty list of conditions`);
    for (const [i, x] of list.entries()) checkCondition(x, `${where}.${key}[${i}]`);
    return;
  }
  if ('Not' in c) {
    checkCondition(c.Not, `${where}.Not`);
    return;
  }
  if (!('Variable' in c)) bad(where, 'needs Variable and an operator, or And / Or / Not');
  const ops = Object.keys(c).filter((k) => !STRUCTURAL.has(k));
  if (ops.length !== 1) bad(where, `needs exactly one operator (${OPERATORS.join(', ')}), found ${ops.length ? ops.join(', ') : 'none'}`);
  if (!OPERATOR_SET.has(ops[0])) bad(where, `${ops[0]} is not an aws:branch operator`);
}

function toNumber(value: unknown, side: string, op: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(n)) throw new StepError(`${op}: ${side} ${JSON.stringify(value)} is not a number`, 'InvalidCondition');
  return n;
}

function toBoolean(value: unknown, side: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new StepError(`BooleanEquals: ${side} ${JSON.stringify(value)} is not a Boolean`, 'InvalidCondition');
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function compare(op: Operator, variable: unknown, expected: unknown): boolean {
  switch (op) {
    case 'StringEquals':
      return text(variable) === text(expected);
    case 'EqualsIgnoreCase':
      return text(variable).toLowerCase() === text(expected).toLowerCase();
    case 'StartsWith':
      return text(variable).startsWith(text(expected));
    case 'EndsWith':
      return text(variable).endsWith(text(expected));
    case 'Contains':
      // a list variable contains an item; a string variable contains a substring
      return Array.isArray(variable) ? variable.some((v) => text(v) === text(expected)) : text(variable).includes(text(expected));
    case 'NumericEquals':
      return toNumber(variable, 'Variable', op) === toNumber(expected, 'value', op);
    case 'NumericGreater':
      return toNumber(variable, 'Variable', op) > toNumber(expected, 'value', op);
    case 'NumericLesser':
      return toNumber(variable, 'Variable', op) < toNumber(expected, 'value', op);
    case 'NumericGreaterOrEquals':
      return toNumber(variable, 'Variable', op) >= toNumber(expected, 'value', op);
    case 'NumericLesserOrEquals':
      return toNumber(variable, 'Variable', op) <= toNumber(expected, 'value', op);
    case 'BooleanEquals':
      return toBoolean(variable, 'Variable') === toBoolean(expected, 'value');
  }
}

/** Evaluates a resolved condition (its Variable already interpolated). */
export function evaluateCondition(raw: unknown): boolean {
  const c = raw as Record<string, unknown>;
  if (Array.isArray(c.And)) return c.And.every(evaluateCondition);
  if (Array.isArray(c.Or)) return c.Or.some(evaluateCondition);
  if ('Not' in c) return !evaluateCondition(c.Not);
  for (const key of Object.keys(c)) {
    if (OPERATOR_SET.has(key)) return compare(key as Operator, c.Variable, c[key]);
  }
  throw new StepError('condition has no operator', 'InvalidCondition');
}
