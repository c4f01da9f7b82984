import type { DocumentParameter, ParameterType } from '../model/document';
import { EngineInputError } from './errors';

/**
 * Parameter checking before any step runs, as StartAutomationExecution does: every given name must
 * be declared, every parameter without a default must be given, and each value must be of its
 * type and pass allowedValues, allowedPattern, minChars/maxChars and minItems/maxItems.
 * Values may arrive as strings (the command line, SSM's map of string lists), so Integer,
 * Boolean, StringList, StringMap and MapList are converted from their string forms.
 */

function fail(name: string, why: string): never {
  throw new EngineInputError('InvalidParameter', `parameter ${name}: ${why}`);
}

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

function unwrapSingle(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

function parseJson(name: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(name, `${show(text)} is not a ${what} (give it as JSON)`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Converts a given value to the parameter's type, or fails naming the parameter. */
export function coerceParameter(name: string, type: ParameterType, raw: unknown): unknown {
  switch (type) {
    case 'String': {
      const v = unwrapSingle(raw);
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return fail(name, `${show(raw)} is not a String`);
    }
    case 'Integer': {
      const v = unwrapSingle(raw);
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
      return fail(name, `${show(raw)} is not an Integer`);
    }
    case 'Boolean': {
      const v = unwrapSingle(raw);
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^\s*(true|false)\s*$/i.test(v)) return v.trim().toLowerCase() === 'true';
      return fail(name, `${show(raw)} is not a Boolean (true or false)`);
    }
    case 'StringList': {
      let v = raw;
      if (typeof v === 'string') v = v.trim().startsWith('[') ? parseJson(name, v, 'StringList') : v === '' ? [] : v.split(',');
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean'))
        return v.map((x) => String(x));
      return fail(name, `${show(raw)} is not a StringList`);
    }
    case 'StringMap': {
      let v = unwrapSingle(raw);
      if (typeof v === 'string') v = parseJson(name, v, 'StringMap');
      if (isPlainObject(v)) return v;
      return fail(name, `${show(raw)} is not a StringMap`);
    }
    case 'MapList': {
      let v = raw;
      if (typeof v === 'string') v = parseJson(name, v, 'MapList');
      else if (Array.isArray(v)) v = v.map((x) => (typeof x === 'string' && x.trim().startsWith('{') ? parseJson(name, x, 'map') : x));
      if (Array.isArray(v) && v.every(isPlainObject)) return v;
      return fail(name, `${show(raw)} is not a MapList`);
    }
    default:
      return fail(name, `has an unknown type ${String(type)}`);
  }
}

const patternCache = new Map<string, RegExp>();

function patternOf(name: string, source: string): RegExp {
  let re = patternCache.get(source);
  if (!re) {
    try {
      re = new RegExp(source);
    } catch {
      throw new EngineInputError('InvalidDocument', `parameter ${name}: allowedPattern ${show(source)} is not a valid regular expression`);
    }
    patternCache.set(source, re);
  }
  return re;
}

function checkString(name: string, def: DocumentParameter, value: string, label: string): void {
  if (def.allowedValues && !def.allowedValues.includes(value))
    fail(name, `${label}${show(value)} is not one of the allowed values ${show(def.allowedValues)}`);
  if (def.allowedPattern !== undefined && !patternOf(name, def.allowedPattern).test(value))
    fail(name, `${label}${show(value)} does not match allowedPattern ${def.allowedPattern}`);
  if (def.minChars !== undefined && value.length < def.minChars)
    fail(name, `${label}${show(value)} is shorter than minChars ${def.minChars}`);
  if (def.maxChars !== undefined && value.length > def.maxChars) fail(name, `${label}is longer than maxChars ${def.maxChars}`);
}

function checkConstraints(name: string, def: DocumentParameter, value: unknown): void {
  switch (def.type) {
    case 'String':
      checkString(name, def, value as string, '');
      return;
    case 'Integer':
      if (def.allowedValues && !def.allowedValues.map(String).includes(String(value)))
        fail(name, `${value} is not one of the allowed values ${show(def.allowedValues)}`);
      return;
    case 'StringList': {
      const list = value as string[];
      for (const [i, item] of list.entries()) checkString(name, def, item, `item ${i} `);
      checkItems(name, def, list.length);
      return;
    }
    case 'MapList':
      checkItems(name, def, (value as unknown[]).length);
      return;
    default:
      return;
  }
}

function checkItems(name: string, def: DocumentParameter, count: number): void {
  if (def.minItems !== undefined && count < def.minItems) fail(name, `has ${count} items, fewer than minItems ${def.minItems}`);
  if (def.maxItems !== undefined && count > def.maxItems) fail(name, `has ${count} items, more than maxItems ${def.maxItems}`);
}

/**
 * The typed parameter values of an execution: given values checked and converted, defaults
 * filled in. Throws EngineInputError (InvalidParameter) on the first problem.
 */
export function checkParameters(
  defs: Readonly<Record<string, DocumentParameter>> | undefined,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const declared = defs ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name))
      fail(
        name,
        `is not a parameter of this document${Object.keys(declared).length ? ` (it takes ${Object.keys(declared).join(', ')})` : ''}`,
      );
  }
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(declared)) {
    if (Object.hasOwn(given, name) && given[name] !== undefined) {
      const value = coerceParameter(name, def.type, given[name]);
      checkConstraints(name, def, value);
      out[name] = value;
    } else if (def.default !== undefined) {
      if (typeof def.default === 'string' && /\{\{\s*ssm:/.test(def.default))
        fail(
          name,
          `its default ${def.default} reads Parameter Store, which a local run does not do: give the value with --param ${name}=...`,
        );
      out[name] = coerceParameter(name, def.type, def.default);
    } else {
      fail(name, 'is required and has no default');
    }
  }
  return out;
}
