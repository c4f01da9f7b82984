import type { AwsCall, AwsOutput, Invoker } from '../aws/invoker';
import { ENTRY_SEPARATOR } from '../finalizer/note';
import { FIELD_ATTEMPT_TIMES, FIELD_ATTEMPTS, FIELD_EXECUTION, FIELD_LAST_ATTEMPT, FIELD_STATUS, FIELD_UPDATED_AT } from './fields';

/**
 * Security Hub's OCSF findings, as two thin adapters around hubfix's one decision path:
 *
 * - reading: an OCSF finding (a `Findings Imported V2` event, or GetFindingsV2) becomes the ASFF
 *   view the orchestrator and the finalizer already understand (`ocsfToAsff`), so the same
 *   control resolution, extraction, decision and note trail apply;
 * - writing: the BatchUpdateFindings request hubfix's finding-memory module builds (note trail,
 *   `hubfix:` fields, workflow) becomes a BatchUpdateFindingsV2 request (`toBatchUpdateV2`).
 *
 * BatchUpdateFindingsV2 takes only Comment (1-512), StatusId and SeverityId: there are no
 * user-defined fields. hubfix's memory therefore travels at the head of the comment, in a strict
 * bracketed form (`[hubfix s=… n=… t=… u=… x=…]`) followed by as much of the note trail as fits,
 * whole entries only. Like the ASFF fields, it is a claim anyone who can update the finding can
 * write: it is parsed strictly and read only as the ASFF fields are.
 */

export const OCSF_DETAIL_TYPE = 'Findings Imported V2';
export const COMMENT_MAX = 512;

