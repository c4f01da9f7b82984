import type { FinalizeFacts, OutcomeStatus } from './contract';
import { FINALIZE_STEP } from './contract';
import { clip } from './text';

/**
 * What happened in a run, worked out from its own execution record (the SSM
 * GetAutomationExecution shape). Pure: the handler fetches the record, this reads it.
 */

export interface StepRecord {
  name: string;
  status: string;
  /** Output name → values. SSM returns every output value as a list of strings. */
  outputs: Record<string, unknown>;
  failureMessage?: string;
}

export interface ExecutionRecord {
  id: string;
  status: string;
  steps: StepRecord[];
  /** Document outputs (`Step.Output` → values). */
  outputs: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The execution record inside a GetAutomationExecution response; tolerant of missing parts. */
export function parseExecution(response: unknown): ExecutionRecord {
  const exec = isRecord(response) && isRecord(response.AutomationExecution) ? response.AutomationExecution : {};
  const steps = Array.isArray(exec.StepExecutions) ? exec.StepExecutions : [];
  return {
    id: typeof exec.AutomationExecutionId === 'string' ? exec.AutomationExecutionId : '',
    status: typeof exec.AutomationExecutionStatus === 'string' ? exec.AutomationExecutionStatus : '',
    steps: steps.filter(isRecord).map((s) => ({
      name: typeof s.StepName === 'string' ? s.StepName : '',
      status: typeof s.StepStatus === 'string' ? s.StepStatus : '',
      outputs: isRecord(s.Outputs) ? s.Outputs : {},
      ...(typeof s.FailureMessage === 'string' ? { failureMessage: s.FailureMessage } : {}),
    })),
    outputs: isRecord(exec.Outputs) ? exec.Outputs : {},
  };
}

/** The single value SSM holds for an output (`["x"]` → `"x"`). */
function single(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The value of a `Step.Output` fact, or undefined when that step did not run or produced no such
 * output. Looks in the step's own outputs, then in the document outputs.
 */
export function factValue(record: ExecutionRecord, fact: string | undefined): unknown {
  if (!fact) return undefined;
  const dot = fact.indexOf('.');
  if (dot > 0) {
    const stepName = fact.slice(0, dot);
    const outName = fact.slice(dot + 1);
    // the last execution of the step wins (a step can run again after a loop or retry)
    const step = [...record.steps].reverse().find((s) => s.name === stepName);
    if (step) {
      if (outName in step.outputs) return single(step.outputs[outName]);
      if (fact in step.outputs) return single(step.outputs[fact]);
    }
  }
  return fact in record.outputs ? single(record.outputs[fact]) : undefined;
}

export function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Booleans arrive as `true`, `"true"` or `"True"` depending on who serialised them. */
export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return undefined;
}

/** A state (StringMap output): a parsed object, or a JSON-encoded one, or plain text as is. */
export function asState(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return JSON.parse(t);
      } catch {
        return v;
      }
    }
  }
  return v;
}

export interface StepFailure {
  step: string;
  message: string;
}

export interface Outcome {
  status: OutcomeStatus;
  verified: boolean;
  /** One line for people: what happened. */
  summary: string;
  /** What changed (or, in a dry run, what would change). */
  changed: string;
  before: unknown;
  after: unknown;
  failure?: StepFailure;
  /** Why the fix is not verified (NOT_VERIFIED). */
  reason?: string;
}

const FAILED_STEP_STATUSES = new Set(['Failed', 'TimedOut', 'Cancelled', 'Cancelling']);
const MAX_FAILURE = 300;
const MAX_LINE = 400;

/** The first step that failed, timed out or was cancelled (the finalizer's own step excluded). */
export function firstFailure(record: ExecutionRecord): StepFailure | undefined {
  const s = record.steps.find((st) => st.name !== FINALIZE_STEP && FAILED_STEP_STATUSES.has(st.status));
  if (!s) return undefined;
  const message = clip(s.failureMessage, MAX_FAILURE) || `step ended ${s.status} without a message`;
  return { step: s.name, message: s.status === 'Failed' ? message : `${s.status}: ${message}` };
}

