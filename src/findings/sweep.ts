import type { Catalog } from '../compiler/catalog';
import { FINALIZE_STEP } from '../finalizer/contract';
import { type ExecutionRecord, firstFailure, parseExecution, type StepFailure } from '../finalizer/outcome';
import type { FindingState } from '../finalizer/finding-update';
import type { OutcomeToRecord } from '../finalizer/record';
import { clip } from '../finalizer/text';
import type { HubfixConfig } from './config';
import { resolveControl } from './control';
import { extractFor } from './extract';
import { CLOCK_SKEW_MS, FIELD_EXECUTION, FIELD_LAST_ATTEMPT, FIELD_STATUS, readMemory, STATUS_STARTED } from './fields';
import { checkIdentity } from './identity';
import { memberRoleArn } from './naming';
import { findingProblem } from './schema';
import type { AsffFinding, StartTarget } from './types';

/**
 * The sweep, pure: findings hubfix left at STARTED by a run that ended without its finalizer (SSM
 * could not start the first step, the step runner was missing or denied, the runbook role could not
 * be assumed, the run was cancelled or timed out). The orchestrator records STARTED before it
 * starts a run and the run's finalizer writes the outcome at its end; when the end never comes,
 * nothing else would ever write one. The I/O is in sweeper.ts.
 *
 * Everything on the finding is a claim (a member account can write its fields and note): which
 * run is the finding's is taken from the executions SSM holds in the member account (their
 * document and `FindingId` parameter), never from the finding's `hubfix:execution`; a start time
 * after now is ignored (readMemory's distrust), so it can never keep a finding out of the sweep.
 */

/** Security Hub's GetFindings page, at most. */
export const FINDINGS_PAGE_MAX = 100;
/** Stuck findings checked against their runs per sweep by default (each may cost a few calls in its member account). */
export const SWEEP_MAX_FINDINGS = 100;
/** Findings at STARTED listed per sweep (5 pages): the ones checked are chosen among them. */
export const SWEEP_MAX_LISTED = 500;
/** Executions of one document read (GetAutomationExecution) per account, Region and sweep, at most. */
export const SWEEP_MAX_EXECUTION_READS = 50;
/** The earliest note time the listing asks for (Security Hub's DateFilter wants both ends). */
const EPOCH = '2018-01-01T00:00:00.000Z';
const MINUTE_MS = 60_000;
/**
 * How long before its recorded start a finding's run may have started: a retried event records the
 * start again and SSM answers the same ClientToken with the run it started the first time (Lambda
 * retries an event within minutes).
 */
export const START_SLACK_MS = 15 * MINUTE_MS;
/** A failure message in the note at most (the notification carries it whole). */
const NOTE_FAILURE_MAX = 160;

/**
 * How long a start is left alone before the sweep looks at it: the configuration's
 * `inFlightMinutes`, the time the orchestrator itself takes a run to be in progress (default 60 min,
 * longer than any shipped runbook's run); never under 15 minutes, so a start being recorded is never
 * mistaken for a lost one. The sweep also leaves every run SSM reports in flight, whatever its age.
 */
export function graceMs(config: Pick<HubfixConfig, 'inFlightMinutes'>, minutes?: number): number {
  return Math.max(15, minutes ?? config.inFlightMinutes) * MINUTE_MS;
}

/**
 * One GetFindings page of the findings hubfix left at STARTED whose note (Security Hub sets
 * Note.UpdatedAt itself: the STARTED record writes the note) is older than the grace period.
 */
