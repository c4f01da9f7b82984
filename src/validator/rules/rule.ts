import type { DocumentFacts, FileFacts } from '../context';
import type { ValidationProblem } from '../problems';

/**
 * One validator rule: a small pure function with a name. `file` rules look at any parsed value;
 * `document` rules get the typed view and run only once the schema has passed (`gate`).
 * `publishing` marks a rule about a document one ships (its name, hubfix's own hardening policy)
 * rather than about running it: an AWS-managed or a colleague's document that breaks only such
 * rules still runs (in SSM and in `run-local`). `warnWhenRunning` marks a rule SSM itself does not
 * enforce (a step no path reaches): for others' documents its problems are warnings, not refusals.
 */
export type Rule =
  | {
      id: string;
      scope: 'file';
      gate?: boolean;
      publishing?: boolean;
      warnWhenRunning?: boolean;
      check(facts: FileFacts): ValidationProblem[];
    }
  | { id: string; scope: 'document'; publishing?: boolean; warnWhenRunning?: boolean; check(facts: DocumentFacts): ValidationProblem[] };
