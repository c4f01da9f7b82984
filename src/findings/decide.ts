import type { Catalog, CatalogControl } from '../compiler/catalog';
import { effectiveMode, type HubfixConfig, inEffect } from './config';
import { resolveControl } from './control';
import { controlParameters } from './control-parameters';
import { extractFor } from './extract';
import { attemptsInWindow, CLOCK_SKEW_MS, type HubfixMemory, lastWrite, readMemory, STATUS_NOTIFY_ONLY, STATUS_STARTED } from './fields';
import { checkIdentity, type Identity, quote } from './identity';
import { commonParameters } from '../model/runbook';
import { clientToken, memberRoleArn, runbookRoleArn } from './naming';
import { findingProblem } from './schema';
import type { AsffFinding, AsffResource, Decision, ParameterValue, ReasonCode, StartReason, StartTarget, Trigger } from './types';

/** The finalizer's status for a run that only previewed (contract.ts). */
const STATUS_DRY_RUN = 'DRY_RUN';

/**
 * The decision, a pure function: for each finding `start`, `notify` or `skip`, with a reason code
 * and one line saying why. Nothing here calls AWS; the same inputs always give the same output.
 *
 * Order of the checks: the finding's shape (MALFORMED), its product, identity and accounts; its
 * record, workflow and compliance state; for automatic runs the echo of hubfix's own update and
 * NOT_NEW; the control and its runbook; the resource parameters; exclusions; the mode or the
 * custom action; runs in flight and the loop guard; finally duplicates within the batch.
 */

