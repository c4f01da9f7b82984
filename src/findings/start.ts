import type { Catalog } from '../compiler/catalog';
import { type AwsCredentials, errorCode, errorMessage, hasErrorCode, type Invoker } from '../aws/invoker';
import { notifyOnly } from '../finalizer/notify-only';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import type { AwsCallFn } from '../finalizer/record';
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
  STATUS_START_FAILED,
  STATUS_STARTED,
  withOurFields,
} from './fields';
import { runbookRoleName } from './naming';
import { groupedStartedNote, startedNote, startFailedNote } from './notes';
import { isThrottling, isTransient, type Sleep, withRetry } from './retry';
import type { Decision, ParameterValue, StartTarget } from './types';

/**
 * The start path, the orchestrator's I/O: for each finding decided `start`, assume the member
 * role (cached per account and Region) and StartAutomationExecution in the resource's Region
 * with the typed parameters and a deterministic ClientToken; then record every start (and every
 * failure to start) on the findings with BatchUpdateFindings, at most 100 findings a call,
 * UnprocessedFindings retried. Findings decided `notify` get their note, workflow and the
 * notification through the finalizer's recorder (the notify-only path). One finding's failure
 * never stops the others; throttling is retried with backoff and jitter.
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
  /**
   * Up to this many starts in one event, each finding gets its own update whose note names its
   * execution; past it, findings share grouped updates (≤ 100 a call) to stay well inside
   * BatchUpdateFindings' rate (10 requests/s) — the execution id then comes from the finalizer.
   */
  individualUpdateLimit?: number;
}

export type Outcome = 'started' | 'start-failed' | 'notified' | 'skipped';

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
}

export const BATCH_UPDATE_MAX = 100;
export const DEFAULT_INDIVIDUAL_UPDATE_LIMIT = 10;
const UNPROCESSED_ROUNDS = 3;
const HOUR_MS = 3_600_000;
const FINAL_UNPROCESSED = new Set(['FindingNotFound', 'InvalidInput', 'FindingSizeExceeded', 'AccessDenied', 'AccessDeniedException']);

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

async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function describe(err: unknown): string {
  return clip(`${errorCode(err)}: ${errorMessage(err)}`, 300);
}

interface StartResult {
  executionId?: string;
  error?: string;
}

async function startOne(t: StartTarget, deps: ActDeps): Promise<StartResult> {
  let credentials: AwsCredentials;
  try {
    credentials = await deps.credentials.get(t.memberRoleArn, t.region);
  } catch (err) {
    return { error: `AssumeRole ${t.memberRoleArn}: ${describe(err)}` };
  }
  try {
    const out = await withRetry(
      () =>
        deps.invoker.call({
          service: 'ssm',
          operation: 'StartAutomationExecution',
          input: startRequest(t),
          region: t.region,
          account: t.account,
          credentials,
        }),
      { sleep: deps.sleep, random: deps.random, retryable: isTransient },
    );
    const id = (out as { AutomationExecutionId?: unknown }).AutomationExecutionId;
    if (typeof id !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(id)) return { error: 'StartAutomationExecution returned no execution id' };
    return { executionId: id };
  } catch (err) {
    return { error: `StartAutomationExecution: ${describe(err)}` };
  }
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

function updateFor(
  index: number,
  t: StartTarget,
  r: StartResult,
  deps: ActDeps,
  now: number,
  individual: boolean,
  starts: number,
): FindingUpdate {
  const date = new Date(now);
  const memory = readMemory(t.fields);
  const windowMs = deps.loopGuard.windowHours * HOUR_MS;
  const ours: Record<string, string> = { ...attemptFields(memory, now, windowMs, deps.loopGuard.attempts + 1) };
  let note: string;
  if (r.executionId) {
    ours[FIELD_STATUS] = STATUS_STARTED;
    ours[FIELD_EXECUTION] = individual ? r.executionId : EXECUTION_PENDING;
    note = individual ? startedNote(t, r.executionId, date) : groupedStartedNote(t, starts, date);
  } else {
    ours[FIELD_STATUS] = STATUS_START_FAILED;
    note = startFailedNote(t, r.error ?? 'unknown error', date);
  }
  return {
    index,
    region: t.findingRegion,
    identifier: { Id: t.findingId, ProductArn: t.productArn },
    note,
    ...(r.executionId ? { workflow: 'NOTIFIED' as const } : {}),
    fields: sortedFields(withOurFields(t.fields, ours)),
  };
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

/** One BatchUpdateFindings for a chunk, unprocessed findings retried; result per finding index. */
async function writeChunk(chunk: FindingUpdate[], deps: ActDeps, results: Map<number, string>): Promise<void> {
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
      out = await withRetry(
        () => deps.invoker.call({ service: 'securityhub', operation: 'BatchUpdateFindings', input, region: first.region }),
        {
          sleep: deps.sleep,
          random: deps.random,
          retryable: isTransient,
        },
      );
    } catch (err) {
      for (const u of pending) results.set(u.index, `failed: ${describe(err)}`);
      return;
    }
    const unprocessed = Array.isArray(out.UnprocessedFindings) ? (out.UnprocessedFindings as Unprocessed[]) : [];
    const failedIds = new Map<string, Unprocessed>();
    for (const u of unprocessed) if (u.FindingIdentifier?.Id) failedIds.set(u.FindingIdentifier.Id, u);
    const retry: FindingUpdate[] = [];
    for (const u of pending) {
      const problem = failedIds.get(u.identifier.Id);
      if (!problem) {
        results.set(u.index, 'updated');
        continue;
      }
      const code = problem.ErrorCode ?? 'Unknown';
      const text = clip(`unprocessed: ${code}${problem.ErrorMessage ? ` (${problem.ErrorMessage})` : ''}`, 300);
      results.set(u.index, text);
      if (!FINAL_UNPROCESSED.has(code) && round + 1 < UNPROCESSED_ROUNDS) retry.push(u);
    }
    pending = retry;
    if (pending.length > 0) await deps.sleep(Math.floor((deps.random ?? Math.random)() * 200 * 2 ** round));
  }
}

