import { randomUUID } from 'node:crypto';
import { type AwsCredentials, type AwsOutput, AwsServiceError, type Invoker, errorCode, errorMessage } from '../aws/invoker';
import type { PolicyCheck } from '../aws/policy-check';
import type { AnyHandler } from '../model/handlers';
import type { Clock, Signal } from './clock';
import type { CompiledDocument, CompiledStep } from './compile';
import type { Scope } from './interpolate';
import type { CallRecord, ExecutionRecord, ExecutionStatus, ParentStepDetails, StepExecutionRecord } from './record';
import { stringForm, stringListForm } from './values';

/** The run-time state of one automation execution and the records it keeps as it goes. */

/** One step execution (one per iteration for a step inside a loop). */
export class StepRun {
  readonly id = randomUUID();
  status: ExecutionStatus = 'InProgress';
  inputs: Record<string, unknown> | undefined;
  outputs: Record<string, unknown> | undefined;
  failureMessage: string | undefined;
  attempts = 0;
  end: number | undefined;
  /** Where aws:branch (or a loop left by a jump) sends the flow. */
  jump: string | undefined;

  constructor(
    readonly step: CompiledStep,
    readonly start: number,
    readonly parent?: ParentStepDetails,
  ) {}

  toRecord(): StepExecutionRecord {
    const s = this.step;
    const r: StepExecutionRecord = {
      StepName: s.name,
      Action: s.action,
      StepExecutionId: this.id,
      StepStatus: this.status,
      Inputs: {},
      Attempts: this.attempts,
      MaxAttempts: s.maxAttempts,
      OnFailure: s.def.onFailure ?? 'Abort',
      IsCritical: s.isCritical,
      IsEnd: s.isEnd,
      ExecutionStartTime: new Date(this.start).toISOString(),
    };
    if (this.inputs) for (const [k, v] of Object.entries(this.inputs)) r.Inputs[k] = stringForm(v);
    if (this.outputs) {
      r.Outputs = {};
      for (const [k, v] of Object.entries(this.outputs)) r.Outputs[k] = stringListForm(v);
    }
    if (s.def.timeoutSeconds !== undefined) r.TimeoutSeconds = s.def.timeoutSeconds;
    if (s.nextStep !== undefined) r.NextStep = s.nextStep;
    if (this.failureMessage !== undefined) r.FailureMessage = this.failureMessage;
    if (this.end !== undefined) r.ExecutionEndTime = new Date(this.end).toISOString();
    if (this.parent) r.ParentStepDetails = this.parent;
    return r;
  }
}

/** What aws:approve and aws:pause do when no decision was given up front. */
export type UndecidedWait = 'wait' | 'fail';

export interface ExecutionEnv {
  invoker: Invoker;
  clock: Clock;
  region: string;
  handlers: ReadonlyMap<string, AnyHandler>;
  /** Executions known to this engine run by id (answers their GetAutomationExecution). */
  registry: Map<string, Execution>;
  approval: 'approve' | 'reject' | undefined;
  resumePauses: boolean;
  undecided: UndecidedWait;
  pollIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

const ROLE_ARN = /^arn:([\w-]+):iam::(\d{12}):role\/[\w+=,.@/-]+$/;

export function parseRoleArn(arn: string): { partition: string; account: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1], account: m[2] } : undefined;
}

/** Codes of failures the engine makes itself: their message is shown as it is. */
const LOCAL_CODES = new Set(['AccessDenied', 'UnmatchedMockCall', 'UnknownService', 'UnknownOperation', 'StepTimedOut']);

/** The failure message of an AWS error, worded as boto3 (and so SSM) words it. */
export function awsFailureMessage(err: unknown, operation: string): string {
  const code = errorCode(err);
  const message = errorMessage(err);
  const local = code === 'AccessDenied' ? message.startsWith('AccessDenied (local policy check)') : LOCAL_CODES.has(code);
  if (local) return message;
  return `An error occurred (${code}) when calling the ${operation} operation: ${message}`;
}

export class Execution implements Scope {
  readonly executionId: string;
  readonly variables: Record<string, unknown> = {};
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly runs: StepRun[] = [];
  readonly calls: CallRecord[] = [];
  readonly children: Execution[] = [];
  status: ExecutionStatus = 'InProgress';
  failureMessage: string | undefined;
  readonly start: number;
  end: number | undefined;
  accountId = '';
  partition: string;
  roleArn: string | undefined;
  credentials: AwsCredentials | undefined;
  /** The step runner's sessions of this execution by role ARN (a warm runner assumes a role once per execution). */
  readonly runnerSessions = new Map<string, Promise<{ credentials: AwsCredentials; account: string }>>();
  /** Set by the first failed critical step (or an Abort): the automation's final failure. */
  failure: { status: ExecutionStatus; message: string } | undefined;
  readonly region: string;

  constructor(
    readonly env: ExecutionEnv,
    readonly doc: CompiledDocument,
    readonly params: Record<string, unknown>,
    readonly policy: PolicyCheck,
    /** Cancelling the automation (or the parent step of a child automation). */
    readonly cancel: Signal,
    readonly parent?: Execution,
    /** The id to run under: the one StartAutomationExecution returned, when a caller has it. */
    executionId: string = randomUUID(),
  ) {
    this.executionId = executionId;
    this.start = env.clock.now();
    this.region = env.region;
    this.partition = partitionOf(env.region);
    for (const [name, v] of Object.entries(doc.document.variables ?? {})) if (v.default !== undefined) this.variables[name] = v.default;
    env.registry.set(this.executionId, this);
  }

