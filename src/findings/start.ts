import { mapLimit } from '../util/pool';
import type { Catalog } from '../compiler/catalog';
import { type AwsCredentials, errorCode, errorMessage, hasErrorCode, type Invoker } from '../aws/invoker';
import { notifyOnly } from '../finalizer/notify-only';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { type AwsCallFn, publish } from '../finalizer/record';
import { buildNotification, notificationSubject } from '../notify/message';
import { commonParameters } from '../model/runbook';
import { clip } from '../finalizer/text';
import type { CredentialsCache } from './credentials';
import {
  attemptFields,
  EXECUTION_PENDING,
  FIELD_EXECUTION,
  FIELD_STATUS,
  FIELD_UPDATED_AT,
  ORCHESTRATOR_UPDATED_BY,
  readMemory,
  STATUS_NOTIFY_ONLY,
  STATUS_START_FAILED,
  STATUS_STARTED,
  withOurFields,
} from './fields';
import { runbookRoleName } from './naming';
import { coveredNote, startFailedNote, startingNote } from './notes';
import { mayPass, type Sleep } from './retry';
import type { Decision, ParameterValue, StartTarget } from './types';

/**
 * The start path, the orchestrator's I/O. For each finding decided `start`:
 *   1. claims the finding's fields make that would hold a start back (a run in progress, the
 *      attempts used up) and, for account-level controls, runs of the same document already in
 *      flight in the account, are checked against the automation executions themselves
 *      (DescribeAutomationExecutions as the member role): a finding update cannot write those;
 *   2. the start is recorded on the finding (STARTED, execution `pending`) BEFORE the automation
 *      starts, so the record can never land after the finalizer's outcome and overwrite it;
 *   3. StartAutomationExecution in the resource's Region with the ClientToken derived from the
 *      trigger (the same trigger never starts twice);
 *   4. a start that failed is recorded (START_FAILED) with its reason.
 * Findings decided `notify` get their note, workflow and the notification through the
 * finalizer's recorder (the notify-only path). One finding's failure never stops the others.
 * Throttling, 5xx and timeouts are retried in one layer, the SDK's; what still fails for such a
 * passing reason is marked `retryable`, and the handler fails the invocation for it.
 *
 * Calls per started finding: 1 BatchUpdateFindings (shared by findings with an identical update,
 * ≤ 100 a call) + 1 StartAutomationExecution (+ AssumeRole, cached per account and Region).
 * DescribeAutomationExecutions adds 1 only for a finding whose fields claim a run in progress or
 * the attempts used up, and for each start of an account-level control.
 */

export interface ActDeps {
  invoker: Invoker;
  catalog: Catalog;
  credentials: CredentialsCache;
  now: () => number;
  sleep: Sleep;
  random?: () => number;
  /** Loop guard settings: attempts kept in the window list, and the window. */
  loopGuard: { attempts: number; windowHours: number };
  notificationTopicArn?: string;
  /** Starts in flight at once (default 8). */
  concurrency?: number;
  /** Receives the warning lines of claims checked (default: none). */
  log?: (line: Record<string, unknown>) => void;
  /** Start with the caller's own credentials instead of assuming the member role (`hubfix remediate --direct`). */
  direct?: boolean;
}

/**
 * `deferred`: another run starts on the same resource in this batch; nothing is written and the
 * event goes back to the queue (retryable), to be handled once that run is over.
 */
export type Outcome = 'started' | 'start-failed' | 'notified' | 'skipped' | 'deferred';

export interface FindingOutcome {
  decision: Decision;
  outcome: Outcome;
  executionId?: string;
  /** Why a start failed: `<code>: <message>`. */
  error?: string;
  /** `updated`, `unprocessed: <code> …`, `failed: …`, or `skipped: …`. */
  findingUpdate?: string;
  /** For notify: `published …`, `skipped: no topic`, `failed: …`. */
  notification?: string;
  /** The start or its record failed for a reason that may pass (throttling, 5xx, timeout). */
  retryable?: boolean;
  /** What checking a claim against the executions found. */
  claimCheck?: string;
}

