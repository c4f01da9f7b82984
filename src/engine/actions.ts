import { type AwsCredentials, THROTTLING_CODES, errorCode } from '../aws/invoker';
import { scriptContext } from '../steprunner/context';
import { resolvedStepInput } from '../steprunner/step-input';
import { Interrupt, type Signal } from './clock';
import type { CompiledSequence, CompiledStep } from './compile';
import { evaluateCondition } from './conditions';
import { parseDuration, parseTimestamp } from './duration';
import { StepError } from './errors';
import { type Execution, type StepRun, awsFailureMessage } from './execution';
import type { ExecutionFacts } from '../model/handlers';
import type { ParentStepDetails } from './record';
import { NO_MATCH } from './selector';
import { stringForm } from './values';

/** How a sequence of steps (the main steps or a loop body) ended. */
export type Flow =
  | { kind: 'done' }
  | { kind: 'end' }
  | { kind: 'abort'; run: StepRun }
  | { kind: 'jump'; target: string }
  | { kind: 'cancelled'; target?: string };

export interface StepContext {
  exec: Execution;
  step: CompiledStep;
  run: StepRun;
  signal: Signal;
  inputs: Record<string, unknown>;
  runBody(body: CompiledSequence, parent: ParentStepDetails): Promise<Flow>;
  runChild(documentName: string, parameters: Record<string, unknown>, signal: Signal): Promise<Execution>;
}

export interface ActionResult {
  /** What the step's declared Selector outputs select from. */
  response?: unknown;
  /** Outputs the action itself defines (ApprovalStatus, CurrentIteration, ...). */
  outputs?: Record<string, unknown>;
  /** aws:branch's choice, or a target outside a loop that its body jumped to. */
  jump?: string;
  /** The automation ends after this step (isEnd reached inside a loop body). */
  end?: boolean;
}

/** A step inside a loop failed with onFailure Abort: the loop inherits it and the automation stops. */
export class NestedAbort extends Error {
  constructor(readonly run: StepRun) {
    super(`step ${run.step.name} in the loop ${run.status === 'TimedOut' ? 'timed out' : 'failed'}: ${run.failureMessage ?? ''}`);
    this.name = 'NestedAbort';
  }
}

export type ActionRunner = (ctx: StepContext) => Promise<ActionResult>;

function apiParams(inputs: Record<string, unknown>, drop: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const k of Object.keys(inputs)) if (!drop.includes(k)) params[k] = inputs[k];
  return params;
}

async function callApi(ctx: StepContext, drop: readonly string[]): Promise<unknown> {
  const service = String(ctx.inputs.Service);
  const api = String(ctx.inputs.Api);
  try {
    return await ctx.exec.aws(service, api, apiParams(ctx.inputs, drop), { run: ctx.run, checkPolicy: true, signal: ctx.signal });
  } catch (err) {
    if (err instanceof Interrupt) throw err;
    throw new StepError(awsFailureMessage(err, api), errorCode(err));
  }
}

const API_KEYS = ['Service', 'Api'] as const;
const PROPERTY_KEYS = ['Service', 'Api', 'PropertySelector', 'DesiredValues'] as const;

/** A property value as DesiredValues spell it: booleans True/False, the rest as strings. */
function desiredForm(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return stringForm(value);
}

function propertyMatches(ctx: StepContext, response: unknown): { ok: boolean; actual: unknown } {
  const selected = ctx.step.propertySelector?.select(response) ?? NO_MATCH;
  if (selected === NO_MATCH) return { ok: false, actual: undefined };
  const desired = (ctx.inputs.DesiredValues as unknown[]).map((d) => desiredForm(d));
  const values = Array.isArray(selected) && ctx.step.propertySelector?.multi ? selected : [selected];
  const ok = values.length > 0 && values.every((v) => desired.includes(desiredForm(v)));
  return { ok, actual: selected };
}

function mismatch(ctx: StepContext, actual: unknown): string {
  const shown = actual === undefined ? 'nothing' : JSON.stringify(actual);
  return `${ctx.step.propertySelector?.path} selected ${shown}, not one of the desired values ${JSON.stringify(ctx.inputs.DesiredValues)}`;
}

const executeAwsApi: ActionRunner = async (ctx) => ({ response: await callApi(ctx, API_KEYS) });

const assertAwsResourceProperty: ActionRunner = async (ctx) => {
  const response = await callApi(ctx, PROPERTY_KEYS);
  const { ok, actual } = propertyMatches(ctx, response);
  if (!ok) throw new StepError(`Assertion failed: ${mismatch(ctx, actual)}`, 'AssertionFailed');
  return {};
};