/** What identifies an OCSF finding to BatchUpdateFindingsV2 (OcsfFindingIdentifier). */
export interface OcsfRef {
  findingInfoUid: string;
  productUid: string;
  accountUid: string;
  region: string;
  metadataUid?: string;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** OCSF compliance status (status_id 1 Pass, 2 Warning, 3 Fail) → ASFF Compliance.Status. */
export function complianceOf(c: Json): string | undefined {
  const byId: Record<number, string> = { 1: 'PASSED', 2: 'WARNING', 3: 'FAILED' };
  const byName: Record<string, string> = { Pass: 'PASSED', Warning: 'WARNING', Fail: 'FAILED' };
  if (typeof c.status_id === 'number' && byId[c.status_id]) return byId[c.status_id];
  return typeof c.status === 'string' ? byName[c.status] : undefined;
}

/** OCSF finding status_id (1 New, 2 In Progress, 3 Suppressed, 4 Resolved, 5 Archived) → ASFF workflow and record state. */
export function workflowOf(f: Json): { workflow: string; record: string } {
  const names: Record<string, number> = { New: 1, 'In Progress': 2, Suppressed: 3, Resolved: 4, Archived: 5 };
  const id = typeof f.status_id === 'number' ? f.status_id : typeof f.status === 'string' ? (names[f.status] ?? 99) : 1;
  switch (id) {
    case 1:
      return { workflow: 'NEW', record: 'ACTIVE' };
    case 3:
      return { workflow: 'SUPPRESSED', record: 'ACTIVE' };
    case 4:
      return { workflow: 'RESOLVED', record: 'ACTIVE' };
    case 5:
    case 6:
      return { workflow: 'RESOLVED', record: 'ARCHIVED' };
    default:
      // In Progress, Unknown, Other: somebody has it; automatic runs leave it (NOT_NEW)
      return { workflow: 'NOTIFIED', record: 'ACTIVE' };
  }
}

/** finding_info.types, else the type every control finding carries. */
function typesOf(info: Json): string[] {
  const types = (Array.isArray(info.types) ? info.types : [])
    .filter((t): t is string => typeof t === 'string' && t.length > 0)
    .slice(0, 50);
  return types.length ? types : ['Software and Configuration Checks'];
}

/** OCSF severity_id (1 Informational … 5 Critical, 6 Fatal) → ASFF Severity.Label. */
function severityOf(f: Json): string {
  const labels: Record<number, string> = { 1: 'INFORMATIONAL', 2: 'LOW', 3: 'MEDIUM', 4: 'HIGH', 5: 'CRITICAL', 6: 'CRITICAL' };
  return typeof f.severity_id === 'number' && labels[f.severity_id] ? labels[f.severity_id] : 'INFORMATIONAL';
}

/** ASFF workflow → the StatusId BatchUpdateFindingsV2 takes. */
export function statusIdOf(workflow: string | undefined): number | undefined {
  return workflow === undefined ? undefined : ({ NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 } as Record<string, number>)[workflow];
}

const KEYS: ReadonlyArray<[string, string]> = [
  ['s', FIELD_STATUS],
  ['x', FIELD_EXECUTION],
  ['n', FIELD_ATTEMPTS],
  ['a', FIELD_LAST_ATTEMPT],
  ['t', FIELD_ATTEMPT_TIMES],
  ['u', FIELD_UPDATED_AT],
];
const TIME_KEYS = new Set(['a', 't', 'u']);
const HEADER = /^\[hubfix((?: [sxnatu]=[A-Za-z0-9_.:,-]{1,200}){0,6})\](?: |$)/;
const VALUE = /^[A-Za-z0-9_.:,-]{1,200}$/;

/** `2026-11-30T01:02:03.456Z` → `20261130T010204Z`: seconds, rounded up (never before the real time). */
function compactTime(iso: string): string | undefined {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return undefined;
  return new Date(Math.ceil(t / 1000) * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function expandTime(compact: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(compact);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : undefined;
}

/** hubfix's fields as the comment's head: `[hubfix s=STARTED n=1 t=20261130T010204Z u=… x=…]`. Pure. */
export function encodeMemory(fields: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [k, field] of KEYS) {
    const v = fields[field];
    if (v === undefined) continue;
    const value = TIME_KEYS.has(k)
      ? v
          .split(',')
          .map((x) => compactTime(x.trim()))
          .filter(Boolean)
          .join(',')
      : v;
    if (value && VALUE.test(value)) parts.push(`${k}=${value}`);
  }
  return parts.length ? `[hubfix ${parts.join(' ')}]` : '';
}

/** The comment split back into hubfix's fields and the note trail. Anything unparseable is note. Pure. */
export function parseComment(comment: string | undefined): { fields: Record<string, string>; note?: string } {
  if (!comment) return { fields: {} };
  const m = HEADER.exec(comment);
  if (!m) return { fields: {}, note: comment };
  const fields: Record<string, string> = {};
  for (const part of m[1].trim().split(' ').filter(Boolean)) {
    const k = part[0];
    const raw = part.slice(2);
    const field = KEYS.find(([key]) => key === k)?.[1];
    if (!field) continue;
    if (TIME_KEYS.has(k)) {
      const times = raw.split(',').map(expandTime);
      if (times.every(Boolean)) fields[field] = times.join(',');
    } else fields[field] = raw;
  }
  const note = comment.slice(m[0].length);
  return { fields, ...(note ? { note } : {}) };
}

/** The trail cut to whole entries within `room` characters (the newest entry is cut last). */
function fitTrail(note: string, room: number): string {
  if (note.length <= room) return note;
  const entries = note.split(ENTRY_SEPARATOR);
  let out = '';
  for (const e of entries) {
    const next = out ? `${out}${ENTRY_SEPARATOR}${e}` : e;
    if (next.length > room) break;
    out = next;
  }
  return out || `${note.slice(0, Math.max(0, room - 1))}…`;
}

/** The comment to write: hubfix's memory, then as much of the note trail as fits (≤ 512). Pure. */
export function commentOf(note: string | undefined, fields: Readonly<Record<string, string>>): string {
  const head = encodeMemory(fields);
  const room = COMMENT_MAX - head.length - (head ? 1 : 0);
  const trail = note ? fitTrail(note, room) : '';
  return [head, trail].filter(Boolean).join(' ') || 'hubfix';
}

/** The OCSF finding as the ASFF view the decision reads. Assumes the finding passed the OCSF schema. Pure. */
export function ocsfToAsff(raw: unknown): { finding: Json; ref: OcsfRef } {
  const f = obj(raw);
  const info = obj(f.finding_info);
  const cloud = obj(f.cloud);
  const compliance = obj(f.compliance);
  const metadata = obj(f.metadata);
  const account = str(obj(cloud.account).uid) ?? '';
  const region = str(cloud.region) ?? '';
  const control = str(compliance.control) ?? '';
  const { workflow, record } = workflowOf(f);
  const memory = parseComment(str(f.comment));
  const updated = str(info.modified_time_dt) ?? str(f.time_dt) ?? str(info.created_time_dt) ?? '';
  const resources = (Array.isArray(f.resources) ? f.resources : []).map((r) => {
    const x = obj(r);
    const tags: Record<string, string> = {};
    for (const t of Array.isArray(x.tags) ? x.tags : []) {
      const tag = obj(t);
      if (typeof tag.name === 'string') tags[tag.name] = typeof tag.value === 'string' ? tag.value : '';
    }
    const details = obj(x.data);
    return {
      Type: str(x.type) ?? '',
      Id: str(x.uid) ?? '',
      ...(str(x.cloud_partition) ? { Partition: x.cloud_partition } : {}),
      ...(str(x.region) ? { Region: x.region } : {}),
      ...(Object.keys(tags).length ? { Tags: tags } : {}),
      ...(Object.keys(details).length ? { Details: details } : {}),
    };
  });
  const parameters = (Array.isArray(compliance.control_parameters) ? compliance.control_parameters : [])
    .map(obj)
    .filter((p) => typeof p.name === 'string')
    .map((p) => ({ Name: p.name as string, Value: typeof p.value === 'string' ? [p.value] : [] }));
  const finding: Json = {
    SchemaVersion: '2018-10-08',
    Id: str(info.uid) ?? '',
    ProductArn: str(obj(metadata.product).uid) ?? '',
    GeneratorId: control ? `security-control/${control}` : 'ocsf',
    AwsAccountId: account,
    Region: region,
    CreatedAt: str(info.created_time_dt) ?? updated,
    UpdatedAt: updated,
    Severity: { Label: severityOf(f) },
    Types: typesOf(info),
    Title: str(info.title) ?? control,
    Description: str(info.desc) ?? str(info.title) ?? control,
    Resources: resources,
    Compliance: {
      ...(complianceOf(compliance) ? { Status: complianceOf(compliance) } : {}),
      ...(control ? { SecurityControlId: control } : {}),
      ...(parameters.length ? { SecurityControlParameters: parameters } : {}),
    },
    Workflow: { Status: workflow },
    RecordState: record,
    ...(Object.keys(memory.fields).length ? { UserDefinedFields: memory.fields } : {}),
    ...(memory.note ? { Note: { Text: memory.note, UpdatedBy: 'hubfix', UpdatedAt: updated } } : {}),
  };
  const ref: OcsfRef = {
    findingInfoUid: String(finding.Id),
    productUid: String(finding.ProductArn),
    accountUid: account,
    region,
    ...(str(metadata.uid) ? { metadataUid: metadata.uid as string } : {}),
  };
  return { finding, ref };
}

/** BatchUpdateFindings (hubfix's request) → BatchUpdateFindingsV2 for the same findings. Pure. */
export function toBatchUpdateV2(request: Json, refs: ReadonlyMap<string, OcsfRef>): Json {
  const ids = (Array.isArray(request.FindingIdentifiers) ? request.FindingIdentifiers : []).map(obj);
  const fields = obj(request.UserDefinedFields) as Record<string, string>;
  const note = str(obj(request.Note).Text);
  const statusId = statusIdOf(str(obj(request.Workflow).Status));
  return {
    FindingIdentifiers: ids.map((i) => {
      const ref = refs.get(String(i.Id));
      return {
        CloudAccountUid: ref?.accountUid ?? '',
        FindingInfoUid: String(i.Id),
        MetadataProductUid: ref?.productUid ?? String(i.ProductArn ?? ''),
      };
    }),
    Comment: commentOf(note, fields),
    ...(statusId !== undefined ? { StatusId: statusId } : {}),
  };
}

/** The V2 answer in the shape hubfix's writers read (ProcessedFindings / UnprocessedFindings by Id). Pure. */
export function fromBatchUpdateV2(response: Json): Json {
  const processed = (Array.isArray(response.ProcessedFindings) ? response.ProcessedFindings : []).map(obj);
  const unprocessed = (Array.isArray(response.UnprocessedFindings) ? response.UnprocessedFindings : []).map(obj);
  const idOf = (x: Json) => ({
    Id: String(obj(x.FindingIdentifier).FindingInfoUid ?? x.MetadataUid ?? ''),
    ProductArn: String(obj(x.FindingIdentifier).MetadataProductUid ?? ''),
  });
  return {
    ProcessedFindings: processed.map(idOf),
    UnprocessedFindings: unprocessed.map((u) => ({
      FindingIdentifier: idOf(u),
      ErrorCode: String(u.ErrorCode ?? 'Unknown'),
      ErrorMessage: String(u.ErrorMessage ?? ''),
    })),
  };
}

/** GetFindingsV2 for one finding by its finding_info.uid. */
export function getFindingV2Request(findingInfoUid: string): Json {
  return {
    Filters: {
      CompositeFilters: [{ StringFilters: [{ FieldName: 'finding_info.uid', Filter: { Value: findingInfoUid, Comparison: 'EQUALS' } }] }],
    },
    MaxResults: 1,
  };
}

function hasFindings(out: Json): boolean {
  return Array.isArray(out.Findings) && out.Findings.length > 0;
}

/** The Id a GetFindings request asks for, when it asks for exactly one. */
function singleId(input: Json): string | undefined {
  const ids = obj(input.Filters).Id;
  return Array.isArray(ids) && ids.length === 1 ? str(obj(ids[0]).Value) : undefined;
}

/**
 * The writer's adapter: an Invoker that sends hubfix's Security Hub calls for OCSF findings
 * through the OCSF APIs. BatchUpdateFindings naming known OCSF findings → BatchUpdateFindingsV2;
 * GetFindings by Id → GetFindingsV2 when the finding is a known OCSF one, or (`fallback`) when
 * GetFindings does not hold it (the finalizer, which is given only the finding's Id). Everything
 * else passes through unchanged.
 */
export class OcsfFindingsInvoker implements Invoker {
  readonly refs: Map<string, OcsfRef>;

  constructor(
    private readonly inner: Invoker,
    refs: Iterable<OcsfRef> = [],
    private readonly fallback = false,
  ) {
    this.refs = new Map([...refs].map((r) => [r.findingInfoUid, r]));
  }

  async call(call: AwsCall): Promise<AwsOutput> {
    if (call.service !== 'securityhub') return this.inner.call(call);
    if (call.operation === 'BatchUpdateFindings') {
      const ids = (Array.isArray(call.input.FindingIdentifiers) ? call.input.FindingIdentifiers : []).map((i) => String(obj(i).Id));
      if (ids.length === 0 || !ids.every((id) => this.refs.has(id))) return this.inner.call(call);
      const out = await this.inner.call({ ...call, operation: 'BatchUpdateFindingsV2', input: toBatchUpdateV2(call.input, this.refs) });
      return fromBatchUpdateV2(out);
    }
    if (call.operation === 'GetFindings') {
      const id = singleId(call.input);
      if (id && this.refs.has(id)) return this.readV2(call, id);
      const out = await this.inner.call(call);
      if (!id || !this.fallback || hasFindings(out)) return out;
      // the finalizer knows only the Id: a finding the ASFF API does not hold may be an OCSF one
      try {
        const v2 = await this.readV2(call, id);
        if (hasFindings(v2)) return v2;
      } catch {
        // no OCSF Security Hub here (not enabled, not allowed): the ASFF answer stands
      }
      return out;
    }
    return this.inner.call(call);
  }

  private async readV2(call: AwsCall, id: string): Promise<AwsOutput> {
    const out = await this.inner.call({ ...call, operation: 'GetFindingsV2', input: getFindingV2Request(id) });
    const findings = (Array.isArray(out.Findings) ? out.Findings : []).map((f) => ocsfToAsff(f));
    for (const f of findings) this.refs.set(f.ref.findingInfoUid, f.ref);
    return { Findings: findings.map((f) => f.finding) };
  }
}