  now(): number {
    return this.env.clock.now();
  }

  /**
   * One AWS call on behalf of a step: checked against the policy (unless SSM itself makes it),
   * answered by the engine for its own executions' GetAutomationExecution, recorded in Calls.
   */
  async aws(
    service: string,
    operation: string,
    input: Record<string, unknown>,
    opts: {
      run?: StepRun;
      credentials?: AwsCredentials;
      account?: string;
      checkPolicy: boolean;
      signal?: Signal;
      region?: string;
      madeBy?: CallRecord['madeBy'];
    },
  ): Promise<AwsOutput> {
    opts.signal?.check();
    const record: CallRecord = {
      service,
      operation,
      input,
      account: opts.account ?? this.accountId,
      region: opts.region ?? this.region,
      outcome: 'ok',
    };
    if (opts.madeBy) record.madeBy = opts.madeBy;
    if (opts.run !== undefined) {
      record.step = opts.run.step.name;
      record.stepExecutionId = opts.run.id;
    }
    this.calls.push(record);
    try {
      if (opts.checkPolicy) this.policy.check(service, operation, input);
      if (service === 'ssm' && operation === 'GetAutomationExecution') {
        const target = this.env.registry.get(String(input.AutomationExecutionId));
        if (target) {
          record.answeredBy = 'engine';
          return { AutomationExecution: target.apiView() };
        }
      }
      return await this.env.invoker.call({
        service,
        operation,
        input,
        region: record.region,
        account: record.account,
        credentials: opts.credentials ?? this.credentials,
      });
    } catch (err) {
      record.outcome = 'error';
      record.errorCode = errorCode(err);
      record.errorMessage = errorMessage(err);
      throw err;
    }
  }

  /** sts AssumeRole as SSM does it for the automation (no policy check: the caller, not the role, calls it). */
  async assumeRole(
    roleArn: string,
    run?: StepRun,
    signal?: Signal,
    madeBy?: CallRecord['madeBy'],
  ): Promise<{ credentials: AwsCredentials; account: string }> {
    const parsed = parseRoleArn(roleArn);
    if (!parsed) throw new AwsServiceError('ValidationError', `${JSON.stringify(roleArn)} is not an IAM role ARN`, 'sts', 'AssumeRole');
    const out = await this.aws(
      'sts',
      'AssumeRole',
      { RoleArn: roleArn, RoleSessionName: this.executionId },
      { run, checkPolicy: false, account: parsed.account, credentials: this.parent?.credentials, signal, ...(madeBy ? { madeBy } : {}) },
    );
    const c = (out.Credentials ?? {}) as Record<string, unknown>;
    if (typeof c.AccessKeyId !== 'string' || typeof c.SecretAccessKey !== 'string')
      throw new AwsServiceError('InvalidResponse', `sts AssumeRole for ${roleArn} returned no credentials`, 'sts', 'AssumeRole');
    const credentials: AwsCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
    if (typeof c.SessionToken === 'string') credentials.sessionToken = c.SessionToken;
    if (typeof c.Expiration === 'string') credentials.expiration = new Date(c.Expiration);
    return { credentials, account: parsed.account };
  }

  /** Records a failed step: the first critical failure (or Abort) decides the final status. */
  noteFailure(run: StepRun, decisive: boolean): void {
    if (!decisive || this.failure) return;
    const verb = run.status === 'TimedOut' ? 'timed out' : 'failed';
    this.failure = {
      status: run.status === 'TimedOut' ? 'TimedOut' : 'Failed',
      message: `Step ${run.step.name} ${verb}: ${run.failureMessage ?? ''}`.trim(),
    };
  }

  /** The document outputs that resolved (typed), by `Step.Output` name. */
  outputValues(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const o of this.doc.outputs) {
      const step = this.outputs.get(o.step);
      if (step && Object.hasOwn(step, o.output)) out[o.name] = step[o.output];
    }
    return out;
  }

  /** GetAutomationExecution's AutomationExecution (without the local extras). */
  apiView(): Record<string, unknown> {
    const r = this.toRecord(false);
    const { Calls: _calls, ChildExecutions: _children, Account: _account, Region: _region, ...api } = r;
    return api;
  }

  toRecord(withChildren = true): ExecutionRecord {
    const parameters: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(this.params)) parameters[k] = stringListForm(v);
    const outputs: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(this.outputValues())) outputs[k] = stringListForm(v);
    const r: ExecutionRecord = {
      AutomationExecutionId: this.executionId,
      DocumentName: this.doc.name,
      AutomationExecutionStatus: this.status,
      ExecutionStartTime: new Date(this.start).toISOString(),
      Mode: 'Auto',
      Account: this.accountId,
      Region: this.region,
      Parameters: parameters,
      Outputs: outputs,
      StepExecutions: this.runs.map((run) => run.toRecord()),
      Calls: this.calls.map((c) => ({ ...c })),
      ChildExecutions: withChildren ? this.children.map((c) => c.toRecord()) : [],
    };
    if (this.end !== undefined) r.ExecutionEndTime = new Date(this.end).toISOString();
    if (this.parent) r.ParentAutomationExecutionId = this.parent.executionId;
    if (this.roleArn) r.AssumeRole = this.roleArn;
    if (this.failureMessage !== undefined) r.FailureMessage = this.failureMessage;
    return r;
  }
}
