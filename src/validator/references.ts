import type { PathSegments } from './problems';

/** What a `{{ expression }}` names. */
export type Reference =
  | { kind: 'system'; name: string }
  | { kind: 'variable'; name: string }
  | { kind: 'ssm'; name: string }
  | { kind: 'output'; step: string; output: string }
  | { kind: 'parameter'; name: string }
  | { kind: 'unknown'; text: string };

/** A reference found in a document: what it says and where. */
export interface FoundReference {
  text: string;
  ref: Reference;
  path: PathSegments;
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z0-9_]+$/;
const OUTPUT = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/;

export function parseReference(expression: string): Reference {
  const prefixed = /^(global|automation|variable|ssm):(.+)$/.exec(expression);
  if (prefixed) {
    const [, prefix, name] = prefixed;
    if (prefix === 'variable') return { kind: 'variable', name };
    if (prefix === 'ssm') return { kind: 'ssm', name };
    return { kind: 'system', name: `${prefix}:${name}` };
  }
  const output = OUTPUT.exec(expression);
  if (output) return { kind: 'output', step: output[1], output: output[2] };
  if (NAME.test(expression)) return { kind: 'parameter', name: expression };
  return { kind: 'unknown', text: expression };
}

/** Every `{{ }}` in every string of a value, at any depth. `skip` prunes a subtree by path. */
export function findReferences(value: unknown, at: PathSegments, skip?: (path: PathSegments) => boolean): FoundReference[] {
  const found: FoundReference[] = [];
  const walk = (v: unknown, path: PathSegments): void => {
    if (skip?.(path)) return;
    if (typeof v === 'string') {
      for (const m of v.matchAll(TEMPLATE)) found.push({ text: m[0], ref: parseReference(m[1]), path });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
    }
  };
  walk(value, at);
  return found;
}