export const BATCH_UPDATE_MAX = 100;
const UNPROCESSED_ROUNDS = 3;
const HOUR_MS = 3_600_000;
const FINAL_UNPROCESSED = new Set(['FindingNotFound', 'InvalidInput', 'FindingSizeExceeded', 'AccessDenied', 'AccessDeniedException']);
/** Statuses of an automation that has not ended. */
const IN_FLIGHT = ['Pending', 'InProgress', 'Waiting'];

/** StartAutomationExecution takes every value as a list of strings. */
export function toStringLists(parameters: Readonly<Record<string, ParameterValue>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parameters)) out[k] = [String(v)];
  return out;
}

/** The StartAutomationExecution request of a target. */
export function startRequest(t: StartTarget): Record<string, unknown> {
  const input: Record<string, unknown> = { DocumentName: t.document, Parameters: toStringLists(t.parameters), ClientToken: t.clientToken };
  // lets an operator find the execution of a finding (SSM tag values: at most 256 characters)
  if (t.findingId.length <= 256) input.Tags = [{ Key: 'hubfix:finding', Value: t.findingId }];
  return input;
}

function describe(err: unknown): string {
  return clip(`${errorCode(err)}: ${errorMessage(err)}`, 300);
}

interface StartResult {
  executionId?: string;
  error?: string;
  retryable?: boolean;
  /** An account-level run for the same account and evaluation was already started for another finding. */
  sharedRun?: boolean;
}

/** The member role's credentials; none (the caller's own) for `hubfix remediate --direct`. */
async function memberCredentials(t: StartTarget, deps: ActDeps): Promise<AwsCredentials | undefined> {
  return deps.direct ? undefined : deps.credentials.get(t.memberRoleArn, t.region);
}

async function startOne(t: StartTarget, deps: ActDeps): Promise<StartResult> {
  let credentials: AwsCredentials | undefined;
  try {
    credentials = await memberCredentials(t, deps);
  } catch (err) {
    return { error: `AssumeRole ${t.memberRoleArn}: ${describe(err)}`, retryable: mayPass(err) };
  }
  try {
    const out = await deps.invoker.call({
      service: 'ssm',
      operation: 'StartAutomationExecution',
      input: startRequest(t),
      region: t.region,
      account: t.account,
      credentials,
    });
    const id = (out as { AutomationExecutionId?: unknown }).AutomationExecutionId;
    if (typeof id !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(id)) return { error: 'StartAutomationExecution returned no execution id' };
    return { executionId: id };
  } catch (err) {
    if (t.scope === 'account' && hasErrorCode(err, 'IdempotentParameterMismatch')) return { sharedRun: true };
    return { error: `StartAutomationExecution: ${describe(err)}`, retryable: mayPass(err) };
  }
}

/**
 * Runs of the target's document in flight (or, with `sinceMs`, started since then) in its
 * account and Region, as SSM reports them; at most 50 are counted. A finding update cannot
 * write these, so they bear out or refute what the finding's fields claim.
 */
export async function runsOfDocument(t: StartTarget, deps: ActDeps, sinceMs?: number): Promise<number> {
  const credentials = await memberCredentials(t, deps);
  const filters: Array<{ Key: string; Values: string[] }> = [{ Key: 'DocumentNamePrefix', Values: [t.document] }];
  if (sinceMs === undefined) filters.push({ Key: 'ExecutionStatus', Values: IN_FLIGHT });
  else filters.push({ Key: 'StartTimeAfter', Values: [new Date(sinceMs).toISOString().replace(/\.\d{3}Z$/, 'Z')] });
  const out = await deps.invoker.call({
    service: 'ssm',
    operation: 'DescribeAutomationExecutions',
    input: { Filters: filters, MaxResults: 50 },
    region: t.region,
    account: t.account,
    credentials,
  });
  const list = (out as { AutomationExecutionMetadataList?: Array<{ DocumentName?: string }> }).AutomationExecutionMetadataList ?? [];
  return list.filter((m) => m.DocumentName === t.document).length;
}

