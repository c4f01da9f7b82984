import type { Command } from 'commander';
import { UsageError } from './errors';

/**
 * The GetFindings filters an operator gives `hubfix report`, `decide --from-security-hub` and
 * `remediate --filters`, checked here as Security Hub would check them (AwsSecurityFindingFilters
 * in the API reference): a key it does not know, a comparison it does not take, or a malformed
 * date is a UsageError before any call is made. Pure.
 *
 * Two ways to give them, combined with AND:
 *   --filters JSON           the AwsSecurityFindingFilters object, as `aws securityhub get-findings --filters`
 *   --filters Key=Value,...  shorthand: each an EQUALS string filter (repeat a key to OR values)
 * and the everyday ones as flags: --account, --control, --finding-region, --workflow, --updated-since.
 */

export type Filters = Record<string, unknown[]>;

/** String filter keys of AwsSecurityFindingFilters (SDK model, @aws-sdk/client-securityhub 3.1108). */
const STRING_KEYS = new Set(
  `AwsAccountId AwsAccountName CompanyName ComplianceAssociatedStandardsId ComplianceSecurityControlId
  ComplianceSecurityControlParametersName ComplianceSecurityControlParametersValue ComplianceStatus Description
  FindingProviderFieldsRelatedFindingsId FindingProviderFieldsRelatedFindingsProductArn FindingProviderFieldsSeverityLabel
  FindingProviderFieldsSeverityOriginal FindingProviderFieldsTypes GeneratorId Id MalwareName MalwarePath MalwareState
  MalwareType NetworkDestinationDomain NetworkDirection NetworkProtocol NetworkSourceDomain NetworkSourceMac NoteText
  NoteUpdatedBy ProcessName ProcessPath ProductArn ProductName RecommendationText RecordState Region RelatedFindingsId
  RelatedFindingsProductArn ResourceApplicationArn ResourceApplicationName ResourceAwsIamAccessKeyPrincipalName
  ResourceAwsIamAccessKeyStatus ResourceAwsIamAccessKeyUserName ResourceAwsIamUserUserName ResourceContainerImageId
  ResourceContainerImageName ResourceContainerName ResourceId ResourceOwnerAccountId ResourceOwnerOrgId ResourcePartition
  ResourceProvider ResourceRegion ResourceType SeverityLabel SourceUrl ThreatIntelIndicatorCategory ThreatIntelIndicatorSource
  ThreatIntelIndicatorSourceUrl ThreatIntelIndicatorType ThreatIntelIndicatorValue Title Type VerificationState
  VulnerabilitiesExploitAvailable VulnerabilitiesFixAvailable WorkflowState WorkflowStatus`.split(/\s+/),
);
const DATE_KEYS = new Set(
  'CreatedAt FirstObservedAt LastObservedAt NoteUpdatedAt ProcessLaunchedAt ProcessTerminatedAt ResourceAwsIamAccessKeyCreatedAt ResourceContainerLaunchedAt ThreatIntelIndicatorLastObservedAt UpdatedAt'.split(
    ' ',
  ),
);
const MAP_KEYS = new Set(['ProductFields', 'ResourceDetailsOther', 'ResourceTags', 'UserDefinedFields']);
const STRING_COMPARISONS = ['EQUALS', 'PREFIX', 'NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS', 'CONTAINS_WORD'];
const MAP_COMPARISONS = ['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS'];
const WORKFLOW = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'];
/** Security Hub's limit on values for one filter key (20 per field, API reference "Filters"). */
const MAX_VALUES_PER_KEY = 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDate(key: string, d: unknown): void {
  if (!isRecord(d)) throw new UsageError(`filter ${key}: a date filter is an object {Start, End} or {DateRange: {Value, Unit: "DAYS"}}`);
  for (const k of Object.keys(d))
    if (!['Start', 'End', 'DateRange'].includes(k)) throw new UsageError(`filter ${key}: ${k} is not Start, End or DateRange`);
  for (const k of ['Start', 'End'] as const)
    if (d[k] !== undefined && (typeof d[k] !== 'string' || !Number.isFinite(Date.parse(d[k] as string))))
      throw new UsageError(`filter ${key}.${k}: ${JSON.stringify(d[k])} is not an ISO 8601 time`);
  if (d.DateRange !== undefined) {
    const r = d.DateRange;
    if (!isRecord(r) || !Number.isInteger(r.Value) || (r.Value as number) < 0 || r.Unit !== 'DAYS')
      throw new UsageError(`filter ${key}.DateRange: must be {Value: <whole days>, Unit: "DAYS"}`);
  }
  if (d.DateRange === undefined && d.Start === undefined && d.End === undefined)
    throw new UsageError(`filter ${key}: give Start, End or DateRange`);
}