function awsCallFn(deps: ActDeps, defaultRegion: string): AwsCallFn {
  return (service, operation, input, region) =>
    withRetry(() => deps.invoker.call({ service, operation, input, region: region ?? defaultRegion }), {
      sleep: deps.sleep,
      random: deps.random,
      retryable: (err) => isThrottling(err) || hasErrorCode(err, 'InternalException'),
    });
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
        now: () => now,
        call: awsCallFn(deps, t.findingRegion),
        ...(deps.notificationTopicArn ? { topicArn: deps.notificationTopicArn } : {}),
      },
    );
    return { decision: d, outcome: 'notified', findingUpdate: r.findingUpdate, notification: r.notification };
  } catch (err) {
    return { decision: d, outcome: 'notified', findingUpdate: `failed: ${describe(err)}`, notification: 'skipped: the record failed' };
  }
}

/** Carries out the decisions of one batch. Never throws for one finding's failure. */
export async function act(decisions: readonly Decision[], deps: ActDeps): Promise<FindingOutcome[]> {
  const outcomes: FindingOutcome[] = decisions.map((d) => ({ decision: d, outcome: 'skipped' }));
  const startIdx = decisions.flatMap((d, i) => (d.decision === 'start' && d.target ? [i] : []));
  const results = await pool(startIdx, deps.concurrency ?? 8, (i) => startOne(decisions[i].target as StartTarget, deps));

  const individual = startIdx.length <= (deps.individualUpdateLimit ?? DEFAULT_INDIVIDUAL_UPDATE_LIMIT);
  const started = results.filter((r) => r.executionId).length;
  // one write time for the batch, so identical updates stay identical and share calls
  const writtenAt = deps.now();
  const updates = startIdx.map((i, k) => {
    const r = results[k];
    outcomes[i] = { decision: decisions[i], outcome: r.executionId ? 'started' : 'start-failed', ...r };
    return updateFor(i, decisions[i].target as StartTarget, r, deps, writtenAt, individual, started);
  });
  const written = new Map<number, string>();
  await pool(group(updates), 4, (chunk) => writeChunk(chunk, deps, written));
  for (const [i, text] of written) outcomes[i].findingUpdate = text;

  const notifyIdx = decisions.flatMap((d, i) => (d.decision === 'notify' && d.target ? [i] : []));
  const notified = await pool(notifyIdx, 4, (i) => notifyOne(decisions[i], decisions[i].target as StartTarget, deps));
  notifyIdx.forEach((i, k) => {
    outcomes[i] = notified[k];
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
  return documents.flatMap((document) => [
    {
      action: 'ssm:StartAutomationExecution',
      resource: arnPattern('ssm', '*', PLACEHOLDERS.account, `automation-definition/${document}:*`),
    },
    {
      action: 'iam:PassRole',
      resource: arnPattern('iam', '', PLACEHOLDERS.account, `role/${runbookRoleName(document)}`),
      condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    },
  ]);
}
