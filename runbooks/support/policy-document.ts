/**
 * IAM and S3 policy documents as hubfix reads and writes them. IAM returns policy documents
 * URL-encoded (RFC 3986) and the SDK does not decode them; S3 returns plain JSON. Pure.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: string | Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export class PolicyDocumentError extends Error {
  readonly code = 'MalformedPolicyDocument';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyDocumentError';
  }
}

/** A policy document from its JSON text, URL-encoded or not; null for an empty value. */
export function parsePolicyDocument(raw: unknown): PolicyDocument | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
    try {
      value = JSON.parse(text);
    } catch {
      throw new PolicyDocumentError('policy document is not valid JSON');
    }
  }
  const doc = value as { Version?: unknown; Statement?: unknown };
  if (!doc || typeof doc !== 'object') throw new PolicyDocumentError('policy document is not an object');
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return { Version: '2012-10-17', Statement: statements as PolicyStatement[] };
}

export function asList<T>(v: T | T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** True when the document lets `service` (a service principal) assume the role. */
export function trustsService(doc: PolicyDocument | null, service: string): boolean {
  if (!doc) return false;
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (!asList(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*')) return false;
    const principal = s.Principal;
    if (!principal || typeof principal === 'string') return false;
    return asList(principal.Service).includes(service);
  });
}

/** Canonical JSON of a document, for comparing what is stored with what hubfix would write. */
export function canonicalJson(doc: PolicyDocument): string {
  return JSON.stringify(doc);
}
