import { errorMessage } from '../aws/invoker';
import type { Invoker } from '../aws/invoker';
import { PolicyCheck, type PolicyDocument } from '../aws/policy-check';
import type { AutomationDocument } from '../model/document';
import type { AnyHandler } from '../model/handlers';
import { type ActionResult, type Flow, NestedAbort, type StepContext, runnerFor } from './actions';
import { type Clock, Interrupt, RealClock, Signal } from './clock';
import { type CompiledSequence, type CompiledStep, compileDocument } from './compile';
import { EngineInputError, StepError } from './errors';
import { Execution, type ExecutionEnv, StepRun, parseRoleArn } from './execution';
import { checkParameters } from './parameters';
import type { ExecutionRecord, ExecutionStatus, ParentStepDetails } from './record';
import { NO_MATCH } from './selector';
import { coerceToType, stringForm } from './values';

/**
 * The local automation engine: runs an SSM Automation document (schemaVersion 0.3, the compiled
 * wire form) with SSM's semantics. Flow: parameters are checked before anything runs; the
 * document's assumeRole is assumed through sts; steps run in order unless nextStep, aws:branch,
 * onFailure step:X, onCancel step:X or isEnd say otherwise. Each step gets maxAttempts attempts
 * (exponential backoff between them) and timeoutSeconds per attempt. The automation ends Failed
 * (or TimedOut) when a critical step failed, even if the flow went on to a handler step; Success
 * otherwise; Cancelled when cancelled.
 */

/** A document to run, with the policy its calls are checked against. */
export interface RunnableDocument {
  name: string;
  document: AutomationDocument;
  /** The runbook's IAM policy. Absent: the actions the document's own steps call. */
  policy?: PolicyDocument;
  /** Script handlers the document's steps run (merged into the engine's). */
  handlers?: readonly AnyHandler[];
}

/** Finds a child document for aws:executeAutomation by name. */
export type DocumentResolver = (name: string) => RunnableDocument | undefined;

/** Cancels a running automation, as StopAutomationExecution does. */
export class AutomationController {
  readonly signal = new Signal();
  cancel(): void {
    this.signal.abort(new Interrupt('Cancelled', 'The automation was cancelled'));
  }
}

export interface RunOptions {
  invoker: Invoker;
  clock?: Clock;
  /** Default: AWS_REGION, else us-east-1. */
  region?: string;
  /** The account when the document has no assumeRole (else it comes from the role ARN). */
  account?: string;
  handlers?: ReadonlyMap<string, AnyHandler> | readonly AnyHandler[];
  documents?: DocumentResolver;
  /** The decision for every aws:approve step. */
  approval?: 'approve' | 'reject';
  /** Resume every aws:pause step at once. */
  resumePauses?: boolean;
  /** Without a decision, aws:approve / aws:pause wait until their timeout ('wait', the default) or fail at once ('fail'). */
  undecided?: 'wait' | 'fail';
  /** Interval between aws:waitForAwsResourceProperty polls (default 5 s). */
  pollIntervalSeconds?: number;
  /** First delay between attempts of a step; doubles each attempt (default 1 s), capped (default 60 s). */
  retryBaseDelaySeconds?: number;
  retryMaxDelaySeconds?: number;
  controller?: AutomationController;
  /** Run under this execution id (a UUID) instead of a new one, e.g. the id a start call returned. */
  executionId?: string;
}

export interface AutomationResult {
  executionId: string;
  status: ExecutionStatus;
  /** The document outputs that resolved, typed, by `Step.Output`. */
  outputs: Record<string, unknown>;
  /** The GetAutomationExecution-shaped record, with Calls and ChildExecutions. */
  record: ExecutionRecord;
}

/** Steps one execution may run at most (a guard against a jump cycle the document did not rule out). */
const MAX_STEP_RUNS = 10000;
/** How long the onCancel workflow may run, as SSM documents it. */
const CANCEL_WORKFLOW_MS = 2 * 60 * 1000;

interface Runtime {
  env: ExecutionEnv;
  documents: DocumentResolver | undefined;
}

