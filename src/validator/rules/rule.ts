import type { DocumentFacts, FileFacts } from '../context';
import type { ValidationProblem } from '../problems';

/**
 * One validator rule: a small pure function with a name. `file` rules look at any parsed value;
 * `document` rules get the typed view and run only once the schema has passed (`gate`).
 */
export type Rule =
  | { id: string; scope: 'file'; gate?: boolean; check(facts: FileFacts): ValidationProblem[] }
  | { id: string; scope: 'document'; check(facts: DocumentFacts): ValidationProblem[] };
