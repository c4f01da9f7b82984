import * as fs from 'node:fs';
import * as path from 'node:path';
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
export function resolveDocument(ref: string, build: DocumentResolver): RunnableDocument {
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
  // a document from outside the build (AWS-managed, a colleague's) need only be one SSM would run
  return checked({ name, document: doc as unknown as AutomationDocument }, doc, sizeBytes, true);
}

function checked(d: RunnableDocument, raw: unknown, sizeBytes: number | undefined, forRunning = false): RunnableDocument {
  const problems = validateDocument(raw, { name: d.name, sizeBytes, forRunning });
  if (problems.length) {
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: hubfix validate shows them)` : '';
    throw new EngineInputError('InvalidDocument', `${d.name} fails validation: ${problems[0].path}: ${problems[0].message}${more}`);
  }
  return d;
}