/** Checks an AwsSecurityFindingFilters object; returns it when valid. */
export function checkFilters(filters: unknown): Filters {
  if (!isRecord(filters)) throw new UsageError('--filters: must be a JSON object of filter lists (AwsSecurityFindingFilters)');
  for (const [key, list] of Object.entries(filters)) {
    if (!Array.isArray(list) || list.length === 0) throw new UsageError(`filter ${key}: must be a non-empty list`);
    if (list.length > MAX_VALUES_PER_KEY)
      throw new UsageError(`filter ${key}: ${list.length} values; Security Hub takes at most ${MAX_VALUES_PER_KEY} per key`);
    for (const item of list) {
      if (STRING_KEYS.has(key)) {
        if (!isRecord(item) || typeof item.Value !== 'string' || item.Value.length === 0)
          throw new UsageError(`filter ${key}: each entry is {Value: "<text>", Comparison: "EQUALS"|…}`);
        if (!STRING_COMPARISONS.includes(String(item.Comparison)))
          throw new UsageError(
            `filter ${key}: Comparison ${JSON.stringify(item.Comparison)} is not one of ${STRING_COMPARISONS.join(', ')}`,
          );
      } else if (DATE_KEYS.has(key)) checkDate(key, item);
      else if (MAP_KEYS.has(key)) {
        if (
          !isRecord(item) ||
          typeof item.Key !== 'string' ||
          typeof item.Value !== 'string' ||
          !MAP_COMPARISONS.includes(String(item.Comparison))
        )
          throw new UsageError(`filter ${key}: each entry is {Key, Value, Comparison: ${MAP_COMPARISONS.join('|')}}`);
      } else throw new UsageError(`filter ${JSON.stringify(key)} is not a Security Hub finding filter (see AwsSecurityFindingFilters)`);
    }
  }
  return filters as Filters;
}

function add(filters: Filters, key: string, entry: unknown): void {
  filters[key] = [...(filters[key] ?? []), entry];
}

/** `7d`, `12h`, `30m` before now, or an ISO 8601 time. */
export function sinceTime(text: string, now: number): string {
  const rel = /^(\d{1,5})([dhm])$/.exec(text);
  if (rel) {
    const ms = Number(rel[1]) * ({ d: 86_400_000, h: 3_600_000, m: 60_000 } as const)[rel[2] as 'd' | 'h' | 'm'];
    return new Date(now - ms).toISOString();
  }
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(t))
    throw new UsageError(`--updated-since ${JSON.stringify(text)} is not an ISO 8601 time or a duration like 7d, 12h`);
  return new Date(t).toISOString();
}

export interface FilterOptionValues {
  filters?: string[];
  account?: string[];
  control?: string[];
  findingRegion?: string[];
  workflow?: string[];
  updatedSince?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds the filter options to a command. */
export function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--filters <filters>', 'GetFindings filters: JSON (as aws securityhub get-findings) or Key=Value,... (repeatable)', collect)
    .option('--account <id>', 'only findings of this account (repeatable)', collect)
    .option('--control <id>', 'only findings of this security control, like S3.1 (repeatable)', collect)
    .option('--finding-region <region>', 'only findings in this Region (repeatable)', collect)
    .option('--workflow <status>', `only findings with this workflow status: ${WORKFLOW.join(', ')} (repeatable)`, collect)
    .option('--updated-since <time>', 'only findings updated since this ISO 8601 time or duration (7d, 12h)');
}

/** The GetFindings Filters of the options, checked; `base` filters come first (and stay). */
export function filtersFrom(opts: FilterOptionValues, now: number = Date.now(), base: Filters = {}): Filters {
  const out: Filters = {};
  for (const [k, v] of Object.entries(base)) out[k] = [...v];
  for (const text of opts.filters ?? []) {
    const t = text.trim();
    if (t.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(t);
      } catch (err) {
        throw new UsageError(`--filters: not JSON: ${(err as Error).message}`);
      }
      for (const [k, list] of Object.entries(checkFilters(parsed))) for (const e of list) add(out, k, e);
      continue;
    }
    for (const pair of t.split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--filters ${JSON.stringify(pair)}: must be Key=Value (or a JSON object)`);
      add(out, pair.slice(0, eq).trim(), { Value: pair.slice(eq + 1).trim(), Comparison: 'EQUALS' });
    }
  }
  for (const a of opts.account ?? []) {
    if (!/^\d{12}$/.test(a)) throw new UsageError(`--account ${JSON.stringify(a)} is not a 12-digit account id`);
    add(out, 'AwsAccountId', { Value: a, Comparison: 'EQUALS' });
  }
  for (const c of opts.control ?? []) {
    if (!/^[A-Za-z0-9]{1,30}\.\d{1,4}$/.test(c)) throw new UsageError(`--control ${JSON.stringify(c)} is not a control id like S3.1`);
    add(out, 'ComplianceSecurityControlId', { Value: c, Comparison: 'EQUALS' });
  }
  for (const r of opts.findingRegion ?? []) {
    if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(r))
      throw new UsageError(`--finding-region ${JSON.stringify(r)} is not a Region name`);
    add(out, 'Region', { Value: r, Comparison: 'EQUALS' });
  }
  for (const w of opts.workflow ?? []) {
    const s = w.toUpperCase();
    if (!WORKFLOW.includes(s)) throw new UsageError(`--workflow ${JSON.stringify(w)} is not one of ${WORKFLOW.join(', ')}`);
    add(out, 'WorkflowStatus', { Value: s, Comparison: 'EQUALS' });
  }
  if (opts.updatedSince !== undefined)
    add(out, 'UpdatedAt', { Start: sinceTime(opts.updatedSince, now), End: new Date(now).toISOString() });
  return checkFilters(Object.keys(out).length ? out : { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] });
}
