import type { AwsCall } from '../aws/invoker';
import type { PolicyDocument } from '../aws/policy-check';
import { compileAll, findCompiled, handlerRegistry, shippedCatalog } from '../compiler';
import type { Catalog } from '../compiler/catalog';
import type { CompiledRunbook } from '../compiler/compile';
import type { Clock } from '../engine';
import { CredentialsCache, type FindingOutcome, type HubfixConfig, handleEvents, parseConfig, type QueuedEvent } from '../findings';
import { customActionEvent, importedEvent, type SecurityHubEvent } from './asff';
import type { StartedAutomation } from './automation-standin';
import { ShiftedClock } from './clock';
import { type NotificationInbox, startInbox } from './inbox';
import { IMPORTED_PATTERN } from '../cfn/events';
import { matchesEventPattern } from './event-pattern';
import { EventsQueue, type FeedResult } from './events-queue';
import { EmulatorInvoker } from './invoker';
import { ADMIN_ACCOUNT, REGIONS, type SeedOptions, seedWorld, type SeededFinding, type World } from './scenario';
import { SEEDERS } from './seeders';

/**
 * The pipeline against the emulator, shared by the end-to-end tests and `npm run demo`:
 * read the findings back from (emulated) Security Hub, build the EventBridge events, run the
 * orchestrator with real SDK v3 clients on them, let the automations it started run in the member
 * accounts, feed Security Hub's follow-up events (one per BatchUpdateFindings) back to it, and
 * collect, per finding, what happened.
 */

export interface FindingReport {
  findingId: string;
  format: 'consolidated' | 'cis-1.2.0';
  control: string;
  /** `cis-1.2.0 1.9` for a standard-specific finding. */
  alias?: string;
  account: string;
  region: string;
  resource: string;
  /** The orchestrator's decision and reason (`start MODE_AUTO`, `skip DUPLICATE`). */
  decision: string;
  reason: string;
  detail: string;
  executionId?: string;
  /** The engine's execution status (Success, Failed, ...). */
  executionStatus?: string;
  /** The notification's status (SUCCEEDED, NOT_VERIFIED, ...). */
  status?: string;
  changed?: string;
  summary?: string;
  verified?: boolean;
  /** The finding as Security Hub holds it afterwards. */
  workflow?: string;
  note?: string;
  /** From the event reaching the orchestrator to the verified fix's notification (ms). */
  eventToVerifiedMs?: number;
  /** From the event going onto the events queue to SSM accepting its automation (ms). */
  eventToStartedMs?: number;
  /**
   * For an account-level finding that started no run because its account's run was in flight: that
   * run's execution and whether it verified (its fix is this finding's fix too).
   */
  coveredBy?: { executionId: string; verified: boolean };
}

/** Ties each account-level finding noted as covered to the run in flight for its account. Pure. */
export function linkCoveredFindings(outcomes: readonly FindingOutcome[], reports: FindingReport[]): void {
  const key = (t: { document: string; account: string; region: string }) => `${t.document} ${t.account} ${t.region}`;
  const runs = new Map<string, FindingReport>();
  outcomes.forEach((o, i) => {
    const t = o.decision.target;
    if (t && o.outcome === 'started') runs.set(key(t), reports[i]);
  });
  outcomes.forEach((o, i) => {
    const t = o.decision.target;
    if (!t || t.scope !== 'account' || o.decision.reason !== 'DUPLICATE' || o.outcome !== 'notified') return;
    const run = runs.get(key(t));
    if (run?.executionId) reports[i].coveredBy = { executionId: run.executionId, verified: run.verified === true };
  });
}

export interface PassResult {
  events: SecurityHubEvent[];
  outcomes: FindingOutcome[];
  automations: StartedAutomation[];
  /** The "Findings - Imported" events Security Hub sent after each update in this pass. */
  followUpEvents: number;
  /** Those of them the findings-imported rule put on the events queue (all of them with `everyFollowUp`). */
  followUpDelivered: number;
  /** Starts caused by the follow-up events (must be 0). */
  followUpStarts: number;
  reports: FindingReport[];
  wallMs: number;
  /** The orchestrator's own AWS calls in this pass (follow-up events included), by `service:Operation`. */
  orchestratorCalls: Map<string, number>;
  /** How the events queue delivered this pass's events (batches, redeliveries, what it dead-lettered). */
  queue: FeedResult;
}

