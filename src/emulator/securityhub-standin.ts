import { type AwsCall, type AwsOutput, AwsServiceError, type Invoker } from '../aws/invoker';
import { importedEvent, type SecurityHubEvent } from './asff';

/**
 * STAND-IN for what moto 5.2.5 lacks in Security Hub (see notes/moto-facts.md):
 * - BatchUpdateFindings (missing): read the finding from moto, apply the update as Security Hub
 *   documents it, write it back with BatchImportFindings (one call per account and 100 findings)
 *   into every account that holds a copy (the finding's own account and the administrator's: moto
 *   does not aggregate), and emit the "Findings - Imported" event Security Hub would.
 * - CreateActionTarget / DescribeActionTargets (missing): kept in memory here.
 * - GetFindings Filters (moto ignores them): the findings come from moto, the filters are applied here.
 * Everything the stand-in does is recorded, so tests can name it.
 *
 * So that a call costs the same with 10 or 10,000 findings, the stand-in reads an account's
 * findings in a Region from moto once, then keeps that copy indexed by id (and ProductArn) up to
 * date with every write that goes through it: BatchImportFindings is routed here too (and passed
 * on to moto). A write made straight to moto after the first read is not seen until `forget()`.
 */

export interface FindingUpdateRecord {
  at: string;
  /** The account and ARN of the caller (from sts GetCallerIdentity of its credentials). */
  callerAccount: string;
  callerArn: string;
  region: string;
  findingId: string;
  request: Record<string, unknown>;
}

export interface ActionTargetRecord {
  ActionTargetArn: string;
  Name: string;
  Description: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
}

type StringFilter = { Value?: string; Comparison?: string };
type Finding = Record<string, unknown>;

/** Where each GetFindings string filter reads its value. */
const FILTER_FIELDS: Record<string, (f: Finding) => unknown> = {
  Id: (f) => f.Id,
  ProductArn: (f) => f.ProductArn,
  AwsAccountId: (f) => f.AwsAccountId,
  Region: (f) => f.Region,
  GeneratorId: (f) => f.GeneratorId,
  Title: (f) => f.Title,
  RecordState: (f) => f.RecordState,
  WorkflowStatus: (f) => (f.Workflow as Finding | undefined)?.Status,
  ComplianceStatus: (f) => (f.Compliance as Finding | undefined)?.Status,
  ComplianceSecurityControlId: (f) => (f.Compliance as Finding | undefined)?.SecurityControlId,
  ResourceId: (f) => ((f.Resources as Finding[] | undefined) ?? []).map((r) => r.Id),
  ResourceType: (f) => ((f.Resources as Finding[] | undefined) ?? []).map((r) => r.Type),
};

function matchOne(value: unknown, filter: StringFilter): boolean {
  const v = typeof value === 'string' ? value : undefined;
  const want = filter.Value ?? '';
  switch (filter.Comparison ?? 'EQUALS') {
    case 'EQUALS':
      return v === want;
    case 'NOT_EQUALS':
      return v !== want;
    case 'PREFIX':
      return v?.startsWith(want) === true;
    case 'PREFIX_NOT_EQUALS':
      return v === undefined || !v.startsWith(want);
    case 'CONTAINS':
      return v?.includes(want) === true;
    case 'NOT_CONTAINS':
      return v === undefined || !v.includes(want);
    default:
      throw new AwsServiceError(
        'InvalidInputException',
        `the stand-in does not know the comparison ${filter.Comparison}`,
        'securityhub',
        'GetFindings',
      );
  }
}

/** Where each GetFindings map filter (`{ Key, Value, Comparison }`) reads its map. */
const MAP_FILTER_FIELDS: Record<string, (f: Finding) => Record<string, unknown> | undefined> = {
  UserDefinedFields: (f) => f.UserDefinedFields as Record<string, unknown> | undefined,
  ProductFields: (f) => f.ProductFields as Record<string, unknown> | undefined,
};

