import { load } from 'js-yaml';
import { type AwsCall, type AwsOutput, AwsServiceError, type Invoker } from '../aws/invoker';
import type { PolicyDocument } from '../aws/policy-check';
import type { AutomationDocument } from '../model/document';
import type { AnyHandler } from '../model/handlers';
import { type AutomationResult, type Clock, RealClock, runAutomation } from '../engine';
import type { CallerIdentity } from './securityhub-standin';

/**
 * STAND-IN for SSM automation executions (moto 5.2.5 has documents but no executions):
 * StartAutomationExecution reads the document the member account really holds in moto
 * (ssm GetDocument with the caller's credentials, in the caller's Region), then hubfix's local
 * engine runs it there, as SSM would: after the start call has returned (`kick()` starts what was
 * started, `drain()` waits for all of it); GetAutomationExecution answers from the engine's record.
 * Like SSM, at most 100 automations run at once per account and Region (MAX_CONCURRENT); the rest
 * wait, Pending, in a queue of at most MAX_QUEUED, and start in order as running ones end. Starts
 * are indexed by id and by ClientToken, so each call costs the same however many came before.
 */

/** SSM's default quota of automations running at once, per account and Region. */
export const MAX_CONCURRENT = 100;
/** SSM's queue of automations waiting for a slot, per account and Region; beyond it a start is refused. */
export const MAX_QUEUED = 1000;

export interface StartedAutomation {
  /** The id StartAutomationExecution returned. */
  id: string;
  /** The engine's execution id once it ran (the one `{{ automation:EXECUTION_ID }}` gave). */
  engineId?: string;
  document: string;
  account: string;
  region: string;
  /** The credentials' ARN that called StartAutomationExecution (the member role session). */
  startedBy: string;
  parameters: Record<string, string[]>;
  clientToken?: string;
  /** When the start call was made and when the run ended (ms since epoch). */
  startedAt: number;
  endedAt?: number;
  result?: AutomationResult;
  error?: string;
}

export interface AutomationStandInOptions {
  /** The emulator's own invoker (moto), for ssm GetDocument. */
  sdk: Invoker;
  /** The invoker the automations' steps call AWS through (with the Security Hub stand-in in it). */
  stepInvoker(): Invoker;
  identify(call: AwsCall): Promise<CallerIdentity>;
  handlers: ReadonlyMap<string, AnyHandler>;
  /** The runbook's IAM policy by document name (the local policy check enforces it). */
  policy?(document: string): PolicyDocument | undefined;
  /** The clock a document's execution runs on (default: real time). */
  clockFor?(document: string): Clock | undefined;
}

let counter = 0;