function handlerMap(list: RunOptions['handlers'], extra: readonly AnyHandler[] = []): Map<string, AnyHandler> {
  const map = new Map<string, AnyHandler>();
  if (list) {
    if (list instanceof Map) for (const [k, v] of list) map.set(k, v);
    else for (const h of list as readonly AnyHandler[]) map.set(h.id, h);
  }
  for (const h of extra) map.set(h.id, h);
  return map;
}

function policyFor(doc: RunnableDocument, ownActions: Set<string>): PolicyCheck {
  return doc.policy ? new PolicyCheck(doc.policy, doc.name) : PolicyCheck.ofActions(ownActions, doc.name);
}

function failureText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class ExecutionState {
  /** The signal steps listen to for cancellation (replaced while the onCancel workflow runs). */
  activeCancel: Signal;
  inCancelWorkflow = false;
  stepRuns = 0;
  constructor(
    readonly exec: Execution,
    readonly cancellable: boolean,
  ) {
    this.activeCancel = exec.cancel;
  }
}

function backoffMs(env: ExecutionEnv, attempt: number): number {
  return Math.min(env.retryBaseDelayMs * 2 ** (attempt - 1), env.retryMaxDelayMs);
}

function applyOutputs(exec: Execution, step: CompiledStep, run: StepRun, result: ActionResult): void {
  let outs: Record<string, unknown> | undefined = result.outputs;
  if (step.outputs.length && result.response !== undefined) {
    outs = outs ? { ...outs } : {};
    for (const o of step.outputs) {
      let v = o.selector.select(result.response);
      if (v === NO_MATCH) continue;
      if (o.selector.multi && o.type !== 'StringList' && o.type !== 'MapList') v = (v as unknown[])[0];
      try {
        outs[o.name] = coerceToType(v, o.type);
      } catch (err) {
        throw new StepError(`output ${o.name} (${o.selector.path}): ${failureText(err)}`, 'InvalidOutput');
      }
    }
  }
  if (outs && Object.keys(outs).length) {
    run.outputs = outs;
    exec.outputs.set(step.name, outs);
  }
}

async function attemptStep(rt: Runtime, state: ExecutionState, step: CompiledStep, run: StepRun): Promise<ActionResult> {
  const exec = state.exec;
  const inputs = step.inputs(exec) as Record<string, unknown>;
  run.inputs = inputs;
  const signal = new Signal();
  const ctx: StepContext = {
    exec,
    step,
    run,
    signal,
    inputs,
    runBody: (body, parent) => runSequence(rt, state, body, parent),
    runChild: (name, params, sig) => runChild(rt, exec, name, params, sig),
  };
  const runner = runnerFor(step.action);
  if (step.timeoutMs === undefined && !state.cancellable) return runner(ctx);
  const offCancel = state.activeCancel.onAbort((reason) => signal.abort(reason));
  let timer: Signal | undefined;
  if (step.timeoutMs !== undefined) {
    const seconds = step.timeoutMs / 1000;
    timer = new Signal();
    rt.env.clock.sleep(step.timeoutMs, timer).then(
      () => signal.abort(new Interrupt('TimedOut', `Step timed out after ${seconds} seconds (timeoutSeconds)`)),
      () => {},
    );
  }
  try {
    return await new Promise<ActionResult>((resolve, reject) => {
      const off = signal.onAbort(reject);
      runner(ctx).then(
        (v) => {
          off();
          resolve(v);
        },
        (e) => {
          off();
          reject(e);
        },
      );
    });
  } finally {
    offCancel();
    timer?.abort(new Interrupt('Cancelled', 'timer cleared'));
  }
}

interface StepOutcome {
  run: StepRun;
  end?: boolean;
  nestedAbort?: boolean;
}

