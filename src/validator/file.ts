import * as fs from 'node:fs';
import * as path from 'node:path';
import { load, YAMLException } from 'js-yaml';
import type { ValidationProblem } from './problems';
import { validateDocument } from './validate';

export type ReadErrorCode = 'NOT_FOUND' | 'IS_DIRECTORY' | 'UNREADABLE' | 'EMPTY' | 'NOT_YAML' | 'NOT_MAPPING' | 'NOT_AUTOMATION';

/** A file that cannot be checked at all (as opposed to a document with problems): one-line reason. */
export class DocumentReadError extends Error {
  constructor(
    readonly code: ReadErrorCode,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DocumentReadError';
  }
}

const COMMAND_SCHEMA_VERSIONS = new Set(['1.2', '2.0', '2.2']);

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function readText(file: string): string {
  try {
    if (fs.statSync(file).isDirectory()) throw new DocumentReadError('IS_DIRECTORY', file, 'is a directory, not a document');
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof DocumentReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DocumentReadError('NOT_FOUND', file, 'no such file');
    if (code === 'EISDIR') throw new DocumentReadError('IS_DIRECTORY', file, 'is a directory, not a document');
    throw new DocumentReadError('UNREADABLE', file, `cannot read the file (${code ?? oneLine(String(err))})`);
  }
}

/** True when the text has something besides blank lines, comments and document markers. */
function hasContent(text: string): boolean {
  return text.split(/\r?\n/).some((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('#') && t !== '---' && t !== '...';
  });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  return `a ${typeof value}`;
}

/** Parses YAML or JSON text into an Automation document's raw value, or says why it is not one. */
export function parseDocument(file: string, text: string): Record<string, unknown> {
  if (text.trim() === '') throw new DocumentReadError('EMPTY', file, 'the file is empty');
  if (text.includes('\u0000')) throw new DocumentReadError('NOT_YAML', file, 'not YAML or JSON (binary content)');
  if (!hasContent(text)) throw new DocumentReadError('EMPTY', file, 'the document is empty (only comments or ---)');
  let value: unknown;
  try {
    value = load(text);
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const where = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    throw new DocumentReadError('NOT_YAML', file, `not valid YAML or JSON: ${oneLine(err.reason)}${where}`);
  }
  if (value === null || value === undefined) throw new DocumentReadError('EMPTY', file, 'the document is empty (null)');
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DocumentReadError('NOT_MAPPING', file, `not an Automation document: the top level is ${describe(value)}, not a mapping`);
  }
  const doc = value as Record<string, unknown>;
  if (doc.schemaVersion !== undefined && String(doc.schemaVersion) !== '0.3') {
    const version = oneLine(String(doc.schemaVersion));
    throw new DocumentReadError(
      'NOT_AUTOMATION',
      file,
      COMMAND_SCHEMA_VERSIONS.has(version)
        ? `schemaVersion ${version} is a Command or Policy document; hubfix validates Automation documents (schemaVersion 0.3)`
        : `schemaVersion "${version}" is not an Automation document's (expected "0.3")`,
    );
  }
  return doc;
}

/** Reads a document file; throws DocumentReadError when it cannot be read or is not a document. */
export function readDocumentFile(file: string): { doc: Record<string, unknown>; sizeBytes: number } {
  const text = readText(file);
  return { doc: parseDocument(file, text), sizeBytes: Buffer.byteLength(text, 'utf8') };
}

/**
 * Validates a YAML or JSON Automation document file, named after the file (without extension).
 * Returns its problems (empty when valid); throws DocumentReadError when it cannot be checked.
 */
export function validateFile(file: string): ValidationProblem[] {
  const { doc, sizeBytes } = readDocumentFile(file);
  return validateDocument(doc, { name: path.parse(file).name, sizeBytes });
}