/** Resources whose runbooks read-modify-write the same settings (rules by id, keys, bucket policy). */
const ONE_RUNBOOK_AT_A_TIME: ReadonlySet<string> = new Set(['AwsEc2SecurityGroup', 'AwsIamUser', 'AwsS3Bucket']);

/** Pages of in-flight runs read for one account and Region before asking per document. */
const IN_FLIGHT_PAGES = 4;

function commonPrefix(names: readonly string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * Runs in flight in one account and Region of each of `documents`, read with as few calls as the
 * account allows: one DescribeAutomationExecutions of every hubfix run in flight (the documents'
 * common prefix), more pages only while a document asked about is not seen yet, and a call per
 * document only for an account with more runs in flight than those pages hold.
 */
async function runsInFlight(t: StartTarget, documents: readonly string[], deps: ActDeps): Promise<Map<string, number>> {
  const credentials = await memberCredentials(t, deps);
  const counts = new Map<string, number>(documents.map((d) => [d, 0]));
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < IN_FLIGHT_PAGES; page++) {
    const out = await deps.invoker.call({
      service: 'ssm',
      operation: 'DescribeAutomationExecutions',
      input: {
        Filters: [
          { Key: 'DocumentNamePrefix', Values: [commonPrefix(documents)] },
          { Key: 'ExecutionStatus', Values: IN_FLIGHT },
        ],
        MaxResults: 50,
        ...(token ? { NextToken: token } : {}),
      },
      region: t.region,
      account: t.account,
      credentials,
    });
    for (const m of (out as { AutomationExecutionMetadataList?: Array<{ DocumentName?: string }> }).AutomationExecutionMetadataList ?? [])
      if (m.DocumentName && counts.has(m.DocumentName)) {
        counts.set(m.DocumentName, (counts.get(m.DocumentName) ?? 0) + 1);
        seen.add(m.DocumentName);
      }
    token = typeof (out as { NextToken?: unknown }).NextToken === 'string' ? (out as { NextToken: string }).NextToken : undefined;
    if (!token || seen.size === documents.length) return counts;
  }
  for (const d of documents) if (!seen.has(d)) counts.set(d, await runsOfDocument({ ...t, document: d }, deps));
  return counts;
}

/** One finding's BatchUpdateFindings content. */
interface FindingUpdate {
  index: number;
  region: string;
  identifier: { Id: string; ProductArn: string };
  note: string;
  workflow?: 'NOTIFIED';
  fields: Record<string, string>;
}

function sortedFields(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(fields).sort()) out[k] = fields[k];
  return out;
}

/** A finding's update: hubfix's fields merged into the finding's own (the whole map is sent), sorted so equal updates group. */
function updateOf(index: number, t: StartTarget, note: string, ours: Record<string, string>, workflow?: 'NOTIFIED'): FindingUpdate {
  return {
    index,
    region: t.findingRegion,
    identifier: { Id: t.findingId, ProductArn: t.productArn },
    note,
    ...(workflow ? { workflow } : {}),
    fields: sortedFields(withOurFields(t.fields, ours)),
  };
}

/** The record of a start about to be made (STARTED, execution pending), written before the start. */
function startingUpdate(index: number, t: StartTarget, deps: ActDeps, now: number): FindingUpdate {
  const memory = readMemory(t.fields, now);
  const windowMs = deps.loopGuard.windowHours * HOUR_MS;
  const ours: Record<string, string> = {
    ...attemptFields(memory, now, windowMs, deps.loopGuard.attempts + 1),
    [FIELD_STATUS]: STATUS_STARTED,
    [FIELD_EXECUTION]: EXECUTION_PENDING,
  };
  return updateOf(index, t, startingNote(t, new Date(now)), ours, 'NOTIFIED');
}