export interface Scenario {
  endpoint: string;
  invoker: EmulatorInvoker;
  inbox: NotificationInbox;
  world: World;
  config: HubfixConfig;
  catalog: Catalog;
  runbooks: readonly CompiledRunbook[];
  /**
   * Run the orchestrator over every member finding as Security Hub holds it now: as the
   * "Findings - Imported" events Security Hub sends (one finding each), or as an analyst's
   * "Remediate" custom action on all of them (one event per Region).
   */
  runPass(options?: PassOptions): Promise<PassResult>;
  /** Every member finding as Security Hub holds it now (both Regions, every page). */
  memberFindings(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export interface PassOptions {
  trigger?: 'imported' | 'custom-action';
  progress?: (line: string) => void;
  /**
   * Only the first `trickle` events, each sent alone once the one before has started its
   * automation (events farther apart than the queue's batching window); default: every event at
   * once, as a burst.
   */
  trickle?: number;
  /**
   * Put every follow-up event on the queue, also those the findings-imported rule's pattern drops
   * (hubfix's own updates leave the workflow NOTIFIED or RESOLVED): the orchestrator's loop guard
   * must hold by itself. Default: what the rule delivers, as in AWS.
   */
  everyFollowUp?: boolean;
}

export interface ScenarioOptions {
  endpoint: string;
  /** Passed to seedWorld: the member accounts and padding (the scale benchmark). */
  members?: SeedOptions['members'];
  extra?: SeedOptions['extra'];
  progress?: (line: string) => void;
  /** Installed by the CloudFormation templates (seed only resources and findings); default by hand. */
  installedBy?: 'by-hand' | 'cloudformation';
  /** The runbook policies the local engine enforces (default: the build's); e.g. as IAM holds them. */
  policy?: (document: string) => PolicyDocument | undefined;
  /** The orchestrator's configuration (default: every control automatic, notifying the scenario's topic). */
  config?: (topicArn: string) => Promise<HubfixConfig>;
}

const DAY_MS = 86_400_000;

/** The scenario's configuration: every control automatic (notify-only runbooks included, so each runbook runs). */
export function scenarioConfig(catalog: Catalog, topicArn: string): HubfixConfig {
  const controls: Record<string, string> = {};
  for (const c of Object.values(catalog.controls)) if (c.defaultMode !== 'auto') controls[c.control] = 'auto';
  return parseConfig({ version: 1, mode: { default: 'auto', controls }, notificationTopicArn: topicArn }, 'the emulator scenario');
}

function clockFor(document: string): Clock | undefined {
  const days = SEEDERS.get(document)?.clockAheadDays;
  return days ? new ShiftedClock(days * DAY_MS) : undefined;
}

export async function startScenario(o: ScenarioOptions): Promise<Scenario> {
  const progress = o.progress ?? (() => {});
  const catalog = shippedCatalog();
  const runbooks = compileAll();
  const invoker = new EmulatorInvoker({
    endpoint: o.endpoint,
    adminAccount: ADMIN_ACCOUNT,
    handlers: handlerRegistry(),
    policy: o.policy ?? ((doc) => findCompiled(doc)?.policy as PolicyDocument | undefined),
    clockFor,
  });
  const inbox = await startInbox();
  const world = await seedWorld({
    invoker,
    catalog,
    runbooks,
    inbox,
    progress,
    ...(o.installedBy ? { installedBy: o.installedBy } : {}),
    members: o.members,
    extra: o.extra,
  });
  const config = o.config ? await o.config(world.topicArn) : scenarioConfig(catalog, world.topicArn);
  // one cache for the whole scenario, as a warm Lambda keeps one
  const credentials = new CredentialsCache({ invoker, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  const byId = new Map<string, SeededFinding>(world.findings.map((f) => [f.finding.Id, f]));

  async function currentFindings(): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for (const region of REGIONS) {
      const r = await invoker.call({
        service: 'securityhub',
        operation: 'GetFindings',
        region,
        input: { Filters: { AwsAccountId: world.members.map((a) => ({ Value: a, Comparison: 'EQUALS' })) }, MaxResults: 100 },
      });
      out.push(...((r.Findings as Array<Record<string, unknown>>) ?? []));
      let token = r.NextToken as string | undefined;
      while (token) {
        const more = await invoker.call({
          service: 'securityhub',
          operation: 'GetFindings',
          region,
          input: {
            Filters: { AwsAccountId: world.members.map((a) => ({ Value: a, Comparison: 'EQUALS' })) },
            MaxResults: 100,
            NextToken: token,
          },
        });
        out.push(...((more.Findings as Array<Record<string, unknown>>) ?? []));
        token = more.NextToken as string | undefined;
      }
    }
    return out;
  }

  // the orchestrator's calls go through a counter (the automations' are in the engine's records)
  let orchestratorCalls = new Map<string, number>();
  const orchestratorInvoker = {
    call: async (c: AwsCall) => {
      const key = `${c.service}:${c.operation}`;
      orchestratorCalls.set(key, (orchestratorCalls.get(key) ?? 0) + 1);
      const out = await invoker.call(c);
      // an automation runs as soon as SSM has started it, while the orchestrator goes on with its batch
      if (key === 'ssm:StartAutomationExecution') invoker.automations.kick();
      return out;
    },
  };
  const deps = () => ({ invoker: orchestratorInvoker, catalog, config, credentials, log: () => {} });
  const queue = new EventsQueue({ invoker, region: REGIONS[0], account: ADMIN_ACCOUNT });

  async function actionTarget(region: string): Promise<string> {
    const id = config.customActions.remediate.id;
    const arn = `arn:aws:securityhub:${region}:${ADMIN_ACCOUNT}:action/custom/${id}`;
    const known = await invoker.call({
      service: 'securityhub',
      operation: 'DescribeActionTargets',
      region,
      input: { ActionTargetArns: [arn] },
    });
    if ((known.ActionTargets as unknown[]).length) return arn;
    const out = await invoker.call({
      service: 'securityhub',
      operation: 'CreateActionTarget',
      region,
      input: { Name: 'Remediate', Id: id, Description: 'Remediate with hubfix' },
    });
    return String(out.ActionTargetArn);
  }

  async function runPass(options: PassOptions = {}): Promise<PassResult> {
    const passProgress = options.progress ?? progress;
    const t0 = Date.now();
    const startedBefore = invoker.automations.started.length;
    orchestratorCalls = new Map();
    const emittedBefore = invoker.securityHub.emitted.length;
    const inboxBefore = inbox.received.length;
    const findings = await currentFindings();
    const now = new Date().toISOString();
    const events: SecurityHubEvent[] = [];
    if (options.trigger === 'custom-action') {
      for (const region of REGIONS) {
        const inRegion = findings.filter((f) => f.Region === region);
        if (inRegion.length) events.push(customActionEvent(inRegion, await actionTarget(region), 'Remediate', ADMIN_ACCOUNT, region, now));
      }
    } else {
      events.push(...findings.map((f) => importedEvent(f, ADMIN_ACCOUNT, now)));
    }
    if (options.trickle !== undefined) events.splice(options.trickle);
    const eventAt = new Map<string, number>();
    let done = 0;
    // EventBridge puts each event on the events queue; the mapping hands the orchestrator batches
    // an event delivered again (a passing failure) counts with its last delivery's outcomes; SQS
    // delivers at least once, and a second copy in the same batch (skipped as listed twice) does
    // not hide what the first copy did
    const byEvent = new Map<string, FindingOutcome[]>();
    const copyOfAnother = (outcomes: readonly FindingOutcome[]) =>
      outcomes.length > 0 && outcomes.every((o) => o.decision.decision === 'skip' && o.decision.reason === 'DUPLICATE');
    const orchestrate = async (batch: QueuedEvent[]) => {
      const results = await handleEvents(batch, deps());
      for (const r of results)
        if (r.result.eventId && !(byEvent.has(r.result.eventId) && copyOfAnother(r.result.outcomes)))
          byEvent.set(r.result.eventId, r.result.outcomes);
      done += batch.length;
      passProgress(`orchestrator: ${done}/${events.length} events`);
      return results;
    };
    const fed: FeedResult = { batches: 0, redelivered: 0, deadLettered: [] };
    for (const arrival of options.trickle !== undefined ? events.map((e) => [e]) : [events]) {
      for (const event of arrival) for (const f of event.detail.findings) eventAt.set(String(f.Id), Date.now());
      await queue.send(arrival);
      const r = await queue.drain(orchestrate, { beforeRedelivery: () => invoker.automations.drain() });
      fed.batches += r.batches;
      fed.redelivered += r.redelivered;
      fed.deadLettered.push(...r.deadLettered);
    }
    const outcomes = events.flatMap((e) => byEvent.get(e.id) ?? []);
    const started = invoker.automations.started.slice(startedBefore);
    passProgress(`running ${started.length} automations in the member accounts`);
    await invoker.automations.drain();
    // Security Hub sends a new "Findings - Imported" event for every BatchUpdateFindings: they must not start anything
    let followUpEvents = 0;
    let followUpDelivered = 0;
    let followUpStarts = 0;
    let seen = emittedBefore;
    for (let round = 0; round < 3 && invoker.securityHub.emitted.length > seen; round++) {
      const batch = invoker.securityHub.emitted.slice(seen);
      seen = invoker.securityHub.emitted.length;
      const delivered = options.everyFollowUp ? batch : batch.filter((e) => matchesEventPattern(IMPORTED_PATTERN, e));
      passProgress(`orchestrator: ${batch.length} follow-up events from Security Hub, ${delivered.length} through the rule`);
      const before = invoker.automations.started.length;
      followUpEvents += batch.length;
      followUpDelivered += delivered.length;
      if (delivered.length === 0) continue;
      await queue.send(delivered);
      await queue.drain((b) => handleEvents(b, deps()), { beforeRedelivery: () => invoker.automations.drain() });
      followUpStarts += invoker.automations.started.length - before;
      await invoker.automations.drain();
    }
    const after = new Map((await currentFindings()).map((f) => [String(f.Id), f]));
    const notifications = inbox.received.slice(inboxBefore);
    const reports = outcomes.map((o) => {
      const d = o.decision;
      const seeded = byId.get(d.findingId);
      const auto = o.executionId ? invoker.automations.find(o.executionId) : undefined;
      const ids = new Set([o.executionId, auto?.engineId].filter(Boolean));
      const note = notifications.find((n) => {
        try {
          const m = JSON.parse(n.Message) as { executionId?: string; finding?: { id?: string } };
          return (m.executionId && ids.has(m.executionId)) || (!o.executionId && m.finding?.id === d.findingId);
        } catch {
          return false;
        }
      });
      const message = note ? (JSON.parse(note.Message) as Record<string, unknown>) : undefined;
      const f = after.get(d.findingId) as
        | { Workflow?: { Status?: string }; Note?: { Text?: string }; ProductFields?: Record<string, string> }
        | undefined;
      const rule = f?.ProductFields?.RuleId;
      const report: FindingReport = {
        findingId: d.findingId,
        format: rule ? 'cis-1.2.0' : 'consolidated',
        control: d.control ?? seeded?.control ?? '?',
        ...(rule ? { alias: `cis-1.2.0 ${rule}` } : {}),
        account: d.account ?? String(seeded?.finding.AwsAccountId ?? ''),
        region: d.region ?? String(seeded?.finding.Region ?? ''),
        resource: seeded?.seeded.label ?? '?',
        decision: d.decision,
        reason: d.reason,
        detail: d.detail,
        ...(o.executionId ? { executionId: auto?.engineId ?? o.executionId } : {}),
        ...(auto?.result ? { executionStatus: auto.result.status } : auto?.error ? { executionStatus: `error: ${auto.error}` } : {}),
        ...(message
          ? {
              status: String(message.status),
              changed: String(message.changed ?? ''),
              summary: String(message.summary ?? ''),
              verified: message.verified === true,
            }
          : {}),
        ...(f?.Workflow?.Status ? { workflow: f.Workflow.Status } : {}),
        ...(f?.Note?.Text ? { note: f.Note.Text } : {}),
      };
      const t = eventAt.get(d.findingId);
      if (t !== undefined && note && message?.verified === true) report.eventToVerifiedMs = note.receivedAt - t;
      if (t !== undefined && auto) report.eventToStartedMs = auto.startedAt - t;
      return report;
    });
    linkCoveredFindings(outcomes, reports);
    return {
      events,
      outcomes,
      automations: invoker.automations.started.slice(startedBefore),
      followUpEvents,
      followUpDelivered,
      followUpStarts,
      reports,
      wallMs: Date.now() - t0,
      orchestratorCalls,
      queue: fed,
    };
  }

  return {
    endpoint: o.endpoint,
    invoker,
    inbox,
    world,
    config,
    catalog,
    runbooks,
    runPass,
    memberFindings: currentFindings,
    close: () => inbox.close(),
  };
}
