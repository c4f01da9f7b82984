import { type AwsCredentials, errorCode, errorMessage, type Invoker } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import type { FindingState } from '../finalizer/finding-update';
import { type AwsCallFn, readFinding, RecordFailedError, recordOutcome } from '../finalizer/record';
import { clip } from '../finalizer/text';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { mapLimit } from '../util/pool';
import type { HubfixConfig } from './config';
import type { CredentialsCache } from './credentials';
import { ORCHESTRATOR_UPDATED_BY } from './fields';
import { mayPass } from './retry';
import {
  changedSince,
  examineFinding,
  type Examined,
  graceMs,
  runOf,
  type RunRecord,
  runsSinceRequest,
  type StuckFinding,
  stuckFindingsRequest,
  SWEEP_MAX_EXECUTION_READS,
  SWEEP_MAX_FINDINGS,
  SWEEP_MAX_LISTED,
  sweptOutcome,
  sweptState,
  verdictFor,
  type Verdict,
} from './sweep';

/**
 * The sweep's I/O (the decisions are in sweep.ts): lists the findings hubfix left at STARTED
 * (GetFindings in the administrator account, at most SWEEP_MAX_LISTED a sweep), reads the runs of
 * their documents in each member account and Region as the member role (DescribeAutomationExecutions,
 * then GetAutomationExecution for each candidate: its FindingId parameter says whose run it is),
 * and for a finding whose run ended without its finalizer, or that has no run, reads the finding
 * again and, when it still says STARTED with the same start, writes the outcome through the
 * finalizer's recorder (note trail kept, fields carried) and notifies. A read that fails is never
 * followed by a write; one finding's failure never stops the others.
 *
 * Calls: 1 GetFindings a page; per account, Region and document with stuck findings
 * 1 DescribeAutomationExecutions a page + 1 GetAutomationExecution per run found (≤ 50), AssumeRole
 * cached; per finding written 1 GetFindings + 1 BatchUpdateFindings + 1 Publish.
 */

export interface SweepDeps {
  invoker: Invoker;
  catalog: Catalog;
  config: HubfixConfig;
  credentials: CredentialsCache;
  now: () => number;
  /** Where the findings are listed: the administrator's aggregation Region (or its only Region). */
  region: string;
  /**
   * Stuck findings checked against their runs at most (default SWEEP_MAX_FINDINGS), the most recent
   * starts first; the rest wait for the next sweep. At most SWEEP_MAX_LISTED (or this many) are listed.
   */
  maxFindings?: number;
  /** Minutes a start is left alone (default: the configuration's inFlightMinutes). */
  graceMinutes?: number;
  /** Report what would be written; write and publish nothing. */
  dryRun?: boolean;
  log?: (line: Record<string, unknown>) => void;
  /** Groups (account × Region × document) checked at once (default 4). */
  concurrency?: number;
}

export type SweepAction = 'written' | 'would-write' | 'left' | 'failed';

export interface SweptFinding {
  findingId: string;
  action: SweepAction;
  /** Why, in one line. */
  detail: string;
  control?: string;
  account?: string;
  region?: string;
  executionId?: string;
  executionStatus?: string;
  /** For written: `updated`, `unprocessed: …`; the outcome's status. */
  status?: string;
  findingUpdate?: string;
  notification?: string;
  /** A failure that may pass (throttling, 5xx, timeout): the next sweep tries again. */
  retryable?: boolean;
  distrusted?: string[];
}

export interface SweepResult {
  /** Findings the listing returned. */
  listed: number;
  /** More findings at STARTED than one sweep lists or checks: the next sweep goes on. */
  truncated: boolean;
  findings: SweptFinding[];
  counts: Record<SweepAction, number>;
  /** The listing failed (nothing, or only what was listed before, was examined). */
  listingError?: string;
  listingRetryable?: boolean;
}

function describe(err: unknown): string {
  return clip(`${errorCode(err)}: ${errorMessage(err)}`, 300);
}

const PASSING_TEXT = /^failed: (Throttl|TooManyRequests|Internal|ServiceUnavailable|TimeoutError|RequestTimeout|ECONN|ETIMEDOUT)/;