/** The record of a start that failed: the attempt as the starting record counted it, and why. */
function failedUpdate(index: number, t: StartTarget, why: string, deps: ActDeps, attemptAt: number, now: number): FindingUpdate {
  const memory = readMemory(t.fields, attemptAt);
  const ours: Record<string, string> = {
    ...attemptFields(memory, attemptAt, deps.loopGuard.windowHours * HOUR_MS, deps.loopGuard.attempts + 1),
    [FIELD_STATUS]: STATUS_START_FAILED,
    [FIELD_UPDATED_AT]: new Date(now).toISOString(),
  };
  return updateOf(index, t, startFailedNote(t, why, new Date(now)), ours);
}

/**
 * The record of an account-level finding covered by its account's run (in this batch, or in
 * flight): no run and no notification of its own. Findings without a note trail of their own share
 * one BatchUpdateFindings, whichever run covers them.
 */
function coveredUpdate(index: number, t: StartTarget, now: number): FindingUpdate {
  const ours = { [FIELD_STATUS]: STATUS_NOTIFY_ONLY, [FIELD_UPDATED_AT]: new Date(now).toISOString() };
  return updateOf(index, t, coveredNote(t, new Date(now)), ours, 'NOTIFIED');
}

/** Findings whose update is identical share calls: key → updates. */
function group(updates: readonly FindingUpdate[]): FindingUpdate[][] {
  const groups = new Map<string, FindingUpdate[]>();
  for (const u of updates) {
    const key = JSON.stringify([u.region, u.note, u.workflow ?? '', u.fields]);
    const g = groups.get(key);
    if (g) g.push(u);
    else groups.set(key, [u]);
  }
  const out: FindingUpdate[][] = [];
  for (const g of groups.values()) for (let i = 0; i < g.length; i += BATCH_UPDATE_MAX) out.push(g.slice(i, i + BATCH_UPDATE_MAX));
  return out;
}

interface Unprocessed {
  FindingIdentifier?: { Id?: string };
  ErrorCode?: string;
  ErrorMessage?: string;
}

interface WriteResult {
  text: string;
  retryable: boolean;
}

/** One BatchUpdateFindings for a chunk, unprocessed findings retried; result per finding index. */
async function writeChunk(chunk: FindingUpdate[], deps: ActDeps, results: Map<number, WriteResult>): Promise<void> {
  const first = chunk[0];
  let pending = chunk;
  for (let round = 0; pending.length > 0; round++) {
    const input: Record<string, unknown> = {
      FindingIdentifiers: pending.map((u) => u.identifier),
      Note: { Text: first.note, UpdatedBy: ORCHESTRATOR_UPDATED_BY },
      UserDefinedFields: first.fields,
      ...(first.workflow ? { Workflow: { Status: first.workflow } } : {}),
    };
    let out: Record<string, unknown>;
    try {
      out = await deps.invoker.call({ service: 'securityhub', operation: 'BatchUpdateFindings', input, region: first.region });
    } catch (err) {
      for (const u of pending) results.set(u.index, { text: `failed: ${describe(err)}`, retryable: mayPass(err) });
      return;
    }
    const unprocessed = Array.isArray(out.UnprocessedFindings) ? (out.UnprocessedFindings as Unprocessed[]) : [];
    const failedIds = new Map<string, Unprocessed>();
    for (const u of unprocessed) if (u.FindingIdentifier?.Id) failedIds.set(u.FindingIdentifier.Id, u);
    const retry: FindingUpdate[] = [];
    for (const u of pending) {
      const problem = failedIds.get(u.identifier.Id);
      if (!problem) {
        results.set(u.index, { text: 'updated', retryable: false });
        continue;
      }
      const code = problem.ErrorCode ?? 'Unknown';
      const final = FINAL_UNPROCESSED.has(code);
      const text = clip(`unprocessed: ${code}${problem.ErrorMessage ? ` (${problem.ErrorMessage})` : ''}`, 300);
      results.set(u.index, { text, retryable: !final });
      if (!final && round + 1 < UNPROCESSED_ROUNDS) retry.push(u);
    }
    pending = retry;
    if (pending.length > 0) await deps.sleep(Math.floor((deps.random ?? Math.random)() * 200 * 2 ** round));
  }
}

