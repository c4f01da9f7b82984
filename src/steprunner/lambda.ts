import { SdkInvoker } from '../aws/sdk-invoker';
import type { Invoker } from '../aws/invoker';
import { handlerRegistry } from '../compiler';
import type { AnyHandler } from '../model/handlers';
import { ROLE_PREFIX, runbookRoleName } from '../findings/naming';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { patterns } from '../model/parameters';
import { accountOfRoleArn, partitionOfArn, scriptContext } from './context';

/**
 * The step runner: one Node.js Lambda per member account and Region that runs every script
 * handler. It assumes the automation's own role (from the payload) before touching AWS, with the
 * session named after the automation execution, so each runbook keeps its least privilege and
 * CloudTrail shows which execution did what.
 */
export interface StepRunnerEvent {
  handler: string;
  roleArn: string;
  executionId: string;
  input: Record<string, unknown>;
}

const ROLE_ARN = new RegExp(patterns.roleArn);
const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Check the payload before acting on it: SSM builds it, but anyone allowed to invoke the function
 * could send one. The role must be a hubfix runbook role (`role/hubfix-…`) of the function's own
 * account, so the runner can never be used to act as some other role.
 */
export function parseEvent(event: unknown, handlers: Map<string, AnyHandler>, ownAccount?: string): StepRunnerEvent & { run: AnyHandler } {
  const e = (event ?? {}) as Partial<StepRunnerEvent>;
  if (typeof e.handler !== 'string' || !handlers.has(e.handler)) throw new Error(`unknown script handler ${JSON.stringify(e.handler)}`);
  if (typeof e.roleArn !== 'string' || !ROLE_ARN.test(e.roleArn)) throw new Error('roleArn must be an IAM role ARN');
  if (!/:role\/(.*\/)?hubfix-[^/]+$/.test(e.roleArn)) throw new Error(`roleArn must name a hubfix runbook role (${ROLE_PREFIX}…)`);
  if (ownAccount && accountOfRoleArn(e.roleArn) !== ownAccount) throw new Error(`roleArn must be a role of this account (${ownAccount})`);
  if (typeof e.executionId !== 'string' || !EXECUTION_ID.test(e.executionId))
    throw new Error('executionId must be an automation execution id');
  if (e.input === null || typeof e.input !== 'object' || Array.isArray(e.input)) throw new Error('input must be an object');
  return { handler: e.handler, roleArn: e.roleArn, executionId: e.executionId, input: e.input, run: handlers.get(e.handler)! };
}

export function makeStepRunner(invoker: Invoker, region: string, handlers: Map<string, AnyHandler> = handlerRegistry()) {
  return async (event: unknown, ownAccount?: string): Promise<Record<string, unknown>> => {
    const e = parseEvent(event, handlers, ownAccount);
    const assumed = (await invoker.call({
      service: 'sts',
      operation: 'AssumeRole',
      region,
      input: { RoleArn: e.roleArn, RoleSessionName: `hubfix-${e.executionId}`.slice(0, 64) },
    })) as { Credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
    if (!assumed.Credentials) throw new Error(`AssumeRole of ${e.roleArn} returned no credentials`);
    const ctx = scriptContext({
      invoker,
      credentials: {
        accessKeyId: assumed.Credentials.AccessKeyId,
        secretAccessKey: assumed.Credentials.SecretAccessKey,
        sessionToken: assumed.Credentials.SessionToken,
      },
      region,
      account: accountOfRoleArn(e.roleArn) ?? '',
      partition: partitionOfArn(e.roleArn),
      executionId: e.executionId,
    });
    return e.run.run(e.input, ctx);
  };
}

let runner: ReturnType<typeof makeStepRunner> | undefined;

/** The Lambda entry point; the function's own account comes from its ARN. */
export async function handler(event: unknown, context?: { invokedFunctionArn?: string }): Promise<Record<string, unknown>> {
  runner ??= makeStepRunner(new SdkInvoker(), process.env.AWS_REGION ?? 'us-east-1');
  const ownAccount = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/.exec(context?.invokedFunctionArn ?? '')?.[1];
  if (!ownAccount) throw new Error('cannot tell the function its own account (no invokedFunctionArn)');
  return runner(event, ownAccount);
}

/**
 * The step runner's execution role: assume exactly the runbook roles of its own account, and read
 * the automation execution a payload claims to run under (to confirm it is real and running).
 */
export function stepRunnerPermissions(documents: readonly string[]): PrincipalPermission[] {
  return [
    ...documents.map((document) => ({
      action: 'sts:AssumeRole',
      resource: arnPattern('iam', '', PLACEHOLDERS.account, `role/${runbookRoleName(document)}`),
    })),
    {
      action: 'ssm:GetAutomationExecution',
      resource: arnPattern('ssm', PLACEHOLDERS.region, PLACEHOLDERS.account, 'automation-execution/*'),
    },
  ];
}
