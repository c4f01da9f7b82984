import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { AwsCall, AwsOutput, Invoker } from '../aws/invoker';
import { MockInvoker, MockTableError } from '../aws/mock-invoker';
import { SdkInvoker } from '../aws/sdk-invoker';
import { shippedCatalog } from '../compiler';
import { type Clock, RealClock, VirtualClock } from '../engine/clock';
import { buildDocuments, buildHandlers, buildResolver } from '../engine/documents';
import { type AutomationResult, type RunnableDocument, type RunOptions, runAutomation } from '../engine/engine';
import { EngineInputError } from '../engine/errors';
import type { ExecutionRecord } from '../engine/record';
import { ConfigError, defaultConfig, type HubfixConfig, loadConfigFile } from '../findings/config';
import { decide } from '../findings/decide';
import { parseEvent } from '../findings/intake';
import { CredentialsCache } from '../findings/credentials';
import { act, type FindingOutcome } from '../findings/start';
import type { Decision } from '../findings/types';
import { UsageError } from './errors';
import { formatRecord } from './run-local';

/**
 * `hubfix simulate EVENT.json`: the whole path on this machine. The orchestrator decides on the
 * event's findings and carries out its decisions (start, notify) exactly as in Lambda; each
 * StartAutomationExecution runs the compiled runbook in the local engine, finalizer included;
 * AWS calls go to a mock table or an emulator endpoint.
 *
 * Two stand-ins, named for what they are:
 *  - `SecurityHubStandIn` holds the event's findings, answers GetFindings for them and records
 *    and applies every BatchUpdateFindings (moto does not implement BatchUpdateFindings).
 *  - `AutomationStandIn` answers ssm StartAutomationExecution: it queues the run and returns an
 *    execution id at once, as SSM does; the queued runs go through the local engine after the
 *    orchestrator has finished with the event (so its STARTED record comes first, as in AWS).
 * SNS Publish calls are recorded and then sent on to the mock table or endpoint.
 */

export interface SimulateOptions {
  config?: string;
  mock?: string;
  endpoint?: string;
  json?: boolean;
}

export interface FindingUpdateRecord {
  /** Note.UpdatedBy: `hubfix` (orchestrator) or the runbook's document name (finalizer). */
  by: string;
  region: string;
  request: Record<string, unknown>;
}

export interface NotificationRecord {
  topicArn: string;
  region: string;
  subject: string;
  message: unknown;
}

export interface SimulationExecution {
  document: string;
  /** The id StartAutomationExecution returned to the orchestrator. */
  startedAs: string;
  status: string;
  record: ExecutionRecord;
}

export interface SimulationResult {
  decisions: Decision[];
  outcomes: FindingOutcome[];
  executions: SimulationExecution[];
  findingUpdates: FindingUpdateRecord[];
  notifications: NotificationRecord[];
}

type Finding = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Security Hub stand-in: the event's findings, their GetFindings and BatchUpdateFindings. */
export class SecurityHubStandIn {
  readonly updates: FindingUpdateRecord[] = [];
  private findings = new Map<string, Finding>();

  constructor(
    findings: readonly unknown[],
    private readonly now: () => number,
  ) {
    for (const f of findings) if (isRecord(f) && typeof f.Id === 'string') this.findings.set(f.Id, structuredClone(f));
  }

  /** Answers the call, or undefined when it is not one the stand-in handles. */
  answer(call: AwsCall): AwsOutput | undefined {
    if (call.service !== 'securityhub') return undefined;
    if (call.operation === 'BatchUpdateFindings') return this.batchUpdate(call);
    if (call.operation === 'GetFindings') return this.getFindings(call);
    return undefined;
  }

  finding(id: string): Finding | undefined {
    return this.findings.get(id);
  }

  private getFindings(call: AwsCall): AwsOutput | undefined {
    const filters = isRecord(call.input.Filters) ? call.input.Filters : {};
    const ids = Array.isArray(filters.Id) ? filters.Id : [];
    const wanted = ids
      .filter((f) => isRecord(f) && f.Comparison === 'EQUALS' && typeof f.Value === 'string')
      .map((f) => (f as { Value: string }).Value);
    if (wanted.length === 0 || !wanted.every((id) => this.findings.has(id))) return undefined;
    return { Findings: wanted.map((id) => structuredClone(this.findings.get(id))) };
  }

