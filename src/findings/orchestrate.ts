import type { Invoker } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import type { HubfixConfig } from './config';
import { CredentialsCache } from './credentials';
import { decide } from './decide';
import { parseEvent } from './intake';
import { OcsfFindingsInvoker } from './ocsf';
import { realSleep, type Sleep } from './retry';
import { act, type FindingOutcome } from './start';
import type { Trigger } from './types';

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

/** Decides and acts on findings already read (an event's, or GetFindings' for `hubfix remediate`). */
export async function handleFindings(
  findings: readonly unknown[],
  trigger: Trigger,
  deps: OrchestratorDeps,
  eventId?: string,
): Promise<EventResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const log = deps.log ?? jsonLog;
  const decisions = decide(findings, { catalog: deps.catalog, config: deps.config, now: now(), trigger, ...(eventId ? { eventId } : {}) });
  const outcomes = await act(decisions, {
    invoker: deps.invoker,
    catalog: deps.catalog,
    credentials: deps.credentials ?? credentialsFor(deps),
    now,
    sleep,
    random: deps.random,
    loopGuard: deps.config.loopGuard,
    notificationTopicArn: deps.config.notificationTopicArn || undefined,
    concurrency: deps.concurrency,
    direct: deps.direct,
  });
  for (const o of outcomes) log(logLine(o, eventId, trigger));
  return { ...(eventId ? { eventId } : {}), outcomes, counts: count(outcomes) };
}

/** One EventBridge event from Security Hub. A rejected event is logged once and decides nothing. */
export async function handleEvent(raw: unknown, deps: OrchestratorDeps): Promise<EventResult> {
  const intake = parseEvent(raw);
  if (!intake.ok) {
    (deps.log ?? jsonLog)({ level: 'warn', msg: 'hubfix.event-rejected', decision: 'skip', reason: intake.reason, detail: intake.detail });
    return {
      rejected: { reason: intake.reason, detail: intake.detail },
      outcomes: [],
      counts: { start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 },
    };
  }
  // an analyst's action is trusted only from the administrator account the orchestrator runs in
  if (intake.event.trigger.kind === 'custom-action' && deps.adminAccount && intake.event.account !== deps.adminAccount) {
    const detail = `a custom action event must come from the administrator account ${deps.adminAccount}, this one from ${intake.event.account}`;
    (deps.log ?? jsonLog)({ level: 'warn', msg: 'hubfix.event-rejected', decision: 'skip', reason: 'MALFORMED', detail });
    return {
      rejected: { reason: 'MALFORMED', detail },
      outcomes: [],
      counts: { start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 },
    };
  }
  // OCSF findings are written back through the OCSF update API (the same requests, translated)
  const io = intake.event.ocsf ? { ...deps, invoker: new OcsfFindingsInvoker(deps.invoker, intake.event.ocsf) } : deps;
  return handleFindings(intake.event.findings, intake.event.trigger, io, intake.event.id);
}