export interface OutcomeInput {
  dryRun: boolean;
  facts: FinalizeFacts;
}

/** The outcome of a run from its execution record. Pure. */
export function outcomeOf(record: ExecutionRecord, input: OutcomeInput): Outcome {
  const f = input.facts;
  const decision = asText(factValue(record, f.decision));
  const planSummary = clip(asText(factValue(record, f.summary)), MAX_LINE);
  const changedFact = clip(asText(factValue(record, f.changed)), MAX_LINE);
  const verifiedFact = asBoolean(factValue(record, f.verified));
  const before = asState(factValue(record, f.before));
  const after = asState(factValue(record, f.after));
  const base = { before, after };

  const failure = firstFailure(record);
  if (failure) {
    return {
      ...base,
      status: 'FAILED',
      verified: false,
      summary: `step ${failure.step} failed: ${failure.message}`,
      changed: changedFact || 'no change recorded',
      failure,
    };
  }
  if (input.dryRun) {
    const plan = planSummary || 'the plan gave no summary';
    return { ...base, status: 'DRY_RUN', verified: false, summary: `dry run, nothing changed; would: ${plan}`, changed: `would: ${plan}` };
  }
  if (decision === 'skip') {
    const reason = planSummary || 'the plan decided to skip without a reason';
    return { ...base, status: 'NOT_VERIFIED', verified: false, summary: `skipped: ${reason}`, changed: 'nothing', reason };
  }
  // no step failed: the change steps ran, so a runbook whose change is a native step (no `changed`
  // output) reports the change its plan intended
  const intended = changedFact || (decision === 'remediate' && planSummary ? `as planned: ${planSummary}` : 'no change recorded');
  if (verifiedFact === true) {
    const compliant = decision === 'compliant';
    const changed = compliant ? 'nothing (already compliant)' : intended;
    const summary = compliant ? `already compliant, verified: ${planSummary || 'no change needed'}` : `fixed and verified: ${changed}`;
    return { ...base, status: 'SUCCEEDED', verified: true, summary, changed };
  }
  if (verifiedFact === false) {
    const reason =
      clip(asText(factValue(record, f.reason)), MAX_LINE) || 'verify found the resource still not compliant (see the after-state)';
    return {
      ...base,
      status: 'NOT_VERIFIED',
      verified: false,
      summary: `not verified: ${reason}`,
      changed: intended,
      reason,
    };
  }
  const reason = `verify did not run (execution ${record.status || 'status unknown'})`;
  return {
    ...base,
    status: 'NOT_VERIFIED',
    verified: false,
    summary: `not verified: ${reason}`,
    changed: changedFact || 'no change recorded',
    reason,
  };
}

/** The outcome when the execution record itself cannot be read: never claims a fix. */
export function unreadableOutcome(executionId: string, message: string): Outcome {
  const why = clip(message, MAX_FAILURE);
  return {
    status: 'FAILED',
    verified: false,
    summary: `could not read execution ${executionId}: ${why}`,
    changed: 'unknown',
    before: null,
    after: null,
    failure: { step: FINALIZE_STEP, message: `GetAutomationExecution failed: ${why}` },
  };
}

/** The text of the note entry for an outcome: what changed (or would, or why not). */
export function noteTextOf(o: Outcome): string {
  switch (o.status) {
    case 'SUCCEEDED':
      return o.changed.startsWith('nothing') ? 'verified; already compliant, nothing changed' : `verified; changed: ${o.changed}`;
    case 'DRY_RUN':
      return `dry run, nothing changed; would: ${o.changed.replace(/^would: /, '')}`;
    case 'FAILED':
    case 'NOT_VERIFIED':
      return `${o.summary}; changed: ${o.changed}`;
    default:
      return o.summary;
  }
}