/** The findings at STARTED past the grace period, page by page, at most `max`. */
async function listStuck(
  deps: SweepDeps,
  grace: number,
  max: number,
): Promise<{ findings: unknown[]; truncated: boolean; error?: string; retryable?: boolean }> {
  const findings: unknown[] = [];
  let token: string | undefined;
  const now = deps.now();
  do {
    let page: Record<string, unknown>;
    try {
      page = await deps.invoker.call({
        service: 'securityhub',
        operation: 'GetFindings',
        input: stuckFindingsRequest(now, grace, max - findings.length, token),
        region: deps.region,
      });
    } catch (err) {
      return { findings, truncated: true, error: `GetFindings in ${deps.region}: ${describe(err)}`, retryable: mayPass(err) };
    }
    const list = Array.isArray(page.Findings) ? page.Findings : [];
    findings.push(...list.slice(0, max - findings.length));
    token = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
  } while (token && findings.length < max);
  return { findings, truncated: token !== undefined };
}

interface GroupRuns {
  runs: RunRecord[];
  complete: boolean;
  error?: string;
  retryable?: boolean;
}

/** The runs of one document in one account and Region since `since`, as SSM holds them. */
async function runsOf(group: StuckFinding[], deps: SweepDeps): Promise<GroupRuns> {
  const first = group[0];
  const since = Math.min(...group.map((f) => f.since));
  let credentials: AwsCredentials;
  try {
    credentials = await deps.credentials.get(first.memberRoleArn, first.region);
  } catch (err) {
    return { runs: [], complete: false, error: `AssumeRole ${first.memberRoleArn}: ${describe(err)}`, retryable: mayPass(err) };
  }
  const ssm = (operation: string, input: Record<string, unknown>) =>
    deps.invoker.call({ service: 'ssm', operation, input, region: first.region, account: first.account, credentials });
  const listed: Array<{ id: string; start: number }> = [];
  let complete = true;
  let token: string | undefined;
  try {
    let pages = 0;
    do {
      const out = await ssm('DescribeAutomationExecutions', runsSinceRequest(first.document, since, token));
      const list = Array.isArray(out.AutomationExecutionMetadataList) ? out.AutomationExecutionMetadataList : [];
      for (const m of list as Array<Record<string, unknown>>)
        if (m.DocumentName === first.document && typeof m.AutomationExecutionId === 'string')
          listed.push({ id: m.AutomationExecutionId, start: Date.parse(String(m.ExecutionStartTime ?? '')) || 0 });
      token = typeof out.NextToken === 'string' && out.NextToken ? out.NextToken : undefined;
      pages++;
    } while (token && listed.length < SWEEP_MAX_EXECUTION_READS && pages < 10);
    if (token) complete = false;
  } catch (err) {
    return { runs: [], complete: false, error: `DescribeAutomationExecutions: ${describe(err)}`, retryable: mayPass(err) };
  }
  // the newest first: a finding's latest run is what its record is about
  listed.sort((a, b) => b.start - a.start);
  if (listed.length > SWEEP_MAX_EXECUTION_READS) complete = false;
  const runs: RunRecord[] = [];
  let readError: string | undefined;
  let readRetryable = false;
  for (const m of listed.slice(0, SWEEP_MAX_EXECUTION_READS)) {
    try {
      runs.push(runOf(await ssm('GetAutomationExecution', { AutomationExecutionId: m.id })));
    } catch (err) {
      complete = false;
      readError ??= `GetAutomationExecution ${m.id}: ${describe(err)}`;
      readRetryable ||= mayPass(err);
    }
  }
  return { runs, complete, ...(readError ? { error: readError, retryable: readRetryable } : {}) };
}

function callIn(deps: SweepDeps, fallbackRegion: string): AwsCallFn {
  return (service, operation, input, region) => deps.invoker.call({ service, operation, input, region: region ?? fallbackRegion });
}

function located(f: StuckFinding): Pick<SweptFinding, 'control' | 'account' | 'region' | 'distrusted'> {
  return { control: f.control, account: f.account, region: f.region, ...(f.distrusted.length ? { distrusted: f.distrusted } : {}) };
}

