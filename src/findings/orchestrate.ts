import type { Invoker } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import type { HubfixConfig } from './config';
import { CredentialsCache } from './credentials';
import { decide, decideEvents } from './decide';
import { type IntakeEvent, parseEvent } from './intake';
import { OcsfFindingsInvoker } from './ocsf';
import { realSleep, type Sleep } from './retry';
import { recordedEarlier } from './redelivery';
import { act, type FindingOutcome } from './start';
import type { Decision, Trigger } from './types';

/**
 * The orchestrator end to end: intake → decide (pure) → act (I/O) → one JSON log line per
 * finding with its decision and reason. The Lambda handler and `hubfix remediate` are thin
 * shells over `handleEvent` and `handleFindings`.
 */

export interface OrchestratorDeps {
  invoker: Invoker;
  catalog: Catalog;
  config: HubfixConfig;
  /** Share one across invocations (a Lambda keeps it warm). */
  credentials?: CredentialsCache;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  /** Receives each log line (default: one JSON line on stdout). */
  log?: (line: Record<string, unknown>) => void;
  concurrency?: number;
  /** The administrator account the orchestrator runs in: custom actions from any other are refused. */
  adminAccount?: string;
  /** Start with the caller's own credentials, in the caller's account (`hubfix remediate --direct`). */
  direct?: boolean;
}

export interface EventResult {
  eventId?: string;
  /** Set when the event itself was rejected: nothing was decided. */
  rejected?: { reason: 'MALFORMED'; detail: string };
  outcomes: FindingOutcome[];
  counts: { start: number; notify: number; skip: number; started: number; startFailed: number };
}

export function jsonLog(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** A credentials cache for these dependencies (the Lambda keeps one per container). */
export function credentialsFor(deps: Pick<OrchestratorDeps, 'invoker' | 'now' | 'sleep' | 'random'>): CredentialsCache {
  return new CredentialsCache({ invoker: deps.invoker, now: deps.now ?? Date.now, sleep: deps.sleep ?? realSleep, random: deps.random });
}

/** The log line of one finding. */
export function logLine(o: FindingOutcome, eventId: string | undefined, trigger: Trigger): Record<string, unknown> {
  const d = o.decision;
  const t = d.target;
  // a skip that rests on what the finding's fields claim is a warning: anyone who may update the
  // finding can write them (docs/operator-guide.md, threat model)
  const problem =
    d.reason === 'MALFORMED' ||
    d.reason === 'ACCOUNT_MISMATCH' ||
    d.reason === 'IN_PROGRESS' ||
    d.reason === 'ATTEMPTS_EXHAUSTED' ||
    (d.distrusted?.length ?? 0) > 0 ||
    o.claimCheck !== undefined ||
    o.outcome === 'start-failed' ||
    /^(failed|unprocessed)/.test(o.findingUpdate ?? '');
  const line: Record<string, unknown> = {
    level: problem ? 'warn' : 'info',
    msg: 'hubfix.decision',
    eventId,
    trigger: trigger.kind === 'custom-action' ? `custom-action:${trigger.actionId}` : trigger.kind,
    findingId: d.findingId,
    decision: d.decision,
    reason: d.reason,
    detail: d.detail,
    control: d.control,
    document: d.document,
    account: d.account,
    region: d.region,
    outcome: o.outcome,
  };
  if (t && d.decision === 'start') Object.assign(line, { dryRun: t.dryRun, attempt: t.attempt, clientToken: t.clientToken });
  if (o.executionId) line.executionId = o.executionId;
  if (o.error) line.error = o.error;
  if (o.findingUpdate) line.findingUpdate = o.findingUpdate;
  if (o.notification) line.notification = o.notification;
  if (d.distrusted?.length) line.distrusted = `ignored, dated in the future: ${d.distrusted.join(', ')}`;
  if (o.claimCheck) line.claimCheck = o.claimCheck;
  if (o.retryable) line.retryable = true;
  return line;
}

function count(outcomes: readonly FindingOutcome[]): EventResult['counts'] {
  const c = { start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 };
  for (const o of outcomes) {
    c[o.decision.decision]++;
    if (o.outcome === 'started') c.started++;
    if (o.outcome === 'start-failed') c.startFailed++;
  }
  return c;
}

function actDeps(deps: OrchestratorDeps) {
  return {
    invoker: deps.invoker,
    catalog: deps.catalog,
    credentials: deps.credentials ?? credentialsFor(deps),
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? realSleep,
    random: deps.random,
    loopGuard: deps.config.loopGuard,
    notificationTopicArn: deps.config.notificationTopicArn || undefined,
    concurrency: deps.concurrency,
    direct: deps.direct,
  };
}

/** Decides and acts on findings already read (an event's, or GetFindings' for `hubfix remediate`). */
export async function handleFindings(
  findings: readonly unknown[],
  trigger: Trigger,
  deps: OrchestratorDeps,
  eventId?: string,
): Promise<EventResult> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? jsonLog;
  const decisions = decide(findings, { catalog: deps.catalog, config: deps.config, now: now(), trigger, ...(eventId ? { eventId } : {}) });
  const outcomes = await act(decisions, actDeps(deps));
  for (const o of outcomes) log(logLine(o, eventId, trigger));
  return { ...(eventId ? { eventId } : {}), outcomes, counts: count(outcomes) };
}

const NOTHING = { start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 };

