import type { Catalog } from '../compiler/catalog';
import { resolveControl } from '../findings/control';
import {
  FIELD_EXECUTION,
  FIELD_STATUS,
  FIELD_UPDATED_AT,
  STATUS_NOTIFY_ONLY,
  STATUS_START_FAILED,
  STATUS_STARTED,
} from '../findings/fields';
import type { AsffFinding } from '../findings/types';

/**
 * What hubfix did, read back from the findings themselves (their `hubfix:` fields, note and
 * workflow): one row per finding and a control × account matrix of outcomes. Pure: the CLI reads
 * the findings, the renderers (render.ts) print what this builds.
 */

/** The columns of the matrix, in the order a reader scans them. */
export const OUTCOMES = ['fixed', 'previewed', 'waiting', 'failed', 'running', 'open', 'passed'] as const;
export type ReportOutcome = (typeof OUTCOMES)[number];

export const OUTCOME_TITLES: Readonly<Record<ReportOutcome, string>> = {
  fixed: 'fixed and verified',
  previewed: 'previewed (dry run)',
  waiting: 'waiting for a person',
  failed: 'failed',
  running: 'running',
  open: 'still open',
  passed: 'passing',
};

export interface ReportRow {
  findingId: string;
  productArn: string;
  control: string;
  account: string;
  region: string;
  resourceType: string;
  resource: string;
  outcome: ReportOutcome;
  /** hubfix's last status on the finding (SUCCEEDED, DRY_RUN, ...), '' when it never acted. */
  lastStatus: string;
  execution: string;
  workflow: string;
  compliance: string;
  /** The newest entry of hubfix's note: what changed, would change, or why not. */
  note: string;
  /** When hubfix last wrote (its field, else the note's time), else the finding's UpdatedAt. */
  when: string;
  consoleUrl: string;
}

export interface MatrixCell {
  control: string;
  account: string;
  counts: Record<ReportOutcome, number>;
}

export interface Report {
  generatedAt: string;
  /** The Region GetFindings was called in (the aggregation Region sees every linked Region). */
  region: string;
  filters: Record<string, unknown>;
  totals: Record<ReportOutcome, number>;
  accounts: string[];
  controls: string[];
  matrix: MatrixCell[];
  findings: ReportRow[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function emptyCounts(): Record<ReportOutcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<ReportOutcome, number>;
}

/** Which column a finding falls in, from hubfix's status, the workflow and the compliance. Pure. */
export function outcomeOf(status: string, workflow: string, compliance: string): ReportOutcome {
  switch (status) {
    case 'SUCCEEDED':
      return workflow === 'RESOLVED' || compliance === 'PASSED' ? 'fixed' : 'failed';
    case 'DRY_RUN':
      return 'previewed';
    case STATUS_NOTIFY_ONLY:
      return 'waiting';
    case 'FAILED':
    case 'NOT_VERIFIED':
    case STATUS_START_FAILED:
      return 'failed';
    case STATUS_STARTED:
      return 'running';
    default:
      return compliance === 'FAILED' ? 'open' : 'passed';
  }
}

/** The console page of one finding, in its partition's console. */
export function consoleUrl(findingId: string, region: string): string {
  const partition = /^arn:(aws|aws-cn|aws-us-gov):/.exec(findingId)?.[1] ?? 'aws';
  const host =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  // the console's own search syntax: Id = (operator: EQUALS) <id>, encoded twice as the console does
  const search = encodeURIComponent(`Id=\\operator\\:EQUALS\\:${encodeURIComponent(findingId)}`);
  return `https://${host}/securityhub/home?region=${region}#/findings?search=${search}`;
}

/** One finding's row. */
export function rowOf(raw: unknown, catalog: Catalog): ReportRow {
  const f = isRecord(raw) ? raw : {};
  const fields = isRecord(f.UserDefinedFields) ? (f.UserDefinedFields as Record<string, unknown>) : {};
  const compliance = isRecord(f.Compliance) ? f.Compliance : {};
  const workflow = isRecord(f.Workflow) ? str(f.Workflow.Status) : '';
  const note = isRecord(f.Note) ? f.Note : {};
  const resources = Array.isArray(f.Resources) ? f.Resources.filter(isRecord) : [];
  let control = '';
  try {
    const resolved = resolveControl(f as unknown as AsffFinding, catalog);
    control = resolved.ok ? resolved.control.control : (resolved.control ?? '');
  } catch {
    // a finding shaped unlike ASFF: fall back to what it names itself
  }
  control ||= str(compliance.SecurityControlId) || (/security-control\/([^/]+)/.exec(str(f.GeneratorId))?.[1] ?? '?');
  const status = str(fields[FIELD_STATUS]);
  const region = str(f.Region) || (/^arn:[a-z-]+:securityhub:([a-z0-9-]+):/.exec(str(f.Id))?.[1] ?? '');
  const noteText = str(note.Text);
  const newest = noteText.split(' || ')[0] ?? '';
  const when = str(fields[FIELD_UPDATED_AT]) || (status ? str(note.UpdatedAt) : '') || str(f.UpdatedAt);
  return {
    findingId: str(f.Id),
    productArn: str(f.ProductArn),
    control,
    account: str(f.AwsAccountId),
    region,
    resourceType: str(resources[0]?.Type),
    resource: str(resources[0]?.Id),
    outcome: outcomeOf(status, workflow, str(compliance.Status)),
    lastStatus: status,
    execution: str(fields[FIELD_EXECUTION]),
    workflow,
    compliance: str(compliance.Status),
    note: status ? newest : '',
    when,
    consoleUrl: consoleUrl(str(f.Id), region),
  };
}

function byText(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The report of a set of findings. */
export function buildReport(
  findings: readonly unknown[],
  catalog: Catalog,
  meta: { region: string; filters: Record<string, unknown>; now: Date },
): Report {
  const rows = findings
    .map((f) => rowOf(f, catalog))
    .sort(
      (a, b) =>
        byText(a.control, b.control) || byText(a.account, b.account) || byText(a.region, b.region) || byText(a.resource, b.resource),
    );
  const totals = emptyCounts();
  const cells = new Map<string, MatrixCell>();
  for (const r of rows) {
    totals[r.outcome]++;
    const key = `${r.control}|${r.account}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { control: r.control, account: r.account, counts: emptyCounts() };
      cells.set(key, cell);
    }
    cell.counts[r.outcome]++;
  }
  return {
    generatedAt: meta.now.toISOString(),
    region: meta.region,
    filters: meta.filters,
    totals,
    accounts: [...new Set(rows.map((r) => r.account))].sort(byText),
    controls: [...new Set(rows.map((r) => r.control))].sort(byText),
    matrix: [...cells.values()].sort((a, b) => byText(a.control, b.control) || byText(a.account, b.account)),
    findings: rows,
  };
}

/** The outcome a cell shows first (its colour in the HTML grid): the one that most needs a person. */
export function cellHeadline(counts: Record<ReportOutcome, number>): ReportOutcome | undefined {
  for (const o of ['failed', 'waiting', 'open', 'running', 'previewed', 'fixed', 'passed'] as const) if (counts[o] > 0) return o;
  return undefined;
}