/** Writes the outcome of one stuck finding whose run ended (or never was): read again, then write, then notify. */
async function record(f: StuckFinding, v: Extract<Verdict, { kind: 'ended' | 'no-run' }>, deps: SweepDeps): Promise<SweptFinding> {
  const outcome = sweptOutcome(f, v);
  const base: SweptFinding = {
    findingId: f.findingId,
    action: 'would-write',
    detail: outcome.summary,
    status: outcome.status,
    ...located(f),
    ...(v.kind === 'ended' ? { executionId: v.run.id, executionStatus: v.run.status } : {}),
  };
  if (deps.dryRun) return base;
  const call = callIn(deps, f.findingRegion);
  // never a blind write: the finding is read again, after the runs were, and must still say STARTED
  const read = await readFinding(call, f.findingId, f.productArn, f.findingRegion);
  if (read.result === 'not found') return { ...base, action: 'left', detail: 'the finding is no longer there' };
  if (read.result !== 'read' || !read.state)
    return {
      ...base,
      action: 'failed',
      detail: `reading the finding ${read.result}; nothing written`,
      retryable: PASSING_TEXT.test(read.result),
    };
  const changed = changedSince(f, read.state);
  if (changed) return { ...base, action: 'left', detail: `${changed}; nothing written` };
  const state: FindingState = sweptState(read.state);
  const now = new Date(deps.now());
  const topic = deps.config.notificationTopicArn.trim();
  try {
    const r = await recordOutcome(
      { ...outcome },
      {
        call,
        now,
        ...(outcome.executionId ? { executionId: outcome.executionId } : {}),
        document: f.document,
        updatedBy: ORCHESTRATOR_UPDATED_BY,
        control: f.control,
        controls: [f.control],
        aliases: f.aliases,
        account: f.account,
        region: f.region,
        partition: f.partition,
        resource: { type: f.resourceType, id: f.resourceId, parameters: f.parameters },
        finding: { id: f.findingId, productArn: f.productArn, region: f.findingRegion, state },
        failOnFindingError: true,
        ...(topic ? { topicArn: topic } : {}),
      },
    );
    const ok = r.findingUpdate === 'updated';
    return { ...base, action: ok ? 'written' : 'failed', findingUpdate: r.findingUpdate, notification: r.notification };
  } catch (err) {
    // the write failed for a reason that may pass: no notification; the next sweep tries again
    const why = err instanceof RecordFailedError ? err.message : describe(err);
    return { ...base, action: 'failed', detail: `${why}; not notified`, retryable: true };
  }
}

function logLine(s: SweptFinding): Record<string, unknown> {
  const quiet = s.action === 'left' && !s.distrusted && /^(a run|started \d+ min ago|hubfix:status)/.test(s.detail);
  return { level: quiet ? 'info' : 'warn', msg: 'hubfix.sweep', ...s };
}

function groupKey(f: StuckFinding): string {
  return `${f.memberRoleArn}|${f.region}|${f.document}`;
}

function leftFor(e: Exclude<Examined, { kind: 'stuck' }>): SweptFinding {
  return {
    findingId: e.findingId,
    action: 'left',
    detail: e.kind === 'unlocatable' ? `hubfix cannot tell which run it would be: ${e.detail}` : e.detail,
  };
}

function verdictLine(f: StuckFinding, v: Exclude<Verdict, { kind: 'ended' | 'no-run' }>, g: GroupRuns): SweptFinding {
  if (v.kind === 'in-flight')
    return {
      findingId: f.findingId,
      action: 'left',
      detail: `a run is in flight: execution ${v.run.id} is ${v.run.status}; its finalizer will record the outcome`,
      executionId: v.run.id,
      executionStatus: v.run.status,
      ...located(f),
    };
  const why = g.error ? `${v.detail} (${g.error})` : v.detail;
  return {
    findingId: f.findingId,
    action: g.error ? 'failed' : 'left',
    detail: `${why}; nothing written`,
    ...(g.retryable ? { retryable: true } : {}),
    ...located(f),
  };
}