const waitForAwsResourceProperty: ActionRunner = async (ctx) => {
  for (;;) {
    try {
      const response = await callApi(ctx, PROPERTY_KEYS);
      if (propertyMatches(ctx, response).ok) return {};
    } catch (err) {
      // throttling while polling is waited out; any other error fails the step
      if (!(err instanceof StepError && THROTTLING_CODES.has(err.code))) throw err;
    }
    await ctx.exec.env.clock.sleep(ctx.exec.env.pollIntervalMs, ctx.signal);
  }
};

const branch: ActionRunner = async (ctx) => {
  const choices = ctx.inputs.Choices as Array<Record<string, unknown>>;
  for (const choice of choices) if (evaluateCondition(choice)) return { jump: String(choice.NextStep) };
  if (typeof ctx.inputs.Default === 'string') return { jump: ctx.inputs.Default };
  // no choice holds and no Default: the next step in order (or the end, if isEnd)
  return {};
};

const MAX_SLEEP_MS = 604800 * 1000;

const sleep: ActionRunner = async (ctx) => {
  const clock = ctx.exec.env.clock;
  let ms: number | undefined;
  if (ctx.inputs.Duration !== undefined) {
    ms = parseDuration(String(ctx.inputs.Duration));
    if (ms === undefined)
      throw new StepError(`Duration ${JSON.stringify(ctx.inputs.Duration)} is not an ISO 8601 duration (e.g. PT10M)`, 'InvalidInput');
  } else {
    const at = parseTimestamp(String(ctx.inputs.Timestamp));
    if (at === undefined)
      throw new StepError(`Timestamp ${JSON.stringify(ctx.inputs.Timestamp)} is not an ISO 8601 timestamp`, 'InvalidInput');
    ms = Math.max(0, at - clock.now());
  }
  if (ms > MAX_SLEEP_MS) throw new StepError('aws:sleep delays at most 604800 seconds (7 days)', 'InvalidInput');
  await clock.sleep(ms, ctx.signal);
  return {};
};

/** Waits on the signal only: resolved by nobody, it ends by the step's timeout (or a cancel). */
function waitForever(signal: Signal): Promise<never> {
  return new Promise((_, reject) => signal.onAbort(reject));
}

const approve: ActionRunner = async (ctx) => {
  const decision = ctx.exec.env.approval;
  if (!decision) {
    if (ctx.exec.env.undecided === 'fail')
      throw new StepError('aws:approve is waiting for a decision: run with --approve or --reject', 'ApprovalRequired');
    return waitForever(ctx.signal);
  }
  const approved = decision === 'approve';
  const outputs = {
    ApprovalStatus: approved ? 'Approved' : 'Rejected',
    ApproverDecisions: [{ Approver: 'local', Decision: approved ? 'Approve' : 'Reject' }],
  };
  if (!approved) {
    ctx.run.outputs = outputs;
    throw new StepError('The step was rejected by an approver', 'Rejected');
  }
  return { outputs };
};

const pause: ActionRunner = async (ctx) => {
  if (ctx.exec.env.resumePauses) return {};
  if (ctx.exec.env.undecided === 'fail') throw new StepError('aws:pause is waiting to be resumed: run with --resume', 'ResumeRequired');
  return waitForever(ctx.signal);
};

const VARIABLE_CHECK: Record<string, (v: unknown) => boolean> = {
  String: (v) => typeof v === 'string',
  Integer: (v) => typeof v === 'number' && Number.isInteger(v),
  Boolean: (v) => typeof v === 'boolean',
  StringList: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  StringMap: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  MapList: (v) => Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x)),
};

const updateVariable: ActionRunner = async (ctx) => {
  const name = String(ctx.inputs.Name).slice('variable:'.length);
  const type = ctx.exec.doc.document.variables?.[name]?.type ?? 'String';
  const value = ctx.inputs.Value;
  if (!VARIABLE_CHECK[type](value))
    throw new StepError(
      `variable ${name} is a ${type}; ${JSON.stringify(value)} is not (aws:updateVariable converts no types)`,
      'InvalidInput',
    );
  ctx.exec.variables[name] = value;
  return {};
};

const executeAutomation: ActionRunner = async (ctx) => {
  const name = String(ctx.inputs.DocumentName);
  const params = (ctx.inputs.RuntimeParameters ?? {}) as Record<string, unknown>;
  const child = await ctx.runChild(name, params, ctx.signal);
  const outputs = {
    ExecutionId: child.executionId,
    Status: child.status,
    Output: Object.values(child.outputValues()).map((v) => stringForm(v)),
  };
  if (child.status !== 'Success') {
    ctx.run.outputs = outputs;
    throw new StepError(
      `automation ${child.executionId} (${name}) ended ${child.status}${child.failureMessage ? `: ${child.failureMessage}` : ''}`,
      'ChildFailed',
    );
  }
  return { outputs, response: outputs };
};

