import { toYaml } from '../compiler/yaml';
import type { AutomationDocument } from '../model/document';
import { type DocumentFacts, documentFacts, type FileFacts } from './context';
import type { ValidationProblem } from './problems';
import { RULES } from './rules';

export interface ValidateOptions {
  /** The document name (a file's name without extension); its rules are checked when given. */
  name?: string;
  /** Size of the document as it is stored; defaults to the size of its compact JSON. */
  sizeBytes?: number;
  /** Only what running the document needs: skip the publishing rules, and mark problems SSM would run anyway as warnings (for others' documents). */
  forRunning?: boolean;
}

/**
 * Validates an Automation document (any parsed value): the schema first, then the semantic rules.
 * Rules that need a well-formed document run only once the schema has passed.
 */
export function validateDocument(doc: unknown, opts: ValidateOptions = {}): ValidationProblem[] {
  const file: FileFacts = {
    raw: doc,
    name: opts.name,
    sizeBytes: opts.sizeBytes ?? Buffer.byteLength(JSON.stringify(doc) ?? '', 'utf8'),
  };
  const problems: ValidationProblem[] = [];
  let wellFormed = true;
  let facts: DocumentFacts | undefined;
  for (const rule of RULES) {
    if (opts.forRunning && rule.publishing) continue;
    const mark = (found: ValidationProblem[]) =>
      opts.forRunning && rule.warnWhenRunning ? found.map((p) => ({ ...p, warning: true as const })) : found;
    if (rule.scope === 'file') {
      const found = rule.check(file);
      if (rule.gate && found.length > 0) wellFormed = false;
      problems.push(...mark(found));
    } else if (wellFormed) {
      facts ??= documentFacts(file);
      problems.push(...mark(rule.check(facts)));
    }
  }
  return problems;
}

/** For `hubfix build`: validates a compiled document as it will be written (YAML, named). */
export function validateCompiled(name: string, doc: AutomationDocument): ValidationProblem[] {
  return validateDocument(doc, { name, sizeBytes: Buffer.byteLength(toYaml(doc), 'utf8') });
}