/** The findings checked this sweep, the most recent start first (a start that cannot be placed last), and the rest. */
export function inTurn(found: readonly StuckFinding[], max: number): { now: StuckFinding[]; later: StuckFinding[] } {
  const ordered = [...found].sort((a, b) => (b.startedAt ?? Number.NEGATIVE_INFINITY) - (a.startedAt ?? Number.NEGATIVE_INFINITY));
  return { now: ordered.slice(0, max), later: ordered.slice(max) };
}

/** One sweep. Never throws for a finding's failure; the listing's failure is in the result. */
export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const log = deps.log ?? (() => {});
  const grace = graceMs(deps.config, deps.graceMinutes);
  const max = Math.max(1, deps.maxFindings ?? SWEEP_MAX_FINDINGS);
  const listing = await listStuck(deps, grace, Math.max(max, SWEEP_MAX_LISTED));
  const now = deps.now();
  const examined = listing.findings.map((raw) => examineFinding(raw, { catalog: deps.catalog, config: deps.config, now, grace }));
  const out: SweptFinding[] = [];
  const found: StuckFinding[] = [];
  for (const e of examined) {
    if (e.kind === 'stuck') found.push(e.finding);
    else out.push(leftFor(e));
  }
  // the most recent starts first: findings that stay stuck for good (a member role hubfix cannot
  // assume) keep their old start, so they never hold newer ones back
  const { now: stuck, later } = inTurn(found, max);
  for (const f of later)
    out.push({ findingId: f.findingId, action: 'left', detail: `waits for the next sweep (${max} checked a sweep)`, ...located(f) });
  const groups = new Map<string, StuckFinding[]>();
  for (const f of stuck) groups.set(groupKey(f), [...(groups.get(groupKey(f)) ?? []), f]);
  const results = await mapLimit([...groups.values()], deps.concurrency ?? 4, async (group) => {
    const g = await runsOf(group, deps);
    const lines: SweptFinding[] = [];
    for (const f of group) {
      const v: Verdict =
        g.error && g.runs.length === 0 ? { kind: 'undetermined', detail: 'the runs could not be read' } : verdictFor(f, g.runs, g.complete);
      lines.push(v.kind === 'ended' || v.kind === 'no-run' ? await record(f, v, deps) : verdictLine(f, v, g));
    }
    return lines;
  });
  for (const lines of results) out.push(...lines);
  const counts: Record<SweepAction, number> = { written: 0, 'would-write': 0, left: 0, failed: 0 };
  for (const s of out) {
    counts[s.action]++;
    log(logLine(s));
  }
  const result: SweepResult = {
    listed: listing.findings.length,
    truncated: listing.truncated || later.length > 0,
    findings: out,
    counts,
    ...(listing.error ? { listingError: listing.error, listingRetryable: listing.retryable ?? false } : {}),
  };
  log({
    level: listing.error ? 'error' : 'info',
    msg: 'hubfix.sweep-done',
    listed: result.listed,
    truncated: result.truncated,
    counts,
    ...(listing.error ? { error: listing.error } : {}),
  });
  return result;
}

/**
 * The sweep's calls as the orchestrator role (administrator account): listing and re-reading the
 * findings (GetFindings: Security Hub's IAM documentation lists no resource-level permissions for
 * it, so `*`, as the finalizer), recording the outcome and notifying (as the start path).
 */
export const SWEEP_ORCHESTRATOR_PERMISSIONS: readonly PrincipalPermission[] = [
  { action: 'securityhub:GetFindings', resource: '*' },
  { action: 'securityhub:BatchUpdateFindings', resource: arnPattern('securityhub', '*', PLACEHOLDERS.account, 'hub/default') },
  { action: 'sns:Publish', resource: PLACEHOLDERS.notificationTopic },
];

/** The sweep's calls as the member role: listing the runs of a document, reading each one's parameters and steps. */
export const SWEEP_MEMBER_PERMISSIONS: readonly PrincipalPermission[] = [
  // no resource-level permission (as the start path's check of claims)
  { action: 'ssm:DescribeAutomationExecutions', resource: '*' },
  { action: 'ssm:GetAutomationExecution', resource: arnPattern('ssm', '*', PLACEHOLDERS.account, 'automation-execution/*') },
];