/** Where each GetFindings date filter (`{ Start, End }` or `{ DateRange }`) reads its time. */
const DATE_FILTER_FIELDS: Record<string, (f: Finding) => unknown> = {
  NoteUpdatedAt: (f) => (f.Note as Finding | undefined)?.UpdatedAt,
  UpdatedAt: (f) => f.UpdatedAt,
  CreatedAt: (f) => f.CreatedAt,
};

type DateFilter = { Start?: string; End?: string; DateRange?: { Value?: number; Unit?: string } };

function matchDate(value: unknown, filter: DateFilter, now: number): boolean {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(t)) return false;
  if (filter.DateRange) return t >= now - (filter.DateRange.Value ?? 0) * 86_400_000;
  if (filter.Start !== undefined && t < Date.parse(filter.Start)) return false;
  if (filter.End !== undefined && t > Date.parse(filter.End)) return false;
  return true;
}

type MapFilter = { Key?: string; Value?: string; Comparison?: string };

/**
 * GetFindings filters as Security Hub applies them: filters on different fields AND together;
 * several EQUALS/PREFIX/CONTAINS values of one field OR together, the negative ones AND. Map
 * filters read the value under their Key; date filters keep the findings in their range. Pure.
 */
export function filterFindings(
  findings: readonly Finding[],
  filters: Record<string, unknown> | undefined,
  now: number = Date.now(),
): Finding[] {
  if (!filters) return [...findings];
  const all = Object.entries(filters).filter(([, v]) => Array.isArray(v) && v.length > 0) as Array<[string, unknown[]]>;
  const maps = all.filter(([field]) => MAP_FILTER_FIELDS[field]) as Array<[string, MapFilter[]]>;
  const dates = all.filter(([field]) => DATE_FILTER_FIELDS[field]) as Array<[string, DateFilter[]]>;
  const entries = all.filter(([field]) => !MAP_FILTER_FIELDS[field] && !DATE_FILTER_FIELDS[field]) as Array<[string, StringFilter[]]>;
  const mapOk = (f: Finding) =>
    maps.every(([field, list]) => {
      const map = MAP_FILTER_FIELDS[field](f) ?? {};
      const positive = list.filter((x) => !/NOT/.test(x.Comparison ?? ''));
      const negative = list.filter((x) => /NOT/.test(x.Comparison ?? ''));
      const at = (x: MapFilter) => (Object.hasOwn(map, x.Key ?? '') ? map[x.Key ?? ''] : undefined);
      return (positive.length === 0 || positive.some((x) => matchOne(at(x), x))) && negative.every((x) => matchOne(at(x), x));
    });
  const dateOk = (f: Finding) => dates.every(([field, list]) => list.some((x) => matchDate(DATE_FILTER_FIELDS[field](f), x, now)));
  const kept = findings.filter((f) => mapOk(f) && dateOk(f));
  for (const [field] of entries) {
    if (!FILTER_FIELDS[field])
      throw new AwsServiceError(
        'InvalidInputException',
        `the GetFindings stand-in does not filter on ${field}`,
        'securityhub',
        'GetFindings',
      );
  }
  return kept.filter((f) =>
    entries.every(([field, list]) => {
      const raw = FILTER_FIELDS[field](f);
      const values = Array.isArray(raw) ? raw : [raw];
      const negative = list.filter((x) => /NOT/.test(x.Comparison ?? ''));
      const positive = list.filter((x) => !/NOT/.test(x.Comparison ?? ''));
      const posOk = positive.length === 0 || positive.some((x) => values.some((v) => matchOne(v, x)));
      const negOk = negative.every((x) => values.every((v) => matchOne(v, x)));
      return posOk && negOk;
    }),
  );
}

const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);
/** The legacy WorkflowState Security Hub keeps beside Workflow.Status. */
const WORKFLOW_STATE: Record<string, string> = { NEW: 'NEW', NOTIFIED: 'ASSIGNED', RESOLVED: 'RESOLVED', SUPPRESSED: 'DEFERRED' };

/** BatchImportFindings takes at most 100 findings a call (API reference). */
const IMPORT_MAX = 100;

