import { SdkInvoker } from '../aws/sdk-invoker';
import type { AwsCredentials, AwsOutput, Invoker } from '../aws/invoker';
import { RUNBOOKS } from '../../runbooks';
import { runbookHandlers } from '../compiler/compile';
import type { AnyHandler, ExecutionFacts } from '../model/handlers';
import { runbookRoleName } from '../findings/naming';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { scriptContext } from './context';
import { shippedSteps } from './shipped';
import { StepRunnerRefusal, isRecord, resolvedStepInput, type StepRunnerEvent } from './step-input';
import { type StepHandlers, handlerIdsOf } from './steps';

export { StepRunnerRefusal, resolvedStepInput, type StepRunnerEvent } from './step-input';
export { type StepHandlers, stepHandlersOf } from './steps';

/**
 * The step runner: one Node.js Lambda per member account and Region that runs every script
 * handler. Anyone allowed to invoke it (every runbook role is) can send it a payload, so the
 * payload is only a claim: before acting, the runner reads the execution it names with its own
 * role (ssm:GetAutomationExecution) and acts only when that execution is in progress, runs a hubfix
 * document as exactly that document's runbook role, and is at the step whose handler is asked for.
 * The facts the handler acts on (document, parameters, and its input: the step's resolved Inputs)
 * come from that record; a payload whose input differs is refused. Then it assumes the
 * role, with the session named after the execution, so CloudTrail shows which execution did what.
 */

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);

/** Where the runner runs: its account and partition (from its own function ARN). */
export interface RunnerHome {
  account: string;
  partition: string;
}

/**
 * The payload's shape, before anything is called. The role must be exactly one of the runbook
 * roles (`role/hubfix-<runbook>`, no path) of the runner's own account and partition.
 */
export function parseEvent(
  event: unknown,
  handlerIds: ReadonlySet<string>,
  home: RunnerHome,
  roleNames: ReadonlySet<string>,
): StepRunnerEvent & { roleName: string } {
  const e = (event ?? {}) as Partial<StepRunnerEvent>;
  if (typeof e.handler !== 'string' || !handlerIds.has(e.handler))
    throw new StepRunnerRefusal(`unknown script handler ${JSON.stringify(e.handler)}`);
  if (typeof e.roleArn !== 'string') throw new StepRunnerRefusal('roleArn must be an IAM role ARN');
  const m = /^arn:([a-z-]+):iam::(\d{12}):role\/([\w+=,.@-]{1,64})$/.exec(e.roleArn);
  if (!m) throw new StepRunnerRefusal('roleArn must be an IAM role ARN without a path');
  if (m[1] !== home.partition || m[2] !== home.account)
    throw new StepRunnerRefusal(`roleArn must be a role of this account (arn:${home.partition}:iam::${home.account}:role/…)`);
  if (!roleNames.has(m[3])) throw new StepRunnerRefusal(`roleArn must name a hubfix runbook role exactly (not ${m[3]})`);
  if (typeof e.executionId !== 'string' || !EXECUTION_ID.test(e.executionId))
    throw new StepRunnerRefusal('executionId must be an automation execution id');
  if (e.input === null || typeof e.input !== 'object' || Array.isArray(e.input)) throw new StepRunnerRefusal('input must be an object');
  return {
    handler: e.handler,
    roleArn: e.roleArn,
    roleName: m[3],
    executionId: e.executionId,
    input: e.input,
  };
}

/**
 * Checks the execution record against the payload, pure. Returns the facts the handler may rely
 * on, or throws a refusal saying which claim the record does not bear out.
 */
export function confirmExecution(response: unknown, e: StepRunnerEvent & { roleName: string }, steps: StepHandlers): ExecutionFacts {
  const x = isRecord(response) && isRecord(response.AutomationExecution) ? response.AutomationExecution : {};
  const id = x.AutomationExecutionId;
  if (id !== e.executionId) throw new StepRunnerRefusal(`execution ${e.executionId}: SSM returned no such execution`);
  if (x.AutomationExecutionStatus !== 'InProgress')
    throw new StepRunnerRefusal(`execution ${e.executionId} is ${String(x.AutomationExecutionStatus)}, not InProgress`);
  const document = typeof x.DocumentName === 'string' ? x.DocumentName : '';
  const handlers = steps.get(document);
  if (!handlers) throw new StepRunnerRefusal(`execution ${e.executionId} runs ${document || 'no document'}, not a hubfix runbook`);
  const parameters: Record<string, string[]> = {};
  if (isRecord(x.Parameters))
    for (const [k, v] of Object.entries(x.Parameters)) if (Array.isArray(v)) parameters[k] = v.map((s) => String(s));
  const role = parameters.AutomationAssumeRole?.[0];
  if (role !== e.roleArn) throw new StepRunnerRefusal(`execution ${e.executionId} runs as ${role ?? 'no role'}, not ${e.roleArn}`);
  let expected: string;
  try {
    expected = runbookRoleName(document);
  } catch {
    expected = '';
  }
  if (e.roleName !== expected) throw new StepRunnerRefusal(`${e.roleArn} is not the runbook role of ${document} (${expected})`);
  const step = typeof x.CurrentStepName === 'string' ? x.CurrentStepName : '';
  if (handlers.get(step) !== e.handler)
    throw new StepRunnerRefusal(`execution ${e.executionId} is at step ${step || '(none)'}, which does not run ${e.handler}`);
  return { document, parameters, step, record: response as Record<string, unknown> };
}

export interface StepRunnerOptions {
  /** Every handler by id (default: each shipped runbook's, found when its document is first run). */
  handlers?: ReadonlyMap<string, AnyHandler>;
  /** Default: the script steps of every shipped document, as the build wrote them. */
  steps?: StepHandlers;
  /** Role names the runner may assume (default: the runbook role of every shipped document). */
  roleNames?: ReadonlySet<string>;
  now?: () => number;
}