async function writeAll(updates: readonly FindingUpdate[], deps: ActDeps): Promise<Map<number, WriteResult>> {
  const written = new Map<number, WriteResult>();
  await mapLimit(group(updates), 4, (chunk) => writeChunk(chunk, deps, written));
  return written;
}

function awsCallFn(deps: ActDeps, defaultRegion: string): AwsCallFn {
  return (service, operation, input, region) => deps.invoker.call({ service, operation, input, region: region ?? defaultRegion });
}

async function notifyOne(d: Decision, t: StartTarget, deps: ActDeps): Promise<FindingOutcome> {
  const now = new Date(deps.now());
  const control = deps.catalog.controls[t.control];
  try {
    const r = await notifyOnly(
      deps.invoker,
      // carried with the finding's fields, so the echo of this write is known as ours
      { ...t, fields: { ...t.fields, [FIELD_UPDATED_AT]: now.toISOString() } },
      control,
      {
        reason: d.reason === 'ATTEMPTS_EXHAUSTED' ? `hubfix stopped retrying: ${d.detail}` : d.detail,
        ...(d.reason === 'DUPLICATE' && t.scope === 'account' ? { headline: "covered by the account's run in flight" } : {}),
        now: () => now,
        call: awsCallFn(deps, t.findingRegion),
        ...(deps.notificationTopicArn ? { topicArn: deps.notificationTopicArn } : {}),
      },
    );
    const retryable = /^failed: (Throttl|TooManyRequests|Internal|ServiceUnavailable|TimeoutError|RequestTimeout)/.test(r.findingUpdate);
    return {
      decision: d,
      outcome: 'notified',
      findingUpdate: r.findingUpdate,
      notification: r.notification,
      ...(retryable ? { retryable } : {}),
    };
  } catch (err) {
    return {
      decision: d,
      outcome: 'notified',
      findingUpdate: `failed: ${describe(err)}`,
      notification: 'skipped: the record failed',
      retryable: mayPass(err),
    };
  }
}

/** The FAILED notification of a start that failed for a reason that will not pass (no run exists). */
async function notifyStartFailed(t: StartTarget, o: FindingOutcome, deps: ActDeps): Promise<string> {
  const topic = deps.notificationTopicArn?.trim();
  if (!topic) return 'skipped: no topic';
  const control = deps.catalog.controls[t.control];
  const aliases = Object.entries(control?.aliases ?? {}).flatMap(([std, ids]) => (ids ?? []).map((id) => `${std}:${id}`));
  const message = buildNotification({
    status: 'FAILED',
    time: new Date(deps.now()),
    document: t.document,
    control: t.control,
    controls: [t.control],
    aliases: [...new Set(aliases)].sort(),
    account: t.account,
    region: t.region,
    partition: t.partition,
    resource: {
      type: t.resourceType ?? null,
      ...(t.resourceId ? { id: t.resourceId } : {}),
      parameters: Object.fromEntries(Object.entries(t.parameters).filter(([k]) => !(k in commonParameters))),
    },
    executionId: null,
    finding: { id: t.findingId, productArn: t.productArn, workflow: 'NOTIFIED' },
    summary: `hubfix could not start ${t.document} for ${t.control}; nothing ran`,
    changed: 'nothing (no run)',
    before: null,
    after: null,
    verified: false,
    failure: { step: 'StartAutomationExecution', message: o.error ?? 'unknown error' },
    reason: 'the start failed for a reason that will not pass by retrying; a person should look',
    findingUpdate: o.findingUpdate ?? 'not written',
  });
  return publish(awsCallFn(deps, t.findingRegion), topic, notificationSubject(message), message);
}

function alreadyInFlight(t: StartTarget): string {
  return `${t.control} is account-level and a run of ${t.document} is already in flight for account ${t.account} in ${t.region}; this finding passes when Security Hub evaluates the account again`;
}

