import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { compileAll } from '../compiler/index';
import type { AutomationDocument } from '../model/document';
import type { AnyHandler } from '../model/handlers';
import { DocumentReadError, readDocumentFile, validateDocument } from '../validator/index';
import type { DocumentResolver, RunnableDocument } from './engine';
import { EngineInputError } from './errors';

/**
 * Where `run-local` finds documents: the build (a runbook's document name, with its derived
 * policy and handlers) or any Automation document file. A file's policy is what its own steps
 * call; children of aws:executeAutomation come from the build.
 */

export function buildDocuments(): RunnableDocument[] {
  return compileAll().map((c) => ({ name: c.name, document: c.document, policy: c.policy, handlers: c.handlers }));
}

export function buildResolver(docs: readonly RunnableDocument[] = buildDocuments()): DocumentResolver {
  const byName = new Map(docs.map((d) => [d.name, d]));
  return (name) => byName.get(name);
}

/** Every script handler of the build, by id. */
export function buildHandlers(docs: readonly RunnableDocument[]): Map<string, AnyHandler> {
  const map = new Map<string, AnyHandler>();
  for (const d of docs) for (const h of d.handlers ?? []) map.set(h.id, h);
  return map;
}

function looksLikeFile(ref: string): boolean {
  return /\.(ya?ml|json)$/i.test(ref) || ref.includes('/') || ref.includes(path.sep);
}

/**
 * The document `ref` names: a file when it is one (or looks like a path), else a document of the
 * build. Validates it; throws EngineInputError (UnknownDocument, InvalidDocument) otherwise.
 */
export function resolveDocument(ref: string, build: DocumentResolver, warn: (message: string) => void = () => {}): RunnableDocument {
  const fromBuild = looksLikeFile(ref) ? undefined : build(ref);
  if (fromBuild) return checked(fromBuild, fromBuild.document, undefined);
  if (!fs.existsSync(ref)) {
    throw new EngineInputError(
      'UnknownDocument',
      looksLikeFile(ref) ? `${ref}: no such file` : `unknown document ${ref}: not a document of the build nor a file`,
    );
  }
  let doc: Record<string, unknown>;
  let sizeBytes: number;
  try {
    ({ doc, sizeBytes } = readDocumentFile(ref));
  } catch (err) {
    if (err instanceof DocumentReadError) throw new EngineInputError('InvalidDocument', err.message);
    throw err;
  }
  const name = path.parse(ref).name;
  // a file that is one of the build's documents (dist/runbooks/<name>.yaml) runs as that document:
  // its policy and handlers come from the build, not from what its own steps show
  const same = build(name);
  if (same && isSameDocument(same.document, doc)) return checked(same, same.document, undefined);
  if (same)
    warn(
      `${ref} differs from the build's document ${name} (an older build?): it runs as a document from outside the build, with the policy its own steps show`,
    );
  // a document from outside the build (AWS-managed, a colleague's) need only be one SSM would run
  return checked({ name, document: doc as unknown as AutomationDocument }, doc, sizeBytes, true, warn);
}

/** True when a document read from a file is, value for value, the build's document. */
function isSameDocument(built: AutomationDocument, fromFile: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(built)), JSON.parse(JSON.stringify(fromFile)));
}

function checked(
  d: RunnableDocument,
  raw: unknown,
  sizeBytes: number | undefined,
  forRunning = false,
  warn: (message: string) => void = () => {},
): RunnableDocument {
  const all = validateDocument(raw, { name: d.name, sizeBytes, forRunning });
  for (const w of all.filter((p) => p.warning)) warn(`${d.name}: ${w.path}: ${w.message} (SSM runs it anyway)`);
  const problems = all.filter((p) => !p.warning);
  if (problems.length) {
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: hubfix validate shows them)` : '';
    throw new EngineInputError('InvalidDocument', `${d.name} fails validation: ${problems[0].path}: ${problems[0].message}${more}`);
  }
  return d;
}