const MAX_PAYLOAD_BYTES = 200 * 1024;

async function runScript(ctx: StepContext): Promise<ActionResult> {
  const { exec, step, signal } = ctx;
  const payload = (ctx.inputs.InputPayload ?? (typeof ctx.inputs.Payload === 'string' ? JSON.parse(ctx.inputs.Payload) : {})) as Record<
    string,
    unknown
  >;
  const record = { service: 'lambda', operation: 'Invoke' };
  const invoke = { FunctionName: ctx.inputs.FunctionName, Payload: payload };
  // SSM invokes the step runner with the automation's role: that call is checked and recorded
  exec.calls.push({
    ...record,
    input: invoke,
    account: exec.accountId,
    region: exec.region,
    step: step.name,
    stepExecutionId: ctx.run.id,
    outcome: 'ok',
    answeredBy: 'step-runner',
  });
  const call = exec.calls[exec.calls.length - 1];
  try {
    exec.policy.check('lambda', 'Invoke');
  } catch (err) {
    call.outcome = 'error';
    call.errorCode = errorCode(err);
    call.errorMessage = (err as Error).message;
    throw new StepError((err as Error).message, 'AccessDenied');
  }
  const handlerId = String(payload.handler ?? '');
  const handler = exec.env.handlers.get(handlerId);
  if (!handler) {
    call.outcome = 'error';
    call.errorCode = 'FunctionError';
    throw new StepError(`FunctionError: the step runner has no handler "${handlerId}"`, 'FunctionError');
  }
  // what the step runner does before the handler (src/steprunner/lambda.ts), so that Calls holds
  // every call AWS would see: it reads the execution with its own role (answered here by the
  // engine), then assumes the role it is given, once per execution while it stays warm
  const executionId = typeof payload.executionId === 'string' ? payload.executionId : exec.executionId;
  let facts: ExecutionFacts | undefined;
  let input: unknown = payload.input;
  if (typeof payload.executionId === 'string') {
    const record = await exec.aws(
      'ssm',
      'GetAutomationExecution',
      { AutomationExecutionId: executionId },
      { run: ctx.run, checkPolicy: false, signal, credentials: exec.parent?.credentials, madeBy: 'step-runner' },
    );
    const view = (record.AutomationExecution ?? {}) as { DocumentName?: unknown; Parameters?: unknown };
    facts = {
      document: typeof view.DocumentName === 'string' ? view.DocumentName : exec.doc.name,
      parameters: (view.Parameters as Record<string, string[]> | undefined) ?? {},
      step: step.name,
      record,
    };
    // the handler's input is the one SSM resolved for this step (as the Lambda takes it), never the payload's
    try {
      input = resolvedStepInput(record, { handler: handlerId, executionId, input: payload.input as Record<string, unknown> }, step.name);
    } catch (err) {
      call.outcome = 'error';
      call.errorCode = 'FunctionError';
      call.errorMessage = (err as Error).message;
      throw new StepError(`FunctionError: ${call.errorMessage}`, 'FunctionError');
    }
  }
  let credentials: AwsCredentials | undefined = exec.credentials;
  let account = exec.accountId;
  const roleArn = typeof payload.roleArn === 'string' ? payload.roleArn : undefined;
  if (roleArn) {
    let session = exec.runnerSessions.get(roleArn);
    if (!session) {
      session = exec.assumeRole(roleArn, ctx.run, signal, 'step-runner');
      exec.runnerSessions.set(roleArn, session);
      session.catch(() => exec.runnerSessions.delete(roleArn));
    }
    try {
      ({ credentials, account } = await session);
    } catch (err) {
      if (err instanceof Interrupt) throw err;
      throw new StepError(`FunctionError: the step runner could not assume ${roleArn}: ${(err as Error).message}`, 'FunctionError');
    }
  }
  // the step runner Lambda's context, its calls going through the execution (recorded, policy-checked, interruptible)
  const scriptCtx = scriptContext({
    invoker: {
      call: (c) =>
        exec.aws(c.service, c.operation, c.input, {
          run: ctx.run,
          credentials: c.credentials,
          account: c.account,
          // a call in another principal's session (a privileged root session) is not the role's to allow
          checkPolicy: c.credentials === credentials,
          signal,
          region: c.region,
        }),
    },
    ...(credentials ? { credentials } : {}),
    region: exec.region,
    account,
    partition: exec.partition,
    executionId,
    ...(facts ? { execution: facts } : {}),
    now: () => new Date(exec.env.clock.now()),
    sleep: (ms) => exec.env.clock.sleep(ms, signal),
  });
  let result: unknown;
  try {
    result = await handler.run(input, scriptCtx);
  } catch (err) {
    if (err instanceof Interrupt) throw err;
    call.outcome = 'error';
    call.errorCode = 'FunctionError';
    call.errorMessage = (err as Error)?.message ?? String(err);
    throw new StepError(`FunctionError (${handlerId}): ${call.errorMessage}`, 'FunctionError');
  }
  // what crosses the Lambda boundary is JSON
  const text = JSON.stringify(result ?? null);
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES)
    throw new StepError(`FunctionError (${handlerId}): the payload is over 200 KB`, 'FunctionError');
  const response = { StatusCode: 200, Payload: JSON.parse(text) as unknown };
  return { response, outputs: { StatusCode: 200, Payload: response.Payload } };
}

