import type { OutputType } from '../model/document';

/**
 * SSM value types at run time: coercion of a selected value to an output's declared Type, and
 * the string forms SSM's API uses (StepExecution.Outputs and Parameters are maps of string lists,
 * Inputs a map of strings).
 */

export class ValueTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueTypeError';
  }
}

function describe(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar as SSM prints it inside a string: strings as they are, the rest as JSON. */
export function stringForm(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return '';
  return JSON.stringify(value);
}

/** Converts `value` to the SSM type `type`, or throws ValueTypeError saying why it cannot. */
export function coerceToType(value: unknown, type: OutputType): unknown {
  switch (type) {
    case 'String':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (value === null) throw new ValueTypeError('null is not a String');
      return JSON.stringify(value);
    case 'Integer': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
      throw new ValueTypeError(`${describe(value)} is not an Integer`);
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw new ValueTypeError(`${describe(value)} is not a Boolean`);
    case 'StringList':
      if (Array.isArray(value)) return value.map((v) => stringForm(v));
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [String(value)];
      throw new ValueTypeError(`${describe(value)} is not a StringList`);
    case 'StringMap':
      if (isPlainObject(value)) return value;
      throw new ValueTypeError(`${describe(value)} is not a StringMap`);
    case 'MapList':
      if (Array.isArray(value) && value.every(isPlainObject)) return value;
      throw new ValueTypeError(`${describe(value)} is not a MapList`);
    default:
      throw new ValueTypeError(`unknown type ${String(type)}`);
  }
}

/** SSM's list-of-strings form of a value (StepExecution.Outputs, Parameters). */
export function stringListForm(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(stringForm);
  return [stringForm(value)];
}