  private batchUpdate(call: AwsCall): AwsOutput {
    const input = call.input;
    const note = isRecord(input.Note) ? input.Note : undefined;
    this.updates.push({
      by: typeof note?.UpdatedBy === 'string' ? note.UpdatedBy : 'unknown',
      region: call.region,
      request: structuredClone(input),
    });
    const processed: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const ident of Array.isArray(input.FindingIdentifiers) ? input.FindingIdentifiers : []) {
      const id = isRecord(ident) && typeof ident.Id === 'string' ? ident.Id : '';
      const f = this.findings.get(id);
      if (!f) {
        unprocessed.push({ FindingIdentifier: ident, ErrorCode: 'FindingNotFound', ErrorMessage: 'not a finding of the simulated event' });
        continue;
      }
      if (note) f.Note = { Text: note.Text, UpdatedBy: note.UpdatedBy, UpdatedAt: new Date(this.now()).toISOString() };
      if (isRecord(input.Workflow)) f.Workflow = { Status: input.Workflow.Status };
      // the stricter reading of the API: the map given replaces the finding's map
      if (isRecord(input.UserDefinedFields)) f.UserDefinedFields = { ...input.UserDefinedFields };
      processed.push(ident);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }
}

interface QueuedRun {
  startedAs: string;
  request: Record<string, unknown>;
  region: string;
}

/** The stand-in for StartAutomationExecution: queue now, run in the local engine later. */
export class AutomationStandIn {
  readonly queued: QueuedRun[] = [];
  private n = 0;

  answer(call: AwsCall): AwsOutput | undefined {
    if (call.service !== 'ssm' || call.operation !== 'StartAutomationExecution') return undefined;
    this.n += 1;
    const startedAs = `00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
    this.queued.push({ startedAs, request: structuredClone(call.input), region: call.region });
    return { AutomationExecutionId: startedAs };
  }
}

/** Every call goes through here: the stand-ins first, then the mock table or endpoint. */
class SimulationInvoker implements Invoker {
  readonly notifications: NotificationRecord[] = [];
  constructor(
    private readonly base: Invoker,
    private readonly hub: SecurityHubStandIn,
    private readonly ssm: AutomationStandIn,
  ) {}

  async call(call: AwsCall): Promise<AwsOutput> {
    const answered = this.hub.answer(call) ?? this.ssm.answer(call);
    if (answered) return answered;
    if (call.service === 'sns' && call.operation === 'Publish') {
      let message: unknown = call.input.Message;
      try {
        message = JSON.parse(String(call.input.Message));
      } catch {
        // not JSON: kept as the text it is
      }
      this.notifications.push({
        topicArn: String(call.input.TopicArn ?? ''),
        region: call.region,
        subject: String(call.input.Subject ?? ''),
        message,
      });
    }
    return this.base.call(call);
  }
}

function baseInvoker(opts: SimulateOptions): Invoker {
  if (opts.mock && opts.endpoint)
    throw new UsageError('give --mock or --endpoint, not both (with a mock table nothing reaches an endpoint)');
  if (!opts.mock && !opts.endpoint) throw new UsageError('give --mock FILE (a mock table) or --endpoint URL (a local emulator)');
  if (opts.mock) {
    try {
      return MockInvoker.fromFile(opts.mock);
    } catch (err) {
      if (err instanceof MockTableError) throw new UsageError(err.message);
      throw err;
    }
  }
  if (!/^https?:\/\/[^\s]+$/.test(opts.endpoint ?? '')) throw new UsageError(`--endpoint ${opts.endpoint} is not an http(s) URL`);
  return new SdkInvoker({ endpoint: opts.endpoint });
}

function readEvent(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON: ${(err as Error).message}`);
  }
}