const invokeLambdaFunction: ActionRunner = async (ctx) => {
  if (ctx.step.isScript) return runScript(ctx);
  const params = apiParams(ctx.inputs, ['InputPayload']);
  if (ctx.inputs.InputPayload !== undefined) params.Payload = JSON.stringify(ctx.inputs.InputPayload);
  let out: Record<string, unknown>;
  try {
    out = await ctx.exec.aws('lambda', 'Invoke', params, { run: ctx.run, checkPolicy: true, signal: ctx.signal });
  } catch (err) {
    if (err instanceof Interrupt) throw err;
    throw new StepError(awsFailureMessage(err, 'Invoke'), errorCode(err));
  }
  let payload: unknown = out.Payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      // not JSON: kept as text
    }
  }
  const response: Record<string, unknown> = { ...out, Payload: payload };
  const outputs: Record<string, unknown> = {};
  for (const k of ['StatusCode', 'FunctionError', 'LogResult', 'ExecutedVersion', 'Payload'])
    if (response[k] !== undefined) outputs[k] = response[k];
  if (out.FunctionError) {
    ctx.run.outputs = outputs;
    throw new StepError(`FunctionError (${String(out.FunctionError)}): ${stringForm(payload)}`, 'FunctionError');
  }
  return { response, outputs };
};

const loop: ActionRunner = async (ctx) => {
  const { step, exec } = ctx;
  const body = step.body as CompiledSequence;
  const max = ctx.inputs.MaxIterations === undefined ? 100 : Number(ctx.inputs.MaxIterations);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new StepError('MaxIterations must be an integer from 1 to 100', 'InvalidInput');
  let items: unknown[] | undefined;
  if (ctx.inputs.Iterators !== undefined) {
    const it = ctx.inputs.Iterators;
    items = Array.isArray(it) ? it : typeof it === 'string' ? [it] : undefined;
    if (!items) throw new StepError(`Iterators ${JSON.stringify(it)} is not a list`, 'InvalidInput');
    if (items.length > 100) throw new StepError(`Iterators has ${items.length} items; aws:loop iterates at most 100`, 'InvalidInput');
  }
  const count = items ? Math.min(items.length, max) : max;
  let outputs: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const value = items ? items[i] : undefined;
    outputs = { CurrentIteration: i + 1 };
    if (items) outputs.CurrentIteratorValue = value;
    exec.outputs.set(step.name, outputs);
    const parent = { StepExecutionId: ctx.run.id, StepName: step.name, Action: step.action, Iteration: i + 1 } as ParentStepDetails;
    if (items) parent.IteratorValue = stringForm(value);
    const flow = await ctx.runBody(body, parent);
    if (flow.kind === 'abort') throw new NestedAbort(flow.run);
    if (flow.kind === 'cancelled') throw ctx.signal.reason ?? new Interrupt('Cancelled', 'The automation was cancelled');
    if (flow.kind === 'end') return { outputs, end: true };
    if (flow.kind === 'jump') return { outputs, jump: flow.target };
    if (step.loopCondition && !evaluateCondition(step.loopCondition(exec))) break;
  }
  return { outputs };
};

const unsupported: ActionRunner = async (ctx) => {
  throw new StepError(`${ctx.step.action} is not supported by the local engine`, 'UnsupportedAction');
};

const RUNNERS: Readonly<Record<string, ActionRunner>> = {
  'aws:executeAwsApi': executeAwsApi,
  'aws:assertAwsResourceProperty': assertAwsResourceProperty,
  'aws:waitForAwsResourceProperty': waitForAwsResourceProperty,
  'aws:branch': branch,
  'aws:sleep': sleep,
  'aws:approve': approve,
  'aws:pause': pause,
  'aws:updateVariable': updateVariable,
  'aws:executeAutomation': executeAutomation,
  'aws:invokeLambdaFunction': invokeLambdaFunction,
  'aws:loop': loop,
};

export function runnerFor(action: string): ActionRunner {
  return RUNNERS[action] ?? unsupported;
}