/** Intake and the administrator-account check of one event: the event to decide on, or why not. */
function accept(
  raw: unknown,
  deps: OrchestratorDeps,
): { ok: true; event: IntakeEvent } | { ok: false; rejected: NonNullable<EventResult['rejected']> } {
  const intake = parseEvent(raw);
  let rejected: EventResult['rejected'];
  if (!intake.ok) rejected = { reason: intake.reason, detail: intake.detail };
  // an analyst's action is trusted only from the administrator account the orchestrator runs in
  else if (intake.event.trigger.kind === 'custom-action' && deps.adminAccount && intake.event.account !== deps.adminAccount)
    rejected = {
      reason: 'MALFORMED',
      detail: `a custom action event must come from the administrator account ${deps.adminAccount}, this one from ${intake.event.account}`,
    };
  if (rejected) {
    (deps.log ?? jsonLog)({
      level: 'warn',
      msg: 'hubfix.event-rejected',
      decision: 'skip',
      reason: rejected.reason,
      detail: rejected.detail,
    });
    return { ok: false, rejected };
  }
  return { ok: true, event: (intake as { event: IntakeEvent }).event };
}

/** One EventBridge event from Security Hub. A rejected event is logged once and decides nothing. */
export async function handleEvent(raw: unknown, deps: OrchestratorDeps): Promise<EventResult> {
  return (await handleEvents([{ id: 'event', body: raw, redelivered: false }], deps))[0].result;
}

/** An event as a queue hands it over: the message's id, its body, and whether it was delivered before. */
export interface QueuedEvent {
  id: string;
  body: unknown;
  /** Delivered before (SQS ApproximateReceiveCount > 1): its first handling failed for a passing reason. */
  redelivered: boolean;
}

export interface QueuedResult {
  id: string;
  result: EventResult;
  /** A finding of the event failed for a reason that may pass: the queue should deliver it again. */
  retry: boolean;
}

/**
 * Several events handled together (a queue's batch, or one event): decided each under its own
 * trigger with the duplicates rule across the batch (decideEvents), then carried out in one `act`,
 * so that start records with the same content share a BatchUpdateFindings and account-level runs
 * are checked once per account. OCSF events are carried out on their own (their write-back goes
 * through the OCSF API). A redelivered event's starts already recorded are not recorded again.
 */
export async function handleEvents(queued: readonly QueuedEvent[], deps: OrchestratorDeps): Promise<QueuedResult[]> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? jsonLog;
  const results: QueuedResult[] = queued.map((q) => ({ id: q.id, result: { outcomes: [], counts: { ...NOTHING } }, retry: false }));
  const asff: Array<{ k: number; event: IntakeEvent }> = [];
  for (const [k, q] of queued.entries()) {
    const a = accept(q.body, deps);
    if (!a.ok) results[k].result = { rejected: a.rejected, outcomes: [], counts: { ...NOTHING } };
    else if (a.event.ocsf) {
      // OCSF findings are written back through the OCSF update API (the same requests, translated)
      const io = { ...deps, invoker: new OcsfFindingsInvoker(deps.invoker, a.event.ocsf) };
      const result = await handleFindings(a.event.findings, a.event.trigger, io, a.event.id);
      results[k] = { id: q.id, result, retry: result.outcomes.some((o) => o.retryable) };
    } else asff.push({ k, event: a.event });
  }
  if (asff.length === 0) return results;

  const perEvent = decideEvents(
    asff.map(({ event }) => ({ findings: event.findings, trigger: event.trigger, eventId: event.id })),
    { catalog: deps.catalog, config: deps.config, now: now() },
  );
  const decisions: Decision[] = [];
  const owner: number[] = [];
  const eventTimeOf = new Map<number, number>();
  perEvent.forEach((ds, j) => {
    const { k, event } = asff[j];
    for (const d of ds) {
      if (queued[k].redelivered) eventTimeOf.set(decisions.length, Date.parse(event.time));
      decisions.push(d);
      owner.push(j);
    }
  });
  let recorded = new Set<number>();
  if (eventTimeOf.size > 0) {
    const check = await recordedEarlier(decisions, { eventTimeOf }, deps.invoker, now());
    if (!check.ok) {
      // without the current copies a record could land over an outcome: these events wait for the next delivery
      log({ level: 'warn', msg: 'hubfix.redelivery-unchecked', detail: check.error });
      const waiting = new Set([...eventTimeOf.keys()].map((i) => owner[i]));
      for (const j of waiting)
        results[asff[j].k] = {
          id: queued[asff[j].k].id,
          result: { eventId: asff[j].event.id, outcomes: [], counts: { ...NOTHING } },
          retry: true,
        };
      const keep = decisions.flatMap((_, i) => (waiting.has(owner[i]) ? [] : [i]));
      return finish(
        keep.map((i) => decisions[i]),
        keep.map((i) => owner[i]),
        new Set(),
      );
    }
    recorded = check.recorded;
  }
  return finish(decisions, owner, recorded);

  async function finish(ds: Decision[], owners: number[], alreadyRecorded: Set<number>): Promise<QueuedResult[]> {
    const outcomes = await act(ds, actDeps(deps), { recorded: alreadyRecorded });
    const byEvent = asff.map(() => [] as FindingOutcome[]);
    outcomes.forEach((o, i) => {
      byEvent[owners[i]].push(o);
      log(logLine(o, asff[owners[i]].event.id, asff[owners[i]].event.trigger));
    });
    for (const [j, { k, event }] of asff.entries()) {
      if (results[k].retry && byEvent[j].length === 0) continue;
      const list = byEvent[j];
      results[k] = {
        id: queued[k].id,
        result: { eventId: event.id, outcomes: list, counts: count(list) },
        retry: list.some((o) => o.retryable),
      };
    }
    return results;
  }
}