/**
 * Checks a decision's claim (and an account-level start) against the executions. Returns the
 * decision to carry out: the claim's own when the executions bear it out (or cannot be read),
 * a start when they refute it, and for an account-level start with a run of its document in
 * flight, a notify saying so (the finding still gets an outcome).
 */
async function checkAgainstRuns(
  d: Decision,
  deps: ActDeps,
  inFlight: ReadonlyMap<string, Promise<Map<string, number>>>,
): Promise<{ decision: Decision; check?: string }> {
  const t = d.target;
  if (!t) return { decision: d };
  const asStart = (reason: Decision['reason'], check: string): { decision: Decision; check: string } => {
    const { claim: _claim, ...rest } = d;
    return {
      decision: {
        ...rest,
        decision: 'start',
        reason,
        detail: `start ${t.document}${t.dryRun ? ' (dry run)' : ''} in ${t.account} ${t.region}, attempt ${t.attempt}`,
      },
      check,
    };
  };
  try {
    if (d.claim?.kind === 'in-progress') {
      const running = await runsOfDocument(t, deps);
      if (running === 0)
        return asStart(d.claim.reason, `the fields claim a run in progress; SSM has no run of ${t.document} in flight: claim ignored`);
      return { decision: d, check: `SSM has ${running} run(s) of ${t.document} in flight` };
    }
    if (d.claim?.kind === 'attempts') {
      const since = deps.now() - (d.claim.windowMs ?? 0);
      const runs = await runsOfDocument(t, deps, since);
      if (runs < (d.claim.limit ?? 0))
        return asStart(
          d.claim.reason,
          `the fields claim the attempts used up; SSM started ${runs} run(s) of ${t.document} in the window: claim ignored`,
        );
      return { decision: d, check: `SSM started ${runs} run(s) of ${t.document} in the window` };
    }
    if (d.decision === 'start' && t.oneRunPerAccount) {
      const read = inFlight.get(accountKey(t));
      const running = read ? ((await read).get(t.document) ?? 0) : await runsOfDocument(t, deps);
      if (running > 0)
        return {
          decision: { ...d, decision: 'notify', reason: 'DUPLICATE', detail: alreadyInFlight(t) },
          check: `SSM has ${running} run(s) of ${t.document} in flight`,
        };
    }
  } catch (err) {
    // the claim stands when the executions cannot be read; the log line says so
    return { decision: d, check: `could not check against the executions: ${describe(err)}` };
  }
  return { decision: d };
}

export interface ActOptions {
  /**
   * Decisions (by index) whose start a previous delivery of the same event already recorded on
   * the finding: the record is not written again (it could land over the run's outcome), the
   * start is still made (the same ClientToken: SSM starts nothing twice, it answers the same id).
   */
  recorded?: ReadonlySet<number>;
}

function accountKey(t: StartTarget): string {
  return `${t.account}|${t.region}`;
}