/**
 * The script handlers of a shipped document's runbook, gathered when an invocation first runs
 * that document and kept while warm: a cold start compiles no runbook, and an invocation gathers
 * only its own runbook's handlers (its steps are assembled; no document, policy or YAML is made).
 */
export function shippedHandlers(): (document: string) => ReadonlyMap<string, AnyHandler> | undefined {
  const byDocument = new Map<string, ReadonlyMap<string, AnyHandler>>();
  return (document) => {
    let handlers = byDocument.get(document);
    if (!handlers) {
      const runbook = RUNBOOKS.find((r) => r.document === document);
      if (!runbook) return undefined;
      handlers = new Map(runbookHandlers(runbook).map((h) => [h.id, h]));
      byDocument.set(document, handlers);
    }
    return handlers;
  };
}

/** A session is reused while it has this long left (AssumeRole gives an hour by default). */
const SESSION_MARGIN_MS = 5 * 60_000;
/** Sessions a warm runner keeps (executions in flight in one account and Region). */
const MAX_SESSIONS = 100;

/**
 * The runbook-role sessions of a warm runner, one per (role, execution): a session is named after
 * its execution (CloudTrail), so it is never shared between executions, and it is used only after
 * that invocation's execution check has passed. An automation's script steps then cost one
 * AssumeRole between them instead of one each.
 */
export class RunnerSessions {
  private readonly sessions = new Map<string, { credentials: AwsCredentials; expires: number }>();

  constructor(private readonly now: () => number) {}

  async get(roleArn: string, executionId: string, assume: () => Promise<AwsOutput>): Promise<AwsCredentials> {
    const key = `${roleArn} ${executionId}`;
    const kept = this.sessions.get(key);
    if (kept && kept.expires - SESSION_MARGIN_MS > this.now()) return kept.credentials;
    const out = (await assume()) as {
      Credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration?: string | Date };
    };
    const c = out.Credentials;
    if (!c) throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
    const credentials: AwsCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const expires = c.Expiration ? new Date(c.Expiration).getTime() : this.now() + 15 * 60_000;
    this.sessions.delete(key);
    this.sessions.set(key, { credentials, expires: Number.isNaN(expires) ? 0 : expires });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return credentials;
  }
}

export function makeStepRunner(invoker: Invoker, region: string, options: StepRunnerOptions = {}) {
  const steps = options.steps ?? shippedSteps();
  const handlerIds = handlerIdsOf(steps);
  const given = options.handlers;
  const handlersOf = given ? () => given : shippedHandlers();
  const roleNames = options.roleNames ?? new Set([...steps.keys()].map(runbookRoleName));
  const sessions = new RunnerSessions(options.now ?? Date.now);
  return async (event: unknown, home: RunnerHome): Promise<Record<string, unknown>> => {
    const e = parseEvent(event, handlerIds, home, roleNames);
    // the runner's own role reads the execution: the payload's role is not trusted yet
    const response = await invoker.call({
      service: 'ssm',
      operation: 'GetAutomationExecution',
      region,
      account: home.account,
      input: { AutomationExecutionId: e.executionId },
    });
    const execution = confirmExecution(response, e, steps);
    const input = resolvedStepInput(response, e, execution.step);
    const run = handlersOf(execution.document)?.get(e.handler);
    if (!run) throw new StepRunnerRefusal(`${execution.document} has no script handler ${e.handler} in this step runner`);
    const credentials = await sessions.get(e.roleArn, e.executionId, () =>
      invoker.call({
        service: 'sts',
        operation: 'AssumeRole',
        region,
        input: { RoleArn: e.roleArn, RoleSessionName: `hubfix-${e.executionId}`.slice(0, 64) },
      }),
    );
    const ctx = scriptContext({
      invoker,
      credentials,
      region,
      account: home.account,
      partition: home.partition,
      executionId: e.executionId,
      execution,
    });
    return run.run(input, ctx);
  };
}

/** The runner's account and partition from the ARN it was invoked by. */
export function homeOf(functionArn: string | undefined): RunnerHome | undefined {
  const m = /^arn:([a-z-]+):lambda:[a-z0-9-]+:(\d{12}):function:/.exec(functionArn ?? '');
  return m && PARTITIONS.has(m[1]) ? { partition: m[1], account: m[2] } : undefined;
}

let runner: ReturnType<typeof makeStepRunner> | undefined;

/** The Lambda entry point; the function's own account and partition come from its ARN. */
export async function handler(event: unknown, context?: { invokedFunctionArn?: string }): Promise<Record<string, unknown>> {
  runner ??= makeStepRunner(new SdkInvoker(), process.env.AWS_REGION ?? 'us-east-1');
  const home = homeOf(context?.invokedFunctionArn);
  if (!home) throw new StepRunnerRefusal('cannot tell the function its own account (no invokedFunctionArn)');
  return runner(event, home);
}

/**
 * The step runner's execution role: assume exactly the runbook roles of its own account, and read
 * the automation execution a payload claims to run under (to confirm it is real and running). The
 * role is global and serves the step runner of every Region, hence Region `*`.
 */
export function stepRunnerPermissions(documents: readonly string[]): PrincipalPermission[] {
  return [
    ...documents.map((document) => ({
      action: 'sts:AssumeRole',
      resource: arnPattern('iam', '', PLACEHOLDERS.account, `role/${runbookRoleName(document)}`),
    })),
    {
      action: 'ssm:GetAutomationExecution',
      resource: arnPattern('ssm', '*', PLACEHOLDERS.account, 'automation-execution/*'),
    },
  ];
}
