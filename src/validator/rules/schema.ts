import { schemaProblems } from '../schema';
import type { Rule } from './rule';

/** The document matches our JSON Schema: per-action inputs, no unknown keys, right types. */
export const matchesSchema: Rule = {
  id: 'matches-schema',
  scope: 'file',
  gate: true,
  check: (f) => schemaProblems(f.raw),
};