/** An id shaped like SSM's (a UUID). */
function executionId(): string {
  counter += 1;
  const hex = (Date.now().toString(16) + counter.toString(16).padStart(8, '0') + Math.random().toString(16).slice(2))
    .padEnd(32, '0')
    .slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The Parameters of a StartAutomationExecution request, refused as SSM would refuse them (a value
 * over 512 characters) or as the stand-ins cannot run them (Targets, TargetLocations). Pure.
 */
export function startParameters(request: Record<string, unknown>): Record<string, string[]> {
  if (request.TargetLocations || request.Targets)
    throw new AwsServiceError(
      'InvalidAutomationExecutionParametersException',
      'the stand-in runs single-account, single-Region automations only',
      'ssm',
      'StartAutomationExecution',
    );
  const parameters = (request.Parameters as Record<string, string[]> | undefined) ?? {};
  for (const [k, v] of Object.entries(parameters)) {
    for (const value of v)
      if (value.length > 512)
        throw new AwsServiceError(
          'ValidationException',
          `parameter ${k}: a value is longer than 512 characters`,
          'ssm',
          'StartAutomationExecution',
        );
  }
  return parameters;
}

interface Slot {
  running: number;
  queue: Array<() => Promise<void>>;
  /** Started but not yet handed to the queue (the start call has not returned to its caller). */
  held: Array<() => Promise<void>>;
}

export class AutomationStandIn {
  readonly started: StartedAutomation[] = [];
  /** The most automations that ran at once in any one account and Region. */
  peakConcurrent = 0;
  private byId = new Map<string, StartedAutomation>();
  private byToken = new Map<string, StartedAutomation>();
  private slots = new Map<string, Slot>();
  private running = new Set<Promise<void>>();
  private idle: Array<() => void> = [];
  private tokens = new Map<string, { parameters: string; document: string; answer: Promise<AwsOutput> }>();

  constructor(private readonly o: AutomationStandInOptions) {}

  private slot(account: string, region: string): Slot {
    const key = `${account} ${region}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { running: 0, queue: [], held: [] };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Start queued automations of a slot while it has room; each one's end starts the next. */
  private fill(slot: Slot): void {
    while (slot.running < MAX_CONCURRENT && slot.queue.length) {
      const run = slot.queue.shift() as () => Promise<void>;
      slot.running++;
      this.peakConcurrent = Math.max(this.peakConcurrent, slot.running);
      const p: Promise<void> = run().finally(() => {
        slot.running--;
        this.running.delete(p);
        this.fill(slot);
        // drain() looks again: done, or more was started meanwhile
        for (const wake of this.idle.splice(0)) wake();
      });
      this.running.add(p);
    }
  }

  private busy(): boolean {
    if (this.running.size) return true;
    for (const s of this.slots.values()) if (s.queue.length || s.held.length) return true;
    return false;
  }

  async start(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const name = String(call.input.DocumentName ?? '');
    const token = typeof call.input.ClientToken === 'string' ? call.input.ClientToken : undefined;
    const tokenKey = token ? `${caller.account} ${call.region} ${token}` : undefined;
    const parameters = startParameters(call.input);
    if (!tokenKey) return this.startNew(call, caller, name, parameters, undefined);
    // SSM's idempotency is atomic: the token is taken before anything else is awaited, and the
    // same token with other parameters is refused
    const same = this.tokens.get(tokenKey);
    if (same) {
      if (same.parameters !== JSON.stringify(parameters) || same.document !== name)
        throw new AwsServiceError(
          'IdempotentParameterMismatch',
          'the ClientToken was used before with other parameters',
          'ssm',
          'StartAutomationExecution',
        );
      return same.answer;
    }
    const answer = this.startNew(call, caller, name, parameters, tokenKey);
    this.tokens.set(tokenKey, { parameters: JSON.stringify(parameters), document: name, answer });
    answer.catch(() => this.tokens.delete(tokenKey));
    return answer;
  }

  private async startNew(
    call: AwsCall,
    caller: CallerIdentity,
    name: string,
    parameters: Record<string, string[]>,
    tokenKey: string | undefined,
  ): Promise<AwsOutput> {
    const token = typeof call.input.ClientToken === 'string' ? call.input.ClientToken : undefined;
    const slot = this.slot(caller.account, call.region);
    if (slot.running + slot.queue.length + slot.held.length >= MAX_CONCURRENT + MAX_QUEUED)
      throw new AwsServiceError(
        'AutomationExecutionLimitExceededException',
        `${MAX_CONCURRENT} automations are running and ${MAX_QUEUED} are queued in ${caller.account} ${call.region}`,
        'ssm',
        'StartAutomationExecution',
      );
    const doc = await this.o.sdk.call({
      service: 'ssm',
      operation: 'GetDocument',
      region: call.region,
      credentials: call.credentials,
      input: { Name: name, ...(call.input.DocumentVersion ? { DocumentVersion: call.input.DocumentVersion } : {}) },
    });
    if (doc.DocumentType !== 'Automation')
      throw new AwsServiceError('InvalidDocument', `${name} is not an Automation document`, 'ssm', 'StartAutomationExecution');
    const document = (doc.DocumentFormat === 'JSON' ? JSON.parse(String(doc.Content)) : load(String(doc.Content))) as AutomationDocument;
    const entry: StartedAutomation = {
      id: executionId(),
      document: name,
      account: caller.account,
      region: call.region,
      startedBy: caller.arn,
      parameters,
      startedAt: Date.now(),
      ...(token ? { clientToken: token } : {}),
    };
    this.started.push(entry);
    this.byId.set(entry.id, entry);
    if (tokenKey) this.byToken.set(tokenKey, entry);
    slot.held.push(async () => {
      try {
        const policy = this.o.policy?.(name);
        entry.result = await runAutomation({ name, document, ...(policy ? { policy } : {}) }, parameters, {
          invoker: this.o.stepInvoker(),
          // the id StartAutomationExecution returned is the one the automation runs under
          executionId: entry.id,
          region: call.region,
          account: caller.account,
          handlers: this.o.handlers,
          clock: this.o.clockFor?.(name) ?? new RealClock(),
          undecided: 'fail',
          retryBaseDelaySeconds: 0.05,
          retryMaxDelaySeconds: 0.5,
          pollIntervalSeconds: 0.2,
        });
        entry.engineId = entry.result.executionId;
        this.byId.set(entry.engineId, entry);
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
      } finally {
        entry.endedAt = Date.now();
      }
    });
    return { AutomationExecutionId: entry.id };
  }

  /** Release every automation started so far to run as SSM would (100 at once per account and Region); returns at once. */
  kick(): void {
    for (const slot of this.slots.values()) {
      slot.queue.push(...slot.held.splice(0));
      this.fill(slot);
    }
  }

  /** Run every automation started so far (and any started meanwhile) to its end. */
  async drain(): Promise<void> {
    this.kick();
    while (this.busy()) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
      this.kick();
    }
  }

  find(id: string): StartedAutomation | undefined {
    return this.byId.get(id);
  }

  /**
   * DescribeAutomationExecutions in the caller's account and Region, filtered as SSM filters
   * (DocumentNamePrefix, ExecutionStatus, StartTimeAfter; other keys are refused).
   */
  async describe(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const filters = (call.input.Filters as Array<{ Key: string; Values: string[] }> | undefined) ?? [];
    let list = this.started.filter((s) => s.account === caller.account && s.region === call.region);
    const status = (s: StartedAutomation): string =>
      s.result ? s.result.record.AutomationExecutionStatus : s.error ? 'Failed' : s.endedAt ? 'Success' : 'InProgress';
    for (const f of filters) {
      if (f.Key === 'DocumentNamePrefix') list = list.filter((s) => f.Values.some((v) => s.document.startsWith(v)));
      else if (f.Key === 'ExecutionStatus') list = list.filter((s) => f.Values.includes(status(s)));
      else if (f.Key === 'StartTimeAfter') list = list.filter((s) => f.Values.every((v) => s.startedAt > Date.parse(v)));
      else throw new AwsServiceError('InvalidFilterKey', `the stand-in does not filter by ${f.Key}`, 'ssm', 'DescribeAutomationExecutions');
    }
    return {
      AutomationExecutionMetadataList: list.map((s) => ({
        AutomationExecutionId: s.id,
        DocumentName: s.document,
        AutomationExecutionStatus: status(s),
        ExecutionStartTime: new Date(s.startedAt).toISOString(),
      })),
    };
  }

  async get(call: AwsCall): Promise<AwsOutput> {
    const s = this.find(String(call.input.AutomationExecutionId ?? ''));
    if (!s)
      throw new AwsServiceError(
        'AutomationExecutionNotFoundException',
        `no automation execution ${String(call.input.AutomationExecutionId)}`,
        'ssm',
        'GetAutomationExecution',
      );
    if (!s.result) {
      return {
        AutomationExecution: {
          AutomationExecutionId: s.id,
          DocumentName: s.document,
          AutomationExecutionStatus: s.error ? 'Failed' : 'Pending',
          ...(s.error ? { FailureMessage: s.error } : {}),
        },
      };
    }
    return { AutomationExecution: { ...s.result.record, AutomationExecutionId: s.id } };
  }
}