export interface DecideContext {
  catalog: Catalog;
  config: HubfixConfig;
  /** Epoch milliseconds. */
  now: number;
  trigger: Trigger;
  /** The triggering event's id: a custom action's start is idempotent per event. */
  eventId?: string;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function skip(findingId: string, reason: ReasonCode, detail: string, extra: Partial<Decision> = {}): Decision {
  return { findingId, decision: 'skip', reason, detail, ...extra };
}

function idOf(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const id = (raw as { Id?: unknown }).Id;
  return typeof id === 'string' ? id.slice(0, 512) : '';
}

/** Note.UpdatedBy of hubfix's writers: the orchestrator, or a runbook's finalizer. */
function writtenByHubfix(updatedBy: string | undefined): boolean {
  return updatedBy === 'hubfix' || (updatedBy !== undefined && /^Hubfix-[A-Za-z0-9_.-]+$/.test(updatedBy));
}

/**
 * The echo of hubfix's own BatchUpdateFindings. BatchUpdateFindings leaves UpdatedAt unchanged,
 * so an event whose UpdatedAt is not after hubfix's last write (the time in its fields, or the
 * time of its note) carries no news from the provider. A genuinely re-failed finding was
 * re-evaluated (UpdatedAt after our write) and Security Hub reset its workflow to NEW: it is
 * never an echo.
 */
export function echoOf(f: AsffFinding, memory: HubfixMemory, workflow: string, now = Number.POSITIVE_INFINITY): string | undefined {
  if (!memory.status) return undefined;
  // memory is read against the clock: a write time after now (someone else's) is not in it
  const written = lastWrite(memory);
  const updatedAt = Date.parse(f.UpdatedAt);
  if (written !== undefined && updatedAt <= written)
    return `the event echoes hubfix's own update: UpdatedAt ${f.UpdatedAt} is not after hubfix's write at ${new Date(written).toISOString()}`;
  // a writer that leaves no time in the fields (an older finalizer): the note's own time tells
  const noteAt = f.Note?.UpdatedAt ? Date.parse(f.Note.UpdatedAt) : Number.NaN;
  if (writtenByHubfix(f.Note?.UpdatedBy) && noteAt >= updatedAt && noteAt <= now + CLOCK_SKEW_MS)
    return `the event echoes hubfix's own update: Workflow ${workflow}, note by ${f.Note?.UpdatedBy} at ${f.Note?.UpdatedAt}, not before UpdatedAt ${f.UpdatedAt}`;
  return undefined;
}

function excluded(
  ctx: DecideContext,
  identity: Identity,
  region: string,
  resource: AsffResource,
): { reason: ReasonCode; detail: string } | undefined {
  const { exclusions, allowedRegions } = ctx.config;
  const why = (r?: string) => (r ? ` (${r})` : '');
  for (const e of exclusions.accounts)
    if (e.account === identity.account && inEffect(e, ctx.now))
      return { reason: 'EXCLUDED_ACCOUNT', detail: `account ${e.account} is excluded${why(e.reason)}` };
  for (const e of exclusions.regions)
    if (e.region === region && inEffect(e, ctx.now))
      return { reason: 'EXCLUDED_REGION', detail: `Region ${region} is excluded${why(e.reason)}` };
  if (allowedRegions.length > 0 && !allowedRegions.includes(region))
    return { reason: 'EXCLUDED_REGION', detail: `Region ${region} is not in allowedRegions (${allowedRegions.join(', ')})` };
  const tags = resource.Tags ?? {};
  for (const e of exclusions.tags) {
    if (!Object.hasOwn(tags, e.key) || !inEffect(e, ctx.now)) continue;
    if (e.value !== undefined && tags[e.key] !== e.value) continue;
    return { reason: 'EXCLUDED_TAG', detail: `the resource's tag ${quote(`${e.key}=${tags[e.key]}`)} excludes it${why(e.reason)}` };
  }
  return undefined;
}

type Plan =
  | { kind: 'start'; reason: StartReason; dryRun: boolean }
  | { kind: 'notify'; reason: ReasonCode; detail: string }
  | { kind: 'skip'; reason: ReasonCode; detail: string };

function plan(ctx: DecideContext, control: CatalogControl): Plan {
  const mode = effectiveMode(ctx.config, control.control, control.defaultMode);
  const { trigger } = ctx;
  if (trigger.kind === 'custom-action') {
    const { remediate, dryRun } = ctx.config.customActions;
    const action = trigger.actionId === remediate.id ? remediate : dryRun;
    if (!action.enabled)
      return { kind: 'skip', reason: 'ACTION_DISABLED', detail: `the custom action ${action.id} is disabled in the configuration` };
    if (mode === 'disabled') return { kind: 'skip', reason: 'MODE_DISABLED', detail: `${control.control} is disabled` };
    return action === remediate
      ? { kind: 'start', reason: 'ACTION_REMEDIATE', dryRun: false }
      : { kind: 'start', reason: 'ACTION_DRY_RUN', dryRun: true };
  }
  switch (mode) {
    case 'auto':
      return { kind: 'start', reason: 'MODE_AUTO', dryRun: false };
    case 'dry-run':
      return { kind: 'start', reason: 'MODE_DRY_RUN', dryRun: true };
    case 'notify-only':
      return { kind: 'notify', reason: 'MODE_NOTIFY_ONLY', detail: `${control.control} is notify-only: ${control.guidance}` };
    case 'disabled':
      return { kind: 'skip', reason: 'MODE_DISABLED', detail: `${control.control} is disabled for automatic runs` };
  }
}

/** An account-level run's identity: its parameters but for the finding's. */
function accountRun(account: string, region: string, document: string, parameters: Record<string, ParameterValue>): string {
  const { FindingId: _id, FindingProductArn: _product, ...runParameters } = parameters;
  return `account/${account}/${region}/${document}/${JSON.stringify(Object.entries(runParameters).sort())}`;
}

/** One finding, without the batch (duplicates are the batch's business). */
export function decideFinding(raw: unknown, ctx: DecideContext): Decision {
  const findingId = idOf(raw);
  const { trigger, config } = ctx;
  if (
    trigger.kind === 'custom-action' &&
    trigger.actionId !== config.customActions.remediate.id &&
    trigger.actionId !== config.customActions.dryRun.id
  )
    return skip(
      findingId,
      'UNKNOWN_ACTION',
      `the custom action ${quote(trigger.actionId)} is not one of hubfix's (${config.customActions.remediate.id}, ${config.customActions.dryRun.id})`,
    );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return skip(findingId, 'MALFORMED', 'the finding is not a JSON object');
  const problem = findingProblem(raw);
  if (problem) return skip(findingId, 'MALFORMED', `the finding does not match the ASFF schema: ${problem}`);
  const f = raw as AsffFinding;

  const identity = checkIdentity(f);
  if (!identity.ok) return skip(findingId, identity.reason, identity.detail);
  const who = identity.value;
  const base = { account: who.account, region: who.findingRegion };

  if (f.RecordState === 'ARCHIVED') return skip(findingId, 'ARCHIVED', 'RecordState is ARCHIVED', base);
  const workflow = f.Workflow?.Status ?? 'NEW';
  if (workflow === 'SUPPRESSED') return skip(findingId, 'SUPPRESSED', 'Workflow.Status is SUPPRESSED', base);
  const compliance = f.Compliance?.Status;
  if (compliance !== 'FAILED')
    return skip(findingId, 'NOT_FAILED', compliance ? `Compliance.Status is ${compliance}` : 'the finding has no Compliance.Status', base);

  const memory = readMemory(f.UserDefinedFields, ctx.now);
  const distrusted = memory.distrusted.length > 0 ? { distrusted: memory.distrusted } : {};
  if (trigger.kind === 'backlog' && workflow !== 'NEW' && !(workflow === 'NOTIFIED' && memory.status === STATUS_DRY_RUN))
    return skip(
      findingId,
      'NOT_NEW',
      `Workflow.Status is ${workflow}${memory.status ? ` (hubfix: ${memory.status})` : ''}; the backlog acts on NEW findings and on those hubfix only previewed`,
      base,
    );
  if (trigger.kind === 'imported') {
    const echo = echoOf(f, memory, workflow, ctx.now);
    if (echo) return skip(findingId, 'OWN_UPDATE', echo, { ...base, ...distrusted });
    if (workflow !== 'NEW')
      return skip(findingId, 'NOT_NEW', `Workflow.Status is ${workflow}; automatic runs act only on NEW findings`, base);
  }

  const resolved = resolveControl(f, ctx.catalog);
  if (!resolved.ok)
    return skip(findingId, resolved.reason, resolved.detail, { ...base, ...(resolved.control ? { control: resolved.control } : {}) });
  const control = resolved.control;
  const named = { ...base, control: control.control, document: control.document };

  const extracted = extractFor(f, control, who);
  if (!extracted.ok) return skip(findingId, extracted.reason, extracted.detail, named);
  const tightened = controlParameters(f, control);
  if (!tightened.ok) return skip(findingId, tightened.reason, tightened.detail, named);
  const { region, resource } = extracted.value;
  const located = { ...named, region };

  const out = excluded(ctx, who, region, resource);
  if (out) return skip(findingId, out.reason, out.detail, located);

  let next = plan(ctx, control);
  if (next.kind === 'skip') return skip(findingId, next.reason, next.detail, located);
  if (extracted.value.elsewhere) next = { kind: 'notify', reason: 'ORGANIZATION_TRAIL', detail: extracted.value.elsewhere };
  if (trigger.kind === 'backlog' && next.kind === 'start' && next.dryRun && memory.status === STATUS_DRY_RUN)
    return skip(findingId, 'NOT_NEW', `hubfix already previewed this finding; set ${control.control} to auto to fix it`, located);

  const dryRun = next.kind === 'start' ? next.dryRun : false;
  let roleArn: string;
  try {
    roleArn = runbookRoleArn(who.account, control.document, who.partition);
  } catch (err) {
    return skip(findingId, 'NO_RUNBOOK', (err as Error).message, located);
  }
  const parameters: Record<string, ParameterValue> = {
    AutomationAssumeRole: roleArn,
    FindingId: f.Id,
    FindingProductArn: f.ProductArn,
    DryRun: dryRun,
    ...(config.notificationTopicArn ? { NotificationTopicArn: config.notificationTopicArn } : {}),
    ...control.parameters,
    ...tightened.value,
    ...extracted.value.parameters,
  };
  const attempt = memory.attempts + 1;
  // the evaluation (or the analyst's action) that triggered the start: the same trigger handled
  // twice starts one run, whatever the finding's fields say
  const triggeredBy =
    trigger.kind === 'custom-action' ? `action:${trigger.actionId}@${ctx.eventId ?? f.UpdatedAt}` : `${trigger.kind}@${f.UpdatedAt}`;
  // an account-level control's runs share one token per account, Region and evaluation window:
  // findings of one account evaluated together start one run, whichever events carry them (SSM
  // refuses the same token with other parameters: IdempotentParameterMismatch, see start.ts)
  // (the same run: the same parameters but for the finding's identity)
  const window = Math.floor(Date.parse(f.UpdatedAt) / (config.inFlightMinutes * MINUTE_MS));
  const token =
    control.scope === 'account'
      ? clientToken(
          accountRun(who.account, region, control.document, parameters),
          trigger.kind === 'custom-action' ? triggeredBy : `${trigger.kind}@${window}`,
          dryRun,
        )
      : clientToken(f.Id, triggeredBy, dryRun);
  const target: StartTarget = {
    findingId: f.Id,
    productArn: f.ProductArn,
    partition: who.partition,
    findingRegion: who.findingRegion,
    account: who.account,
    region,
    control: control.control,
    document: control.document,
    scope: control.scope,
    // every control of the runbook starts the same run (no parameters of its own): one at a time per account
    oneRunPerAccount: control.scope === 'account' && Object.keys(control.parameters).length === 0,
    resourceType: resource.Type,
    resourceId: resource.Id,
    dryRun,
    attempt,
    clientToken: token,
    memberRoleArn: memberRoleArn(who.account, config.memberRoleName, who.partition),
    parameters,
    fields: { ...(f.UserDefinedFields ?? {}) },
    ...(f.Note?.Text !== undefined ? { note: f.Note.Text } : {}),
    guidance: control.guidance,
    title: control.title,
  };
  const with_ = { ...located, parameters, target, ...distrusted };
  if (next.kind === 'notify') return { findingId, decision: 'notify', reason: next.reason, detail: next.detail, ...with_ };

  // claims the finding's fields make that would hold the start back; the start path checks them
  // against the automation executions (which a finding update cannot write) before honouring them
  const inFlightMs = config.inFlightMinutes * MINUTE_MS;
  if (memory.status === STATUS_STARTED && memory.lastAttempt !== undefined && ctx.now - memory.lastAttempt < inFlightMs) {
    const detail = `hubfix started a run ${Math.round((ctx.now - memory.lastAttempt) / MINUTE_MS)} min ago (execution ${memory.execution ?? 'unknown'}); it is taken to be in progress for ${config.inFlightMinutes} min`;
    return { ...skip(findingId, 'IN_PROGRESS', detail, with_), claim: { kind: 'in-progress', reason: next.reason, detail } };
  }
  if (trigger.kind === 'imported') {
    const windowMs = config.loopGuard.windowHours * HOUR_MS;
    const recent = attemptsInWindow(memory, ctx.now, windowMs);
    if (recent >= config.loopGuard.attempts) {
      const detail = `loop guard: ${recent} automatic attempts in ${config.loopGuard.windowHours} h (at most ${config.loopGuard.attempts}); the fix keeps being undone, a person should look`;
      const claim = { kind: 'attempts' as const, reason: next.reason, detail, limit: config.loopGuard.attempts, windowMs };
      if (memory.status === STATUS_NOTIFY_ONLY)
        return { ...skip(findingId, 'ATTEMPTS_EXHAUSTED', `${detail} (already noted on the finding)`, with_), claim };
      return { findingId, decision: 'notify', reason: 'ATTEMPTS_EXHAUSTED', detail, ...with_, claim };
    }
  }
  const routed = extracted.value.routed ? ` (${extracted.value.routed})` : '';
  const what = `${control.document}${dryRun ? ' (dry run)' : ''} in ${who.account} ${region}, attempt ${attempt}${routed}`;
  return { findingId, decision: 'start', reason: next.reason, detail: `start ${what}`, ...with_ };
}

/** One event's findings and what triggered them, as a batch of events hands them to `decideEvents`. */
export interface DecideInput {
  findings: readonly unknown[];
  trigger: Trigger;
  eventId?: string;
}

/**
 * Every finding of a batch (one event). An account-level control is started once per account
 * and runbook in a batch (the others are notified DUPLICATE, covered by that run), and a finding
 * listed twice is handled once (skipped DUPLICATE).
 */
export function decide(findings: readonly unknown[], ctx: DecideContext): Decision[] {
  const { trigger, eventId, ...shared } = ctx;
  return decideEvents([{ findings, trigger, ...(eventId !== undefined ? { eventId } : {}) }], shared)[0];
}

/**
 * Every finding of several events handled together (a queue's batch): each is decided under its
 * own event's trigger, and the duplicates rule spans the whole batch — a finding carried by two
 * events is handled once (the first), an account-level run starts once per account and runbook.
 */
export function decideEvents(events: readonly DecideInput[], ctx: Omit<DecideContext, 'trigger' | 'eventId'>): Decision[][] {
  const taken = new Map<string, string>();
  const where = events.length > 1 ? 'this batch of events' : 'this event';
  return events.map((e) =>
    e.findings.map((raw) => {
      const d = decideFinding(raw, { ...ctx, trigger: e.trigger, ...(e.eventId !== undefined ? { eventId: e.eventId } : {}) });
      const t = d.target;
      if (!t || d.decision === 'skip') return d;
      const byFinding = `finding|${t.findingId}`;
      const first = taken.get(byFinding);
      if (first !== undefined)
        return skip(d.findingId, 'DUPLICATE', `the finding is listed twice in ${where}; it is handled once`, strip(d));
      if (d.decision === 'start' && t.scope === 'account') {
        // the same run: a control's own parameters (IAM.7's stricter length) make another one
        const settings = JSON.stringify(Object.entries(t.parameters).filter(([k]) => !(k in commonParameters)));
        const byAccount = `account|${t.account}|${t.document}|${t.dryRun}|${settings}`;
        const other = taken.get(byAccount);
        // noted as covered by that run (no run, no notification of its own: the run's tells)
        if (other !== undefined)
          return {
            ...d,
            decision: 'notify',
            reason: 'DUPLICATE',
            detail: `${t.control} is account-level: ${t.document} already starts for account ${t.account} in ${where === 'this event' ? 'this batch' : where} (finding ${other})`,
            coveredBy: other,
          };
        taken.set(byAccount, t.findingId);
      }
      taken.set(byFinding, t.findingId);
      return d;
    }),
  );
}

function strip(d: Decision): Partial<Decision> {
  const { control, document, account, region, parameters } = d;
  return { control, document, account, region, parameters };
}