function readConfig(file: string | undefined): HubfixConfig {
  try {
    return file ? loadConfigFile(file) : defaultConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** StartAutomationExecution parameters (string lists) as the engine takes them. */
function engineParameters(request: Record<string, unknown>): Record<string, unknown> {
  return isRecord(request.Parameters) ? { ...request.Parameters } : {};
}

export interface SimulateDeps {
  invoker?: Invoker;
  /** Epoch ms of the simulation (default: now). */
  now?: number;
  documents?: RunnableDocument[];
}

export async function simulate(eventFile: string, opts: SimulateOptions, deps: SimulateDeps = {}): Promise<SimulationResult> {
  const raw = readEvent(eventFile);
  const config = readConfig(opts.config);
  const base = deps.invoker ?? baseInvoker(opts);
  const intake = parseEvent(raw);
  if (!intake.ok) throw new UsageError(`${eventFile}: ${intake.detail}`);
  const event = intake.event;

  // with a mock table time is virtual (sleeps cost nothing); with an endpoint, real I/O needs real time
  const start = deps.now ?? Date.now();
  const clock: Clock = opts.endpoint && !deps.invoker ? new RealClock() : new VirtualClock(start);
  const now = () => clock.now();
  const hub = new SecurityHubStandIn(event.findings, now);
  const ssm = new AutomationStandIn();
  const invoker = new SimulationInvoker(base, hub, ssm);
  const catalog = shippedCatalog();

  const decisions = decide(event.findings, { catalog, config, now: now(), trigger: event.trigger });
  const sleep = async () => {};
  const outcomes = await act(decisions, {
    invoker,
    catalog,
    credentials: new CredentialsCache({ invoker, now, sleep }),
    now,
    sleep,
    loopGuard: config.loopGuard,
    ...(config.notificationTopicArn ? { notificationTopicArn: config.notificationTopicArn } : {}),
  });

  const docs = deps.documents ?? buildDocuments();
  const resolver = buildResolver(docs);
  const executions: SimulationExecution[] = [];
  for (const run of ssm.queued) {
    const name = String(run.request.DocumentName ?? '');
    const doc = resolver(name);
    if (!doc) throw new UsageError(`the orchestrator started ${name}, which is not a document of the build`);
    // the engine takes the id SSM returned when it supports that option; otherwise its own id is shown beside it
    const options: RunOptions = {
      invoker,
      clock,
      region: run.region,
      handlers: buildHandlers(docs),
      documents: resolver,
      undecided: 'fail',
      executionId: run.startedAs,
    };
    let result: AutomationResult;
    try {
      result = await runAutomation(doc, engineParameters(run.request), options);
    } catch (err) {
      if (err instanceof EngineInputError) throw new UsageError(`${name}: ${err.message}`);
      throw err;
    }
    executions.push({ document: name, startedAs: run.startedAs, status: result.status, record: result.record });
  }
  return { decisions, outcomes, executions, findingUpdates: hub.updates, notifications: invoker.notifications };
}

function noteOf(request: Record<string, unknown>): string {
  return isRecord(request.Note) && typeof request.Note.Text === 'string' ? request.Note.Text : '';
}

/** The readable account: decisions, each execution, every finding update, every notification. */
export function formatSimulation(r: SimulationResult): string {
  const lines: string[] = ['DECISIONS'];
  for (const [i, d] of r.decisions.entries()) {
    const o = r.outcomes[i];
    lines.push(`  ${d.decision.padEnd(6)} ${d.reason.padEnd(18)} ${d.control ?? '-'}  ${d.findingId || '(no id)'}`);
    lines.push(`         ${d.detail}`);
    if (o && o.outcome !== 'skipped')
      lines.push(
        `         -> ${o.outcome}${o.executionId ? ` ${o.executionId}` : ''}${o.error ? `: ${o.error}` : ''}${o.findingUpdate ? `; finding ${o.findingUpdate}` : ''}`,
      );
  }
  lines.push('', `EXECUTIONS (${r.executions.length})`);
  for (const e of r.executions) {
    if (e.record.AutomationExecutionId !== e.startedAs)
      lines.push(`  started as ${e.startedAs} (the local engine ran it as ${e.record.AutomationExecutionId})`);
    lines.push(formatRecord(e.record, '  ').trimEnd());
  }
  lines.push('', `FINDING UPDATES (${r.findingUpdates.length}, recorded by the Security Hub stand-in: moto has no BatchUpdateFindings)`);
  for (const u of r.findingUpdates) {
    const req = u.request;
    const ids = Array.isArray(req.FindingIdentifiers) ? req.FindingIdentifiers.map((f) => (isRecord(f) ? String(f.Id) : '?')) : [];
    const workflow = isRecord(req.Workflow) ? String(req.Workflow.Status) : '(workflow unchanged)';
    lines.push(`  by ${u.by} in ${u.region}: ${workflow}  ${ids.join(', ')}`);
    lines.push(`    note: ${noteOf(req)}`);
    if (isRecord(req.UserDefinedFields)) lines.push(`    fields: ${JSON.stringify(req.UserDefinedFields)}`);
  }
  lines.push('', `NOTIFICATIONS (${r.notifications.length})`);
  for (const n of r.notifications) {
    lines.push(`  to ${n.topicArn}: ${n.subject}`);
    lines.push(
      JSON.stringify(n.message, null, 2)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n'),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('simulate')
    .description('Run the whole path locally: orchestrator decision, runbook in the local engine, finalizer')
    .argument('<event>', 'a Security Hub EventBridge event (JSON file)')
    .option('--config <file>', 'hubfix configuration (YAML or JSON; default: the built-in defaults)')
    .option('--mock <file>', 'answer AWS calls from this mock table (YAML or JSON)')
    .option('--endpoint <url>', 'send AWS calls to this endpoint (a local emulator such as moto)')
    .option('--json', 'print {"decisions","executions","findingUpdates","notifications"} as JSON')
    .action(async (event: string, opts: SimulateOptions) => {
      const r = await simulate(event, opts);
      if (opts.json) {
        const executions = r.executions.map((e) => ({ startedAs: e.startedAs, ...e.record }));
        process.stdout.write(
          `${JSON.stringify({ decisions: r.decisions, executions, findingUpdates: r.findingUpdates, notifications: r.notifications }, null, 2)}\n`,
        );
      } else process.stdout.write(formatSimulation(r));
      setExit(r.executions.every((e) => e.status === 'Success') ? 0 : 1);
    });
}
