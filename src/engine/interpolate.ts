import { EngineInputError, StepError } from './errors';
import { stringForm } from './values';

/**
 * `{{ reference }}` interpolation, compiled once per document into closures. A string that is
 * exactly one reference takes the referenced value with its type; a reference inside a longer
 * string is printed (strings as they are, numbers and booleans plainly, maps and lists as JSON).
 */

/** What references resolve against during one execution. */
export interface Scope {
  params: Record<string, unknown>;
  variables: Record<string, unknown>;
  /** Typed outputs of the steps that ran, by step name. */
  outputs: Map<string, Record<string, unknown>>;
  accountId: string;
  region: string;
  partition: string;
  executionId: string;
  now(): number;
}

export type Resolver = (scope: Scope) => unknown;

/** Names a document defines, to reject references to nothing when the document is compiled. */
export interface KnownNames {
  params: ReadonlySet<string>;
  steps: ReadonlySet<string>;
  variables: ReadonlySet<string>;
}

const REF = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SINGLE_REF = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const MISSING = Symbol('missing');
type Getter = (scope: Scope) => unknown;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `global:DATE` — yyyy-MM-dd (UTC). */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `global:DATE_TIME` — yyyy-MM-dd_HH.mm.ss (UTC). */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${formatDate(ms)}_${pad(d.getUTCHours())}.${pad(d.getUTCMinutes())}.${pad(d.getUTCSeconds())}`;
}

function getterFor(expression: string, known: KnownNames | undefined, where: string): Getter {
  const invalid = (why: string) => new EngineInputError('InvalidDocument', `${where}: {{ ${expression} }} ${why}`);
  const colon = expression.indexOf(':');
  if (colon >= 0) {
    const ns = expression.slice(0, colon);
    const name = expression.slice(colon + 1);
    switch (ns) {
      case 'variable':
        if (known && !known.variables.has(name)) throw invalid('names a variable the document does not declare');
        return (s) => (Object.hasOwn(s.variables, name) ? s.variables[name] : MISSING);
      case 'global':
        switch (name) {
          case 'ACCOUNT_ID':
            return (s) => s.accountId;
          case 'REGION':
            return (s) => s.region;
          case 'AWS_PARTITION':
            return (s) => s.partition;
          case 'DATE':
            return (s) => formatDate(s.now());
          case 'DATE_TIME':
            return (s) => formatDateTime(s.now());
          default:
            throw invalid('is not an SSM global variable (ACCOUNT_ID, REGION, AWS_PARTITION, DATE, DATE_TIME)');
        }
      case 'automation':
        if (name === 'EXECUTION_ID') return (s) => s.executionId;
        throw invalid('is not an SSM automation variable (EXECUTION_ID)');
      case 'ssm':
        throw invalid('is a Parameter Store reference, allowed only in parameter defaults');
      default:
        throw invalid('has an unknown namespace');
    }
  }
  const dot = expression.indexOf('.');
  if (dot >= 0) {
    const step = expression.slice(0, dot);
    const output = expression.slice(dot + 1);
    if (known && !known.steps.has(step)) throw invalid(`names no step of the document (no step "${step}")`);
    return (s) => {
      const outs = s.outputs.get(step);
      return outs !== undefined && Object.hasOwn(outs, output) ? outs[output] : MISSING;
    };
  }
  if (known && !known.params.has(expression)) throw invalid('names no parameter of the document');
  return (s) => (Object.hasOwn(s.params, expression) ? s.params[expression] : MISSING);
}

function resolved(expression: string, get: Getter): Getter {
  return (s) => {
    const v = get(s);
    if (v === MISSING) {
      const dot = expression.indexOf('.');
      const why =
        dot >= 0 && !expression.includes(':')
          ? `step ${expression.slice(0, dot)} has no output ${expression.slice(dot + 1)} (it did not run, failed, or its selector matched nothing)`
          : 'has no value';
      throw new StepError(`cannot resolve {{ ${expression} }}: ${why}`, 'UnresolvedReference');
    }
    return v;
  };
}

function compileString(text: string, known: KnownNames | undefined, where: string): Resolver {
  if (!text.includes('{{')) return () => text;
  const single = SINGLE_REF.exec(text);
  if (single) return resolved(single[1], getterFor(single[1], known, where));
  const parts: Array<string | Getter> = [];
  let last = 0;
  for (const m of text.matchAll(REF)) {
    const index = m.index ?? 0;
    if (index > last) parts.push(text.slice(last, index));
    parts.push(resolved(m[1], getterFor(m[1], known, where)));
    last = index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (s) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : stringForm(p(s));
    return out;
  };
}

/**
 * Compiles any value (the inputs of a step, a document output name, ...) into a resolver that
 * builds a fresh copy with every reference replaced.
 */
export function compileTemplate(value: unknown, known?: KnownNames, where = 'document'): Resolver {
  if (typeof value === 'string') return compileString(value, known, where);
  if (Array.isArray(value)) {
    const items = value.map((v) => compileTemplate(v, known, where));
    return (s) => {
      const out = new Array(items.length);
      for (let i = 0; i < items.length; i++) out[i] = items[i](s);
      return out;
    };
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const vals = keys.map((k) => compileTemplate((value as Record<string, unknown>)[k], known, `${where}.${k}`));
    return (s) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[keys[i]] = vals[i](s);
      return out;
    };
  }
  return () => value;
}