/**
 * One finding after a BatchUpdateFindings request, as the API reference documents the fields:
 * Note gets UpdatedAt; Workflow.Status; UserDefinedFields REPLACED whole (the reference does not
 * say merge, so the strict reading: callers send the whole map); Severity/VerificationState/
 * Confidence/Criticality/Types set. UpdatedAt is left alone (BatchUpdateFindings never moves it).
 * Throws InvalidInputException for values AWS refuses. Pure.
 */
export function applyFindingUpdate(finding: Finding, request: Record<string, unknown>, now: string): Finding {
  const out: Finding = { ...finding };
  const note = request.Note as { Text?: unknown; UpdatedBy?: unknown } | undefined;
  if (note) {
    if (typeof note.Text !== 'string' || note.Text.length < 1 || note.Text.length > 512)
      throw new AwsServiceError('InvalidInputException', 'Note.Text must be 1 to 512 characters', 'securityhub', 'BatchUpdateFindings');
    if (typeof note.UpdatedBy !== 'string' || note.UpdatedBy.length < 1 || note.UpdatedBy.length > 512)
      throw new AwsServiceError(
        'InvalidInputException',
        'Note.UpdatedBy must be 1 to 512 characters',
        'securityhub',
        'BatchUpdateFindings',
      );
    out.Note = { Text: note.Text, UpdatedBy: note.UpdatedBy, UpdatedAt: now };
  }
  const workflow = request.Workflow as { Status?: unknown } | undefined;
  if (workflow?.Status !== undefined) {
    if (typeof workflow.Status !== 'string' || !WORKFLOW.has(workflow.Status))
      throw new AwsServiceError(
        'InvalidInputException',
        `Workflow.Status ${String(workflow.Status)} is not one of ${[...WORKFLOW].join(', ')}`,
        'securityhub',
        'BatchUpdateFindings',
      );
    out.Workflow = { Status: workflow.Status };
    out.WorkflowState = WORKFLOW_STATE[workflow.Status];
  }
  const fields = request.UserDefinedFields as Record<string, unknown> | undefined;
  if (fields !== undefined) {
    const entries = Object.entries(fields);
    if (entries.length > 50)
      throw new AwsServiceError('InvalidInputException', 'UserDefinedFields holds at most 50 pairs', 'securityhub', 'BatchUpdateFindings');
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || k.length < 1 || k.length > 128 || v.length < 1 || v.length > 1024)
        throw new AwsServiceError(
          'InvalidInputException',
          `UserDefinedFields ${JSON.stringify(k)}: keys are 1-128 and values 1-1024 characters`,
          'securityhub',
          'BatchUpdateFindings',
        );
    }
    out.UserDefinedFields = { ...fields };
  }
  for (const key of ['Severity', 'VerificationState', 'Confidence', 'Criticality', 'Types', 'RelatedFindings']) {
    if (request[key] !== undefined) out[key] = request[key];
  }
  return out;
}

export type FindingIdentifier = { Id?: unknown; ProductArn?: unknown };

/** The FindingIdentifiers of a BatchUpdateFindings request; InvalidInputException unless 1 to 100. Pure. */
export function findingIdentifiers(request: Record<string, unknown>): FindingIdentifier[] {
  const ids = Array.isArray(request.FindingIdentifiers) ? (request.FindingIdentifiers as FindingIdentifier[]) : [];
  if (ids.length < 1 || ids.length > 100)
    throw new AwsServiceError('InvalidInputException', 'FindingIdentifiers holds 1 to 100 findings', 'securityhub', 'BatchUpdateFindings');
  return ids;
}

export interface SecurityHubStandInOptions {
  /** The emulator's own invoker (moto). */
  sdk: Invoker;
  adminAccount: string;
  identify(call: AwsCall): Promise<CallerIdentity>;
  /** Credentials that act in an account as Security Hub itself would (its service-linked role). */
  serviceCredentials(account: string): Promise<AwsCall['credentials']>;
  now?: () => Date;
}

/** One account's findings in one Region: in moto's order, and by id. */
class FindingStore {
  private readonly all = new Map<string, Finding>();
  private readonly ids = new Map<string, Set<string>>();