export function stuckFindingsRequest(now: number, grace: number, maxResults: number, nextToken?: string): Record<string, unknown> {
  return {
    Filters: {
      UserDefinedFields: [{ Key: FIELD_STATUS, Value: STATUS_STARTED, Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      NoteUpdatedAt: [{ Start: EPOCH, End: new Date(now - grace).toISOString() }],
    },
    MaxResults: Math.max(1, Math.min(FINDINGS_PAGE_MAX, maxResults)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/**
 * A finding at STARTED, old enough, whose run the sweep looks for: where it and its run live, as the
 * start path knew them (`findingRegion` where the finding is read and written, `region` where the
 * run ran).
 */
export interface StuckFinding
  extends Pick<
    StartTarget,
    | 'findingId'
    | 'productArn'
    | 'partition'
    | 'findingRegion'
    | 'account'
    | 'region'
    | 'control'
    | 'document'
    | 'memberRoleArn'
    | 'resourceType'
    | 'resourceId'
  > {
  /** The resource parameters (for the message). */
  parameters: Record<string, string>;
  aliases: string[];
  /** Executions started at or after this time (ms) may be the finding's run. */
  since: number;
  /** The start as the fields and note tell (ms), for people; absent when neither can be trusted. */
  startedAt?: number;
  /** `hubfix:lastAttempt` as written: the re-read before the write must still show it. */
  lastAttemptText?: string;
  /** Fields ignored because their times lie after now (someone else wrote them). */
  distrusted: string[];
}

export type Examined =
  | { kind: 'stuck'; finding: StuckFinding }
  /** Not (or no longer) STARTED, or started within the grace period. */
  | { kind: 'not-stuck'; findingId: string; detail: string }
  /** hubfix cannot tell which run it would be (the finding does not check out): left, with a warning. */
  | { kind: 'unlocatable'; findingId: string; detail: string };

export interface ExamineContext {
  catalog: Catalog;
  config: Pick<HubfixConfig, 'memberRoleName' | 'loopGuard'>;
  now: number;
  grace: number;
}

function idOf(raw: unknown): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { Id?: unknown }).Id : undefined;
  return typeof id === 'string' ? id.slice(0, 512) : '';
}

function time(text: string | undefined): number | undefined {
  if (!text || text.length > 40) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * What the sweep makes of one listed finding. Its start time is the latest of what the fields and
 * the note say that is not in the future; a finding whose only start time lies in the future (or
 * that has none) is examined (its start cannot be placed, so it is not taken to be recent).
 */
export function examineFinding(raw: unknown, ctx: ExamineContext): Examined {
  const findingId = idOf(raw);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { kind: 'unlocatable', findingId, detail: 'the finding is not a JSON object' };
  const problem = findingProblem(raw);
  if (problem) return { kind: 'unlocatable', findingId, detail: `the finding does not match the ASFF schema: ${problem}` };
  const f = raw as AsffFinding;
  const memory = readMemory(f.UserDefinedFields, ctx.now);
  if (memory.status !== STATUS_STARTED)
    return { kind: 'not-stuck', findingId, detail: `hubfix:status is ${memory.status ?? 'absent'}, not ${STATUS_STARTED}` };
  const latest = ctx.now + CLOCK_SKEW_MS;
  const noteAt = time(f.Note?.UpdatedAt);
  const trustedNote = noteAt !== undefined && noteAt <= latest ? noteAt : undefined;
  const distrusted = [...memory.distrusted];
  if (noteAt !== undefined && trustedNote === undefined) distrusted.push('Note.UpdatedAt');
  const known = [memory.lastAttempt, memory.updatedAt, trustedNote].filter((t): t is number => t !== undefined);
  const startedAt = known.length > 0 ? Math.max(...known) : undefined;
  if (startedAt !== undefined && ctx.now - startedAt < ctx.grace)
    return {
      kind: 'not-stuck',
      findingId,
      detail: `started ${Math.round((ctx.now - startedAt) / MINUTE_MS)} min ago, within the grace period of ${Math.round(ctx.grace / MINUTE_MS)} min`,
    };

  const identity = checkIdentity(f);
  if (!identity.ok) return { kind: 'unlocatable', findingId, detail: identity.detail };
  const resolved = resolveControl(f, ctx.catalog);
  if (!resolved.ok) return { kind: 'unlocatable', findingId, detail: resolved.detail };
  const control = resolved.control;
  const extracted = extractFor(f, control, identity.value);
  if (!extracted.ok) return { kind: 'unlocatable', findingId, detail: extracted.detail };
  const who = identity.value;
  // a start that cannot be placed: any run of the loop guard's window may be its own
  const since = (startedAt ?? ctx.now - ctx.config.loopGuard.windowHours * 3_600_000) - START_SLACK_MS;
  const aliases = Object.entries(control.aliases ?? {}).flatMap(([std, ids]) => (ids ?? []).map((id) => `${std}:${id}`));
  return {
    kind: 'stuck',
    finding: {
      findingId: f.Id,
      productArn: f.ProductArn,
      partition: who.partition,
      findingRegion: who.findingRegion,
      account: who.account,
      region: extracted.value.region,
      control: control.control,
      document: control.document,
      memberRoleArn: memberRoleArn(who.account, ctx.config.memberRoleName, who.partition),
      resourceType: extracted.value.resource.Type,
      resourceId: extracted.value.resource.Id,
      parameters: { ...extracted.value.parameters },
      aliases: [...new Set(aliases)].sort(),
      since: Math.max(0, since),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(f.UserDefinedFields?.[FIELD_LAST_ATTEMPT] !== undefined ? { lastAttemptText: f.UserDefinedFields[FIELD_LAST_ATTEMPT] } : {}),
      distrusted,
    },
  };
}

/** The DescribeAutomationExecutions request for the runs of a document started since a time. */
export function runsSinceRequest(document: string, since: number, nextToken?: string): Record<string, unknown> {
  return {
    Filters: [
      { Key: 'DocumentNamePrefix', Values: [document] },
      { Key: 'StartTimeAfter', Values: [new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')] },
    ],
    MaxResults: 50,
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** Statuses after which an automation runs no more steps nor counts against SSM's limit (SSM API reference, AutomationExecutionStatus). */
const ENDED = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Rejected',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'ChangeCalendarOverrideRejected',
  'Exited',
]);

/** True when an automation in this status has ended; any other status (or one SSM adds later) is taken as in flight. */
export function hasEnded(status: string): boolean {
  return ENDED.has(status);
}

/** A run as SSM holds it: the facts the sweep needs from GetAutomationExecution. */
export interface RunRecord {
  id: string;
  document: string;
  status: string;
  /** The `FindingId` parameter the run was started with. */
  findingId?: string;
  startedAt?: number;
  failure?: StepFailure;
  /** Its finalizer step ran to the end: the run recorded its outcome (on its own finding, or said why not). */
  finalized: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function startTime(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return time(v);
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  return undefined;
}

/** The run in a GetAutomationExecution response. Pure; tolerant of missing parts. */
export function runOf(response: unknown): RunRecord {
  const x = isRecord(response) && isRecord(response.AutomationExecution) ? response.AutomationExecution : {};
  const record: ExecutionRecord = parseExecution(response);
  const params = isRecord(x.Parameters) ? x.Parameters : {};
  const finding = Array.isArray(params.FindingId) && typeof params.FindingId[0] === 'string' ? params.FindingId[0] : undefined;
  const startedAt = startTime(x.ExecutionStartTime);
  let failure = firstFailure(record);
  if (!failure && typeof x.FailureMessage === 'string' && x.FailureMessage.trim())
    failure = {
      step: typeof x.CurrentStepName === 'string' && x.CurrentStepName ? x.CurrentStepName : 'none',
      message: clip(x.FailureMessage, 300),
    };
  return {
    id: record.id,
    document: typeof x.DocumentName === 'string' ? x.DocumentName : '',
    status: record.status,
    ...(finding !== undefined ? { findingId: finding } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(failure ? { failure } : {}),
    finalized: record.steps.some((st) => st.name === FINALIZE_STEP && st.status === 'Success'),
  };
}

export type Verdict =
  /** A run of the finding is still going: its finalizer will write. */
  | { kind: 'in-flight'; run: RunRecord }
  /** Its latest run ended before its finalizer recorded an outcome: the sweep writes it. */
  | { kind: 'ended'; run: RunRecord }
  /** SSM has no run of the finding since its start was recorded that could still record an outcome. */
  | { kind: 'no-run'; finalized: string[] }
  /** The executions could not all be read: nothing is written on a guess. */
  | { kind: 'undetermined'; detail: string };

/**
 * What the executions say about a stuck finding. `runs` are the runs read in its account and
 * Region; only those of its document, started with its Id, at or after `since`, are its own.
 * `complete` is false when not every candidate could be read: then no run found is no proof.
 */
export function verdictFor(f: StuckFinding, runs: readonly RunRecord[], complete: boolean): Verdict {
  const own = runs
    .filter((r) => r.document === f.document && r.findingId === f.findingId && (r.startedAt === undefined || r.startedAt >= f.since))
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  const going = own.find((r) => !hasEnded(r.status));
  if (going) return { kind: 'in-flight', run: going };
  // a run whose finalizer ran recorded its outcome then (an earlier run, a dry run before a fix)
  const lost = own.find((r) => !r.finalized);
  if (lost) return { kind: 'ended', run: lost };
  if (!complete) return { kind: 'undetermined', detail: `not every run of ${f.document} in ${f.account} ${f.region} could be read` };
  return { kind: 'no-run', finalized: own.map((r) => r.id) };
}

/**
 * The re-read before the write (never a blind write): the finding must still say STARTED with the
 * same start, or someone (the finalizer, a new start) wrote after the listing. Returns why not.
 */
export function changedSince(f: StuckFinding, state: FindingState): string | undefined {
  const status = state.fields[FIELD_STATUS];
  if (status !== STATUS_STARTED) return `the finding now says hubfix:status ${status ?? 'absent'}`;
  if (state.fields[FIELD_LAST_ATTEMPT] !== f.lastAttemptText) return 'the finding records a newer start';
  return undefined;
}

/** The fields the sweep writes on top of what it read: the execution, or none known. */
export function sweptState(state: FindingState): FindingState {
  const fields = { ...state.fields };
  delete fields[FIELD_EXECUTION];
  return { ...state, fields };
}

function startedText(f: StuckFinding): string {
  return f.startedAt !== undefined ? `the start recorded at ${new Date(f.startedAt).toISOString()}` : 'the start it records';
}

/** The outcome the sweep records for a run that ended without its finalizer (or no run at all). Pure. */
export function sweptOutcome(
  f: StuckFinding,
  v: Extract<Verdict, { kind: 'ended' | 'no-run' }>,
): OutcomeToRecord & { executionId?: string } {
  const reason = 'swept by hubfix: the run ended without its finalizer recording an outcome';
  if (v.kind === 'no-run') {
    const earlier = v.finalized.length > 0 ? ` (only runs that recorded their outcome: ${v.finalized.slice(0, 3).join(', ')})` : '';
    const message = `no execution of ${f.document} for this finding in ${f.account} ${f.region} since ${startedText(f)}${earlier}`;
    const short = `no execution of ${f.document} for this finding since ${f.startedAt !== undefined ? new Date(f.startedAt).toISOString().slice(0, 16) : 'its start'}`;
    return {
      status: 'FAILED',
      verified: false,
      summary: `${f.control} not remediated: ${message}`,
      noteText: `swept: ${short}: the start failed or was never made; nothing changed by hubfix`,
      changed: 'nothing (no run)',
      before: null,
      after: null,
      failure: { step: 'none', message: `no execution found: ${message}` },
      reason,
    };
  }
  const run = v.run;
  const failure = run.failure ?? { step: 'none', message: `the run ended ${run.status || 'with no status'} and left no failure message` };
  const what = `execution ${run.id} ended ${run.status || 'with no status'} before its finalizer recorded an outcome`;
  return {
    executionId: run.id,
    status: 'FAILED',
    verified: false,
    summary: `${f.control} not verified: ${what}: step ${failure.step}: ${failure.message}`,
    // short, so the trail keeps the STARTED entry before it: the whole message is in the notification
    noteText: `swept: the run ended ${run.status || 'with no status'} before its finalizer recorded an outcome; ${failure.step === 'none' ? '' : `step ${failure.step}: `}${clip(failure.message, NOTE_FAILURE_MAX)}`,
    changed: 'unknown (the run ended before it could record what it changed)',
    before: null,
    after: null,
    failure,
    reason,
  };
}