/** Carries out the decisions of one batch. Never throws for one finding's failure. */
export async function act(decisions: readonly Decision[], deps: ActDeps, options: ActOptions = {}): Promise<FindingOutcome[]> {
  // account-level starts: the runs in flight of each account and Region, read once for the batch
  const documentsByAccount = new Map<string, { target: StartTarget; documents: Set<string> }>();
  for (const d of decisions)
    if (d.decision === 'start' && d.target?.oneRunPerAccount && !d.claim) {
      const g = documentsByAccount.get(accountKey(d.target)) ?? { target: d.target, documents: new Set<string>() };
      g.documents.add(d.target.document);
      documentsByAccount.set(accountKey(d.target), g);
    }
  const inFlight = new Map<string, Promise<Map<string, number>>>();
  for (const [key, g] of documentsByAccount) {
    const read = runsInFlight(g.target, [...g.documents].sort(), deps);
    read.catch(() => {}); // awaited (and its failure reported) by each decision that reads it
    inFlight.set(key, read);
  }
  const checked = await mapLimit(
    [...decisions],
    deps.concurrency ?? 8,
    (d): Promise<{ decision: Decision; check?: string }> =>
      d.claim || (d.decision === 'start' && d.target?.oneRunPerAccount)
        ? checkAgainstRuns(d, deps, inFlight)
        : Promise.resolve({ decision: d }),
  );
  const final = checked.map((c) => c.decision);
  const outcomes: FindingOutcome[] = final.map((d, i) => ({
    decision: d,
    outcome: 'skipped',
    ...(checked[i].check ? { claimCheck: checked[i].check } : {}),
  }));
  const recorded = options.recorded ?? new Set<number>();
  // one runbook per resource at a time: two runbooks changing one security group, bucket or user
  // at once race each other (a rule revoked under the other's feet, a replacement added to a group
  // the other has just emptied); the later ones wait for the queue to bring their event back. Runs
  // of one runbook on one resource (EC2.13 and EC2.14 on one group) are made to agree.
  const onResource = new Map<string, number>();
  for (const [i, d] of final.entries()) {
    const t = d.target;
    // a run an earlier delivery started is over by the time the queue brings the event back
    if (d.decision !== 'start' || !t || !ONE_RUNBOOK_AT_A_TIME.has(t.resourceType) || recorded.has(i)) continue;
    const key = `${t.account}|${t.region}|${t.resourceType}|${t.resourceId}`;
    const first = onResource.get(key);
    if (first === undefined) onResource.set(key, i);
    else if (final[first].target?.document !== t.document) {
      outcomes[i] = {
        ...outcomes[i],
        outcome: 'deferred',
        error: `deferred: ${final[first].target?.document} starts on ${t.resourceId} in this batch (finding ${final[first].findingId}); this event comes back once that run is over`,
        retryable: true,
      };
      final[i] = { ...d, decision: 'skip', reason: d.reason };
    }
  }
  const startIdx = final.flatMap((d, i) => (d.decision === 'start' && d.target ? [i] : []));

  // 1. the record first: it can never land after the finalizer's outcome
  const writtenAt = deps.now();
  const starting = await writeAll(
    startIdx.filter((i) => !recorded.has(i)).map((i) => startingUpdate(i, final[i].target as StartTarget, deps, writtenAt)),
    deps,
  );
  for (const i of startIdx)
    if (recorded.has(i)) starting.set(i, { text: 'skipped: recorded by an earlier delivery of this event', retryable: false });
  // 2. the starts; a record that failed for a passing reason holds its start back (Lambda retries the event)
  const toStart = startIdx.filter((i) => !starting.get(i)?.retryable);
  const results = await mapLimit(toStart, deps.concurrency ?? 8, (i) => startOne(final[i].target as StartTarget, deps));
  const failed: FindingUpdate[] = [];
  const failedAt = deps.now();
  for (const i of startIdx) {
    const w = starting.get(i) as WriteResult;
    const k = toStart.indexOf(i);
    const base = { ...outcomes[i], findingUpdate: w.text };
    if (k < 0) {
      outcomes[i] = { ...base, outcome: 'start-failed', error: `not started: recording the start ${w.text}`, retryable: true };
      continue;
    }
    const r = results[k];
    if (r.sharedRun) {
      final[i] = { ...final[i], decision: 'notify', reason: 'DUPLICATE', detail: alreadyInFlight(final[i].target as StartTarget) };
      continue;
    }
    outcomes[i] = { ...base, outcome: r.executionId ? 'started' : 'start-failed', ...r };
    if (!r.executionId) failed.push(failedUpdate(i, final[i].target as StartTarget, r.error ?? 'unknown error', deps, writtenAt, failedAt));
  }
  // account-level findings covered by a run: the run this batch started for another finding of the
  // account (sharing its failure when that start failed), or one already in flight
  const coveredIdx = final.flatMap((d, i) =>
    d.decision === 'notify' && d.reason === 'DUPLICATE' && d.target?.scope === 'account' ? [i] : [],
  );
  const covering = new Map<number, number>();
  for (const i of coveredIdx) {
    const by = final[i].coveredBy;
    const c = by === undefined ? -1 : startIdx.find((s) => final[s].findingId === by && final[s].decision === 'start');
    if (c !== undefined && c >= 0) covering.set(i, c);
  }
  const covered: FindingUpdate[] = [];
  for (const i of coveredIdx) {
    const c = covering.get(i);
    const run = c === undefined ? undefined : outcomes[c];
    if (run && run.outcome !== 'started') {
      outcomes[i] = {
        ...outcomes[i],
        decision: final[i],
        outcome: 'start-failed',
        error: `the account's run could not start (finding ${final[c as number].findingId}): ${run.error ?? 'unknown error'}`,
        ...(run.retryable ? { retryable: true } : {}),
      };
      if (!run.retryable)
        failed.push(failedUpdate(i, final[i].target as StartTarget, outcomes[i].error as string, deps, writtenAt, failedAt));
      continue;
    }
    covered.push(coveredUpdate(i, final[i].target as StartTarget, failedAt));
  }
  // 3. starts that failed: their record says why
  const failedWrites = await writeAll(failed, deps);
  for (const [i, w] of failedWrites) {
    outcomes[i].findingUpdate = w.text;
    if (w.retryable) outcomes[i].retryable = true;
  }
  // a failure that will not pass (access denied, a missing document) needs a person: tell them;
  // one that may pass goes back to the queue and is retried, so it is not announced yet
  const lasting = [...failedWrites.keys()].filter((i) => !outcomes[i].retryable && !covering.has(i));
  const announced = await mapLimit(lasting, 4, (i) => notifyStartFailed(final[i].target as StartTarget, outcomes[i], deps));
  lasting.forEach((i, k) => {
    outcomes[i].notification = announced[k];
  });
  // 4. covered findings: noted, no notification (the covering run's own tells)
  const coveredWrites = await writeAll(covered, deps);
  for (const [i, w] of coveredWrites)
    outcomes[i] = {
      ...outcomes[i],
      decision: final[i],
      outcome: 'notified',
      findingUpdate: w.text,
      notification: "skipped: covered by the account's run",
      ...(w.retryable ? { retryable: true } : {}),
    };

  const notifyIdx = final.flatMap((d, i) => (d.decision === 'notify' && d.target && !coveredIdx.includes(i) ? [i] : []));
  const notified = await mapLimit(notifyIdx, 4, (i) => notifyOne(final[i], final[i].target as StartTarget, deps));
  notifyIdx.forEach((i, k) => {
    outcomes[i] = { ...notified[k], ...(outcomes[i].claimCheck ? { claimCheck: outcomes[i].claimCheck } : {}) };
  });
  return outcomes;
}