  static key(id: string, productArn: string): string {
    return `${productArn}\n${id}`;
  }

  put(f: Finding): void {
    const id = String(f.Id ?? '');
    const key = FindingStore.key(id, String(f.ProductArn ?? ''));
    this.all.set(key, f);
    let keys = this.ids.get(id);
    if (!keys) {
      keys = new Set();
      this.ids.set(id, keys);
    }
    keys.add(key);
  }

  get(id: string, productArn: string): Finding | undefined {
    return this.all.get(FindingStore.key(id, productArn));
  }

  /** The findings a filter can match: by id when it asks only for ids, else all of them. */
  candidates(filters: Record<string, unknown> | undefined): Finding[] {
    const ids = filters?.Id as StringFilter[] | undefined;
    if (Array.isArray(ids) && ids.length > 0 && ids.every((x) => (x.Comparison ?? 'EQUALS') === 'EQUALS')) {
      const out: Finding[] = [];
      for (const x of ids) for (const key of this.ids.get(x.Value ?? '') ?? []) out.push(this.all.get(key) as Finding);
      return out;
    }
    return [...this.all.values()];
  }
}

export class SecurityHubStandIn {
  readonly updates: FindingUpdateRecord[] = [];
  private readonly stores = new Map<string, Promise<FindingStore>>();
  readonly actionTargets = new Map<string, ActionTargetRecord>();
  /** The "Findings - Imported" events Security Hub would have sent after each update, oldest first. */
  readonly emitted: SecurityHubEvent[] = [];

  constructor(private readonly o: SecurityHubStandInOptions) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** The findings of an account in a Region: read from moto (every page) the first time, then kept here. */
  private store(account: string, region: string, credentials: AwsCall['credentials']): Promise<FindingStore> {
    const key = `${account} ${region}`;
    let store = this.stores.get(key);
    if (!store) {
      store = (async () => {
        const s = new FindingStore();
        let token: string | undefined;
        do {
          const page = await this.o.sdk.call({
            service: 'securityhub',
            operation: 'GetFindings',
            region,
            credentials,
            input: { MaxResults: 100, ...(token ? { NextToken: token } : {}) },
          });
          for (const f of (page.Findings as Finding[] | undefined) ?? []) s.put(f);
          token = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
        } while (token);
        return s;
      })();
      this.stores.set(key, store);
      store.catch(() => this.stores.delete(key));
    }
    return store;
  }

  /** Read every account's findings from moto again at the next call (after writes that bypassed the stand-in). */
  forget(): void {
    this.stores.clear();
  }

  /** BatchImportFindings passed on to moto, and the copy here kept in step with what moto took. */
  async batchImportFindings(call: AwsCall): Promise<AwsOutput> {
    const out = await this.o.sdk.call(call);
    const caller = await this.o.identify(call);
    const store = this.stores.get(`${caller.account} ${call.region}`);
    if (store) {
      const failed = new Set(((out.FailedFindings as Array<{ Id?: string }> | undefined) ?? []).map((f) => f.Id));
      const s = await store;
      for (const f of (call.input.Findings as Finding[] | undefined) ?? []) if (!failed.has(String(f.Id))) s.put(f);
    }
    return out;
  }

  async getFindings(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const store = await this.store(caller.account, call.region, call.credentials);
    const filters = call.input.Filters as Record<string, unknown> | undefined;
    const matched = filterFindings(store.candidates(filters), filters);
    const max = typeof call.input.MaxResults === 'number' ? call.input.MaxResults : 100;
    const start =
      typeof call.input.NextToken === 'string' && call.input.NextToken.startsWith('standin:') ? Number(call.input.NextToken.slice(8)) : 0;
    const page = matched.slice(start, start + max);
    const next = start + max < matched.length ? { NextToken: `standin:${start + max}` } : {};
    return { Findings: page, ...next };
  }

