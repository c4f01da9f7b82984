import { FIELD_EXECUTION, FIELD_STATUS, FIELD_UPDATED_AT, withOurFields } from '../findings/fields';
import { cleanText, clip } from './text';

/**
 * The Security Hub side of a record, pure: the GetFindings request that reads the finding's
 * current note and fields, and the BatchUpdateFindings request that writes the new ones.
 *
 * The BatchUpdateFindings API reference does not say whether `UserDefinedFields` replaces the
 * finding's map or merges into it, so the request always carries the whole map: the fields read
 * from the finding plus ours. That is right under either behaviour; it is why the count of
 * attempts survives (it is carried, never reset). When the finding could not be read, only our
 * status and execution keys are sent, and no count is invented.
 */

export type Workflow = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';

export interface FindingState {
  note?: string;
  fields: Record<string, string>;
  workflow?: string;
}

/** GetFindings for exactly one finding, by Id (and ProductArn when known). */
export function getFindingRequest(findingId: string, productArn: string): Record<string, unknown> {
  const filters: Record<string, unknown> = { Id: [{ Value: findingId, Comparison: 'EQUALS' }] };
  if (productArn) filters.ProductArn = [{ Value: productArn, Comparison: 'EQUALS' }];
  return { Filters: filters, MaxResults: 1 };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The note, fields and workflow of an ASFF finding. */
export function stateOfFinding(finding: unknown): FindingState {
  const f = isRecord(finding) ? finding : {};
  const fields: Record<string, string> = {};
  if (isRecord(f.UserDefinedFields)) for (const [k, v] of Object.entries(f.UserDefinedFields)) if (typeof v === 'string') fields[k] = v;
  const note = isRecord(f.Note) && typeof f.Note.Text === 'string' ? f.Note.Text : undefined;
  const workflow = isRecord(f.Workflow) && typeof f.Workflow.Status === 'string' ? f.Workflow.Status : undefined;
  return { ...(note !== undefined ? { note } : {}), fields, ...(workflow ? { workflow } : {}) };
}

/** The finding in a GetFindings response, or undefined when it is not in it. */
export function findingFromGetFindings(response: unknown, findingId: string): unknown {
  const list = isRecord(response) && Array.isArray(response.Findings) ? response.Findings : [];
  return list.find((f) => isRecord(f) && f.Id === findingId);
}

/** Existing fields with ours on top, each key and value within the ASFF limits. */
export function mergeFields(existing: Record<string, string>, ours: Record<string, string>): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(ours)) cleaned[k] = cleanText(v);
  return withOurFields(existing, cleaned);
}

export interface FindingUpdateArgs {
  findingId: string;
  productArn: string;
  /** Note.UpdatedBy: the document (runbook) name, or `hubfix` for the orchestrator. */
  updatedBy: string;
  noteText: string;
  workflow: Workflow;
  /** Our `hubfix:` fields (status, execution, ...). */
  fields: Record<string, string>;
  /** What was read from the finding; undefined when the read failed. */
  state?: FindingState;
}

/** The BatchUpdateFindings request for one finding. */
export function findingUpdateRequest(a: FindingUpdateArgs): Record<string, unknown> {
  return {
    FindingIdentifiers: [{ Id: a.findingId, ProductArn: a.productArn }],
    Note: { Text: a.noteText, UpdatedBy: clip(a.updatedBy, 128) || 'hubfix' },
    Workflow: { Status: a.workflow },
    UserDefinedFields: mergeFields(a.state?.fields ?? {}, a.fields),
  };
}

/**
 * Our fields for an outcome: status, execution id, and the time of this write (which lets the
 * orchestrator tell the echo of our own update from a provider's re-evaluation).
 */
export function outcomeFields(status: string, executionId: string | undefined, now: Date): Record<string, string> {
  return { [FIELD_STATUS]: status, ...(executionId ? { [FIELD_EXECUTION]: executionId } : {}), [FIELD_UPDATED_AT]: now.toISOString() };
}

/** `updated`, or what Security Hub reported as unprocessed. */
export function describeUpdateResponse(response: unknown): string {
  const unprocessed = isRecord(response) && Array.isArray(response.UnprocessedFindings) ? response.UnprocessedFindings : [];
  if (unprocessed.length === 0) return 'updated';
  const first = isRecord(unprocessed[0]) ? unprocessed[0] : {};
  const code = typeof first.ErrorCode === 'string' ? first.ErrorCode : 'unknown';
  const message = typeof first.ErrorMessage === 'string' ? first.ErrorMessage : '';
  return clip(`unprocessed: ${code}${message ? ` (${message})` : ''}`, 300);
}

/** The Region in a Security Hub ARN (finding id or product ARN). */
export function regionOfArn(arn: string): string | undefined {
  return /^arn:[a-z-]+:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1] || undefined;
}

/** The account in a finding ARN. */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1];
}