async function executeStep(rt: Runtime, state: ExecutionState, step: CompiledStep, parent?: ParentStepDetails): Promise<StepOutcome> {
  const exec = state.exec;
  const clock = rt.env.clock;
  const run = new StepRun(step, clock.now(), parent);
  exec.runs.push(run);
  const outcome: StepOutcome = { run };
  for (let attempt = 1; ; attempt++) {
    run.attempts = attempt;
    try {
      const result = await attemptStep(rt, state, step, run);
      applyOutputs(exec, step, run, result);
      run.status = 'Success';
      run.failureMessage = undefined;
      run.jump = result.jump;
      outcome.end = result.end;
      break;
    } catch (err) {
      if (err instanceof NestedAbort) {
        run.status = err.run.status === 'TimedOut' ? 'TimedOut' : 'Failed';
        run.failureMessage = err.message;
        outcome.nestedAbort = true;
        break;
      }
      if (err instanceof Interrupt && err.kind === 'Cancelled') {
        run.status = 'Cancelled';
        run.failureMessage = err.message;
        break;
      }
      run.failureMessage = failureText(err);
      if (attempt < step.maxAttempts) {
        try {
          await clock.sleep(backoffMs(rt.env, attempt), state.activeCancel);
          continue;
        } catch {
          run.status = 'Cancelled';
          break;
        }
      }
      run.status = err instanceof Interrupt ? 'TimedOut' : 'Failed';
      break;
    }
  }
  run.end = clock.now();
  return outcome;
}

async function runSequence(rt: Runtime, state: ExecutionState, seq: CompiledSequence, parent?: ParentStepDetails, from = 0): Promise<Flow> {
  const exec = state.exec;
  let i = from;
  while (i < seq.steps.length) {
    if (state.activeCancel.aborted) return { kind: 'cancelled' };
    if (++state.stepRuns > MAX_STEP_RUNS) {
      exec.failure ??= { status: 'Failed', message: `The automation ran more than ${MAX_STEP_RUNS} steps: a jump cycle never ends` };
      return { kind: 'end' };
    }
    const step = seq.steps[i];
    const { run, end, nestedAbort } = await executeStep(rt, state, step, parent);
    let target: string | undefined;
    if (run.status === 'Success') {
      if (end) return { kind: 'end' };
      if (run.jump !== undefined) target = run.jump;
      else if (step.isEnd) return { kind: 'end' };
      else target = step.nextStep;
    } else if (run.status === 'Cancelled') {
      return step.onCancel.kind === 'Step' ? { kind: 'cancelled', target: step.onCancel.target } : { kind: 'cancelled' };
    } else {
      const abort = nestedAbort === true || step.onFailure.kind === 'Abort';
      exec.noteFailure(run, step.isCritical || abort);
      if (abort) return { kind: 'abort', run };
      if (step.isEnd) return { kind: 'end' };
      if (step.onFailure.kind === 'Step') target = step.onFailure.target;
    }
    if (target === undefined) {
      i++;
      continue;
    }
    const j = seq.index.get(target);
    if (j === undefined) return { kind: 'jump', target };
    i = j;
  }
  return { kind: 'done' };
}

async function runCancelWorkflow(rt: Runtime, state: ExecutionState, target: string): Promise<void> {
  const from = state.exec.doc.main.index.get(target);
  if (from === undefined) return;
  state.inCancelWorkflow = true;
  const bound = new Signal();
  state.activeCancel = bound;
  const timer = new Signal();
  rt.env.clock.sleep(CANCEL_WORKFLOW_MS, timer).then(
    () => bound.abort(new Interrupt('Cancelled', 'The onCancel workflow ran out of its two minutes')),
    () => {},
  );
  try {
    await runSequence(rt, state, state.exec.doc.main, undefined, from);
  } finally {
    timer.abort(new Interrupt('Cancelled', 'timer cleared'));
  }
}

async function callerAccount(exec: Execution): Promise<string> {
  const out = await exec.aws('sts', 'GetCallerIdentity', {}, { checkPolicy: false });
  if (typeof out.Account !== 'string') throw new Error('sts GetCallerIdentity returned no Account');
  return out.Account;
}