/** The start path's calls as the orchestrator role (administrator account): the records and notify-only notifications. */
export const START_PATH_ORCHESTRATOR_PERMISSIONS: readonly PrincipalPermission[] = [
  { action: 'securityhub:BatchUpdateFindings', resource: arnPattern('securityhub', '*', PLACEHOLDERS.account, 'hub/default') },
  { action: 'sns:Publish', resource: PLACEHOLDERS.notificationTopic },
];

/**
 * The start path's calls as the member role (startOne): StartAutomationExecution of hubfix's own
 * documents, passing only their runbook roles, and only to SSM.
 */
export function startPathMemberPermissions(documents: readonly string[]): PrincipalPermission[] {
  // checking a finding's claims (and account-level starts) against the runs: no resource-level permission
  const runs: PrincipalPermission = { action: 'ssm:DescribeAutomationExecutions', resource: '*' };
  return [
    runs,
    ...documents.flatMap((document) => [
      {
        action: 'ssm:StartAutomationExecution',
        resource: arnPattern('ssm', '*', PLACEHOLDERS.account, `automation-definition/${document}:*`),
      },
      {
        action: 'iam:PassRole',
        resource: arnPattern('iam', '', PLACEHOLDERS.account, `role/${runbookRoleName(document)}`),
        condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
    ]),
  ];
}
