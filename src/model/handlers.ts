import type { AwsCredentials, AwsOutput } from '../aws/invoker';
import type { OutputType } from './document';

/** An IAM condition block: operator → condition key → value(s). Values may use the placeholders of src/iam/permission.ts. */
export type PolicyCondition = Record<string, Record<string, string | string[]>>;

/** One IAM permission a script handler needs, declared beside its code. */
export interface Permission {
  action: string;
  /** Resource ARN pattern (with `${AWS::Partition}`-style placeholders); `*` where the action has no resource-level permission. */
  resource?: string;
  /** The condition IAM must meet for the permission to apply (`iam:PassedToService`, `iam:PermissionsBoundary`, …). */
  condition?: PolicyCondition;
}

/** What a script handler may use at run time. The step runner provides it in Lambda, the local
 *  engine in-process; both sign calls with the automation's own role. */
/** Where one call of a script handler goes and as whom. */
export interface CallOptions {
  region?: string;
  /**
   * Sign as another principal instead of the automation's role: the short-term credentials of an
   * Organizations privileged root session (sts:AssumeRoot) in a member account. Such a call is
   * governed by the session's task policy, not by the runbook's role policy.
   */
  as?: { credentials: AwsCredentials; account: string };
}

export interface ScriptContext {
  /** One AWS call as the automation's role, in the execution's Region unless `region` says otherwise
   *  (an SNS topic lives in its own Region). */
  aws<T = AwsOutput>(service: string, operation: string, input?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly executionId: string;
  /** The execution as SSM reported it when the step runner confirmed the invocation (absent in
   *  the local engine, which runs the steps itself). */
  readonly execution?: ExecutionFacts;
  now(): Date;
  /** Wait (a bounded retry's back-off); the local engine runs it on its clock, interruptibly. */
  sleep(ms: number): Promise<void>;
}

/** What GetAutomationExecution said about the execution a script step runs in: facts, not claims. */
export interface ExecutionFacts {
  document: string;
  parameters: Record<string, string[]>;
  step: string;
  /** The whole GetAutomationExecution response. */
  record: Record<string, unknown>;
}

/**
 * A TypeScript function run as a script step. `outputs` declares the output names and their SSM
 * types (they become the step's Selector outputs); `permissions` are the IAM actions `run` calls,
 * which go into the runbook's policy and are enforced by the local policy check.
 */
export interface ScriptHandler<I, O extends Record<string, unknown>> {
  readonly id: string;
  readonly description: string;
  readonly permissions: readonly Permission[];
  readonly outputs: { readonly [K in keyof O]: OutputType };
  run(input: I, ctx: ScriptContext): Promise<O>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds handlers of every input type
export type AnyHandler = ScriptHandler<any, Record<string, unknown>>;

export const HANDLER_ID_PATTERN = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;

export function defineHandler<I, O extends Record<string, unknown>>(h: ScriptHandler<I, O>): ScriptHandler<I, O> {
  if (!HANDLER_ID_PATTERN.test(h.id)) throw new Error(`script handler id "${h.id}" must look like "area.verbNoun"`);
  return h;
}