async function runExecution(rt: Runtime, exec: Execution, account: string | undefined, cancellable: boolean): Promise<void> {
  const state = new ExecutionState(exec, cancellable);
  let role = '';
  try {
    role = exec.doc.assumeRole ? stringForm(exec.doc.assumeRole(exec)) : '';
    if (role) {
      exec.roleArn = role;
      const assumed = await exec.assumeRole(role, undefined, exec.cancel);
      exec.credentials = assumed.credentials;
      exec.accountId = assumed.account;
      exec.partition = parseRoleArn(role)?.partition ?? exec.partition;
    } else {
      exec.credentials = exec.parent?.credentials;
      exec.accountId = account ?? exec.parent?.accountId ?? (await callerAccount(exec));
    }
  } catch (err) {
    exec.status = err instanceof Interrupt && err.kind === 'Cancelled' ? 'Cancelled' : 'Failed';
    exec.failureMessage = role
      ? `The automation could not assume its role ${role}: ${errorMessage(err)}`
      : `The automation could not start: ${errorMessage(err)}`;
    exec.end = rt.env.clock.now();
    return;
  }
  const flow = await runSequence(rt, state, exec.doc.main);
  if (flow.kind === 'cancelled') {
    if (flow.target !== undefined && !state.inCancelWorkflow) await runCancelWorkflow(rt, state, flow.target);
    exec.status = 'Cancelled';
    exec.failureMessage = 'The automation was cancelled';
  } else if (exec.failure) {
    exec.status = exec.failure.status;
    exec.failureMessage = exec.failure.message;
  } else {
    exec.status = 'Success';
  }
  exec.end = rt.env.clock.now();
}

async function runChild(rt: Runtime, parent: Execution, name: string, given: Record<string, unknown>, signal: Signal): Promise<Execution> {
  const doc = rt.documents?.(name);
  if (!doc)
    throw new StepError(
      `document ${name} is not in the build (aws:executeAutomation runs child documents from the build)`,
      'UnknownDocument',
    );
  let child: Execution;
  try {
    const compiled = compileDocument(doc.document, doc.name);
    const params = checkParameters(compiled.document.parameters, given);
    child = new Execution(rt.env, compiled, params, policyFor(doc, compiled.ownActions), signal, parent);
  } catch (err) {
    if (err instanceof EngineInputError) throw new StepError(`cannot start ${name}: ${err.message}`, err.code);
    throw err;
  }
  parent.children.push(child);
  const env = rt.env as unknown as { handlers: Map<string, AnyHandler> };
  for (const h of doc.handlers ?? []) if (!env.handlers.has(h.id)) env.handlers.set(h.id, h);
  await runExecution(rt, child, parent.accountId, true);
  return child;
}

/**
 * Runs one automation to its end. Throws EngineInputError, before any step runs, when the
 * document cannot run (InvalidDocument) or a parameter is wrong (InvalidParameter).
 */
export async function runAutomation(
  doc: RunnableDocument,
  parameters: Record<string, unknown>,
  options: RunOptions,
): Promise<AutomationResult> {
  const compiled = compileDocument(doc.document, doc.name);
  const params = checkParameters(compiled.document.parameters, parameters);
  const env: ExecutionEnv = {
    invoker: options.invoker,
    clock: options.clock ?? new RealClock(),
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    handlers: handlerMap(options.handlers, doc.handlers),
    registry: new Map(),
    approval: options.approval,
    resumePauses: options.resumePauses ?? false,
    undecided: options.undecided ?? 'wait',
    pollIntervalMs: (options.pollIntervalSeconds ?? 5) * 1000,
    retryBaseDelayMs: (options.retryBaseDelaySeconds ?? 1) * 1000,
    retryMaxDelayMs: (options.retryMaxDelaySeconds ?? 60) * 1000,
  };
  const cancel = options.controller?.signal ?? new Signal();
  const exec = new Execution(env, compiled, params, policyFor(doc, compiled.ownActions), cancel, undefined, options.executionId);
  await runExecution({ env, documents: options.documents }, exec, options.account, options.controller !== undefined);
  return { executionId: exec.executionId, status: exec.status, outputs: exec.outputValues(), record: exec.toRecord() };
}