  async batchUpdateFindings(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const ids = findingIdentifiers(call.input);
    const now = this.now().toISOString();
    const own = await this.store(caller.account, call.region, call.credentials);
    const processed: Array<{ Id: string; ProductArn: string }> = [];
    const written: Finding[] = [];
    const byAccount = new Map<string, Finding[]>();
    const unprocessed: Array<{ FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }> = [];
    for (const ident of ids) {
      const key = { Id: String(ident.Id ?? ''), ProductArn: String(ident.ProductArn ?? '') };
      const finding = own.get(key.Id, key.ProductArn);
      if (!finding) {
        unprocessed.push({ FindingIdentifier: key, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' });
        continue;
      }
      // a member may update its own findings only; the administrator those of its members too
      if (caller.account !== this.o.adminAccount && finding.AwsAccountId !== caller.account) {
        unprocessed.push({
          FindingIdentifier: key,
          ErrorCode: 'AccessDeniedException',
          ErrorMessage: `account ${caller.account} cannot update a finding of ${String(finding.AwsAccountId)}`,
        });
        continue;
      }
      const updated = applyFindingUpdate(finding, call.input, now);
      // every copy: the finding's own account and the administrator's (moto does not aggregate)
      for (const account of new Set([String(finding.AwsAccountId), this.o.adminAccount])) {
        const copies = byAccount.get(account) ?? [];
        copies.push(updated);
        byAccount.set(account, copies);
      }
      processed.push(key);
      written.push(updated);
    }
    // one BatchImportFindings per account and 100 findings, not one per finding and copy
    for (const [account, findings] of byAccount) {
      const credentials = account === caller.account ? call.credentials : await this.o.serviceCredentials(account);
      for (let i = 0; i < findings.length; i += IMPORT_MAX) {
        const chunk = findings.slice(i, i + IMPORT_MAX);
        const r = await this.o.sdk.call({
          service: 'securityhub',
          operation: 'BatchImportFindings',
          region: call.region,
          credentials,
          input: { Findings: chunk },
        });
        if (Number(r.FailedCount ?? 0) > 0)
          throw new AwsServiceError(
            'InternalException',
            `the stand-in could not write ${chunk.length} finding(s) back to ${account}: ${JSON.stringify(r.FailedFindings)}`,
          );
        const copy = this.stores.get(`${account} ${call.region}`);
        if (copy) {
          const store = await copy;
          for (const f of chunk) store.put(f);
        }
      }
    }
    for (const updated of written) {
      this.updates.push({
        at: now,
        callerAccount: caller.account,
        callerArn: caller.arn,
        region: call.region,
        findingId: String(updated.Id),
        request: call.input,
      });
      this.emitted.push(importedEvent(updated, this.o.adminAccount, now));
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }

  async createActionTarget(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const name = String(call.input.Name ?? '');
    const id = String(call.input.Id ?? '');
    if (!name || name.length > 20)
      throw new AwsServiceError('InvalidInputException', 'Name must be 1 to 20 characters', 'securityhub', 'CreateActionTarget');
    if (!/^[A-Za-z0-9]{1,20}$/.test(id))
      throw new AwsServiceError('InvalidInputException', 'Id must be 1 to 20 alphanumeric characters', 'securityhub', 'CreateActionTarget');
    const arn = `arn:aws:securityhub:${call.region}:${caller.account}:action/custom/${id}`;
    if (this.actionTargets.has(arn))
      throw new AwsServiceError('ResourceConflictException', `action target ${arn} already exists`, 'securityhub', 'CreateActionTarget');
    this.actionTargets.set(arn, { ActionTargetArn: arn, Name: name, Description: String(call.input.Description ?? '') });
    return { ActionTargetArn: arn };
  }

  async describeActionTargets(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const wanted = call.input.ActionTargetArns as string[] | undefined;
    const prefix = `arn:aws:securityhub:${call.region}:${caller.account}:action/custom/`;
    const all = [...this.actionTargets.values()].filter((t) => t.ActionTargetArn.startsWith(prefix));
    return { ActionTargets: wanted?.length ? all.filter((t) => wanted.includes(t.ActionTargetArn)) : all };
  }
}
