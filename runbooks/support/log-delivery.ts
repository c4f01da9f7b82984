import { hasErrorCode } from '../../src/aws/invoker';
import { partitionArn, permissionFor } from '../../src/iam/actions';
import { RUNTIME_ROLE_BOUNDARY } from '../../src/iam/names';
import { PLACEHOLDERS } from '../../src/iam/permission';
import { type Permission, type ScriptContext, type ScriptHandler, defineHandler } from '../../src/model/handlers';
import { param } from '../../src/model/parameters';
import type { Ref, Value } from '../../src/model/refs';
import { type Step, script } from '../../src/model/steps';
import { type PolicyDocument, type PolicyStatement, asList, canonicalJson, parsePolicyDocument, trustsService } from './policy-document';

/**
 * A CloudWatch Logs group and the IAM role an AWS service assumes to deliver into it (CloudTrail,
 * VPC flow logs). Both are created only when missing; an existing group keeps its retention and
 * encryption, an existing role keeps its trust policy, and the role's inline policy grows to name
 * each group it delivers to, never anything wider.
 */

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const LOG_RETENTION_PARAMETER = param.integer({
  description: 'Retention of a log group hubfix creates, in days. An existing group keeps its own.',
  default: 365,
  allowedValues: LOG_RETENTION_DAYS,
});

export interface LogGroup {
  logGroupName: string;
  /** The group's ARN without the `:*` suffix DescribeLogGroups adds to `arn`. */
  arn: string;
  retentionInDays?: number;
  kmsKeyId?: string;
}

export const LOG_GROUP_READ = permissionFor('logs', 'DescribeLogGroups');
export const LOG_GROUP_WRITE = [LOG_GROUP_READ, permissionFor('logs', 'CreateLogGroup'), permissionFor('logs', 'PutRetentionPolicy')];

export function logGroupArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:logs:${region}:${account}:log-group:${name}`;
}

/** A log group ARN without a trailing `:*`. Pure. */
export function bareLogGroupArn(arn: string): string {
  return arn.endsWith(':*') ? arn.slice(0, -2) : arn;
}

export async function findLogGroup(ctx: ScriptContext, name: string): Promise<LogGroup | null> {
  let nextToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await ctx.aws<{ logGroups?: Array<Record<string, unknown>>; nextToken?: string }>('logs', 'DescribeLogGroups', {
      logGroupNamePrefix: name,
      ...(nextToken ? { nextToken } : {}),
    });
    const hit = (out.logGroups ?? []).find((g) => g.logGroupName === name);
    if (hit) {
      const arn = typeof hit.arn === 'string' ? bareLogGroupArn(hit.arn) : logGroupArn(ctx.partition, ctx.region, ctx.account, name);
      const group: LogGroup = { logGroupName: name, arn };
      if (typeof hit.retentionInDays === 'number') group.retentionInDays = hit.retentionInDays;
      if (typeof hit.kmsKeyId === 'string') group.kmsKeyId = hit.kmsKeyId;
      return group;
    }
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return null;
}

/** Create the group with the retention when it is missing; an existing group is used as it is. */
export async function ensureLogGroup(
  ctx: ScriptContext,
  name: string,
  retentionInDays: number,
): Promise<{ group: LogGroup; created: boolean }> {
  if (!LOG_RETENTION_DAYS.includes(retentionInDays))
    throw new Error(`retention ${retentionInDays} is not one CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')})`);
  const existing = await findLogGroup(ctx, name);
  if (existing) return { group: existing, created: false };
  try {
    await ctx.aws('logs', 'CreateLogGroup', { logGroupName: name });
  } catch (err) {
    // created by someone else since the read: use it as it is
    if (!hasErrorCode(err, 'ResourceAlreadyExistsException')) throw err;
    const raced = await findLogGroup(ctx, name);
    if (raced) return { group: raced, created: false };
    throw err;
  }
  await ctx.aws('logs', 'PutRetentionPolicy', { logGroupName: name, retentionInDays });
  return { group: { logGroupName: name, arn: logGroupArn(ctx.partition, ctx.region, ctx.account, name), retentionInDays }, created: true };
}

/** How one service's delivery role looks. */
export interface DeliveryRoleSpec {
  /** Service principal that assumes the role (`cloudtrail.amazonaws.com`). */
  service: string;
  /** Role names are this prefix plus the Region; the automation's IAM permissions cover only it. */
  roleNamePrefix: string;
  policyName: string;
  description: string;
  trustConditions?(here: { partition: string; account: string; region: string }): PolicyStatement['Condition'];
  /**
   * Condition keys the service does not put in the request when it assumes the role: a trust that
   * requires one can never be met, so such a role is unusable (and hubfix never writes one).
   */
  unsentTrustKeys?: readonly string[];
  /** The inline policy's statements for the groups (bare ARNs) the role delivers to. */
  statements(groupArns: string[]): PolicyStatement[];
}

export function deliveryRoleName(spec: DeliveryRoleSpec, region: string): string {
  return `${spec.roleNamePrefix}${region}`;
}

export function trustPolicyFor(spec: DeliveryRoleSpec, here: { partition: string; account: string; region: string }): PolicyDocument {
  const statement: PolicyStatement = { Effect: 'Allow', Principal: { Service: spec.service }, Action: 'sts:AssumeRole' };
  const condition = spec.trustConditions?.(here);
  if (condition) statement.Condition = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

const GROUP_IN_RESOURCE = /^(arn:[^:]+:logs:[^:]+:\d{12}:log-group:[^:*]+)(:.*)?$/;

/** The log groups (bare ARNs) a delivery policy names, sorted. Pure. */
export function groupsInPolicy(doc: PolicyDocument | null): string[] {
  const groups = new Set<string>();
  for (const s of doc?.Statement ?? []) {
    for (const r of asList(s.Resource)) {
      const m = GROUP_IN_RESOURCE.exec(r);
      if (m) groups.add(m[1]);
    }
  }
  return [...groups].sort();
}

/** The inline policy naming the existing groups plus `groupArn`, and whether it differs from what is stored. Pure. */
export function mergeDeliveryPolicy(
  spec: DeliveryRoleSpec,
  existing: PolicyDocument | null,
  groupArn: string,
): { doc: PolicyDocument; changed: boolean } {
  const groups = [...new Set([...groupsInPolicy(existing), bareLogGroupArn(groupArn)])].sort();
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: spec.statements(groups) };
  return { doc, changed: !existing || canonicalJson(existing) !== canonicalJson(doc) };
}

export interface RoleState {
  roleName: string;
  exists: boolean;
  arn?: string;
  /** The role's trust policy lets the service assume it. */
  trusted: boolean;
  /** Keys the service does not send that every statement trusting it requires (empty: none). */
  unmetKeys?: string[];
  /** Groups its inline delivery policy names. */
  groups: string[];
  policy: PolicyDocument | null;
}

export async function readDeliveryRole(ctx: ScriptContext, spec: DeliveryRoleSpec): Promise<RoleState> {
  const roleName = deliveryRoleName(spec, ctx.region);
  let role: { Arn?: string; AssumeRolePolicyDocument?: string } | undefined;
  try {
    role = (await ctx.aws<{ Role?: { Arn?: string; AssumeRolePolicyDocument?: string } }>('iam', 'GetRole', { RoleName: roleName })).Role;
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return { roleName, exists: false, trusted: false, groups: [], policy: null };
    throw err;
  }
  const trust = parsePolicyDocument(role?.AssumeRolePolicyDocument);
  const trusted = trustsService(trust, spec.service);
  let policy: PolicyDocument | null = null;
  try {
    const out = await ctx.aws<{ PolicyDocument?: string }>('iam', 'GetRolePolicy', { RoleName: roleName, PolicyName: spec.policyName });
    policy = parsePolicyDocument(out.PolicyDocument);
  } catch (err) {
    if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
  }
  const unmetKeys = trusted ? trustKeysNeverSent(spec, trust) : [];
  return {
    roleName,
    exists: true,
    arn: role?.Arn,
    trusted,
    ...(unmetKeys.length ? { unmetKeys } : {}),
    groups: groupsInPolicy(policy),
    policy,
  };
}

/**
 * The condition keys that every statement letting the service assume the role requires and that the
 * service never sends (`spec.unsentTrustKeys`); empty when one statement can be met. `…IfExists`
 * operators and `Null` do not require a key. Pure.
 */
export function trustKeysNeverSent(spec: DeliveryRoleSpec, trust: PolicyDocument | null): string[] {
  const unsent = new Set((spec.unsentTrustKeys ?? []).map((k) => k.toLowerCase()));
  if (!trust || unsent.size === 0) return [];
  const trusting = trust.Statement.filter((s) => trustsService({ Version: '2012-10-17', Statement: [s] }, spec.service));
  const required = trusting.map((s) =>
    Object.entries(s.Condition ?? {})
      .filter(([op]) => !/IfExists$/i.test(op) && op.toLowerCase() !== 'null')
      .flatMap(([, byKey]) => Object.keys(byKey))
      .filter((k) => unsent.has(k.toLowerCase())),
  );
  if (required.length === 0 || required.some((keys) => keys.length === 0)) return [];
  return [...new Set(required.flat())].sort();
}

/** The reason an existing role cannot be used, or undefined. Pure. */
export function roleProblem(spec: DeliveryRoleSpec, state: RoleState): string | undefined {
  if (state.exists && !state.trusted) {
    return `role ${state.roleName} exists but does not trust ${spec.service}; hubfix does not rewrite another trust policy: fix or delete the role, then run again`;
  }
  if (state.exists && state.unmetKeys?.length) {
    return `role ${state.roleName} trusts ${spec.service} only under ${state.unmetKeys.join(' and ')}, which ${spec.service} does not send when it assumes this role, so it could never deliver; hubfix does not rewrite another trust policy: remove that condition or delete the role, then run again`;
  }
  return undefined;
}

export class DeliveryRoleError extends Error {
  readonly code = 'DeliveryRoleUnusable';
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryRoleError';
  }
}

/**
 * Create the role when it is missing, then make its inline policy name the group. Returns the
 * role ARN, whether the role was created (a new role needs a moment before a service can assume
 * it) and whether the policy changed.
 */
export async function ensureDeliveryRole(
  ctx: ScriptContext,
  spec: DeliveryRoleSpec,
  groupArn: string,
): Promise<{ arn: string; roleName: string; created: boolean; policyChanged: boolean }> {
  let state = await readDeliveryRole(ctx, spec);
  let created = false;
  if (!state.exists) {
    const trust = trustPolicyFor(spec, { partition: ctx.partition, account: ctx.account, region: ctx.region });
    try {
      const out = await ctx.aws<{ Role?: { Arn?: string } }>('iam', 'CreateRole', {
        RoleName: state.roleName,
        AssumeRolePolicyDocument: JSON.stringify(trust),
        PermissionsBoundary: runtimeRoleBoundaryArn(ctx.partition, ctx.account),
        Description: `${spec.description} Created by hubfix execution ${ctx.executionId}.`.slice(0, 1000),
      });
      created = true;
      state = { ...state, exists: true, trusted: true, arn: out.Role?.Arn };
    } catch (err) {
      // created by someone else since the read: use it only if it trusts the service
      if (!hasErrorCode(err, 'EntityAlreadyExists')) throw err;
      state = await readDeliveryRole(ctx, spec);
    }
  }
  const problem = roleProblem(spec, state);
  if (problem) throw new DeliveryRoleError(problem);
  const { doc, changed } = mergeDeliveryPolicy(spec, state.policy, groupArn);
  if (changed) {
    await ctx.aws('iam', 'PutRolePolicy', { RoleName: state.roleName, PolicyName: spec.policyName, PolicyDocument: JSON.stringify(doc) });
  }
  const arn = state.arn ?? `arn:${ctx.partition}:iam::${ctx.account}:role/${state.roleName}`;
  return { arn, roleName: state.roleName, created, policyChanged: changed };
}

/** The role ARN pattern the automation's own IAM permissions are scoped to. */
export function roleResource(spec: DeliveryRoleSpec): string {
  return partitionArn(`iam::*:role/${spec.roleNamePrefix}*`);
}

/** The permissions boundary a delivery role is created with: the one the member-account template installs. Pure. */
export function runtimeRoleBoundaryArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:policy/${RUNTIME_ROLE_BOUNDARY}`;
}

/**
 * IAM refuses CreateRole and PutRolePolicy unless the role carries the runtime boundary, so even a
 * run steered by a forged input cannot create or widen a role beyond log delivery.
 */
const WITH_RUNTIME_BOUNDARY = { StringEquals: { 'iam:PermissionsBoundary': PLACEHOLDERS.runtimeRoleBoundary } };

/** Reading the role: GetRole and GetRolePolicy on this service's delivery roles only. */
export function roleReadPermissions(spec: DeliveryRoleSpec): Permission[] {
  const resource = roleResource(spec);
  return [
    { action: 'iam:GetRole', resource },
    { action: 'iam:GetRolePolicy', resource },
  ];
}

/** Creating the role and writing its inline policy, on this service's delivery roles only. */
export function roleWritePermissions(spec: DeliveryRoleSpec): Permission[] {
  const resource = roleResource(spec);
  return [
    ...roleReadPermissions(spec),
    { action: 'iam:CreateRole', resource, condition: WITH_RUNTIME_BOUNDARY },
    { action: 'iam:PutRolePolicy', resource, condition: WITH_RUNTIME_BOUNDARY },
  ];
}

/** Handing the role to the service (UpdateTrail, CreateFlowLogs): iam:PassRole on these roles only, and only to that service. */
export function passRolePermission(spec: DeliveryRoleSpec): Permission {
  return { action: 'iam:PassRole', resource: roleResource(spec), condition: { StringEquals: { 'iam:PassedToService': spec.service } } };
}

/** Script step: the log group, created with the retention when missing (shared by the runbooks that deliver logs). */
export const ensureLogGroupHandler = defineHandler<
  { LogGroupName: string; RetentionDays: number },
  { LogGroupArn: string; Created: boolean }
>({
  id: 'logDelivery.ensureLogGroup',
  description: 'Create the CloudWatch Logs group with its retention when it is missing; an existing group is used as it is.',
  permissions: LOG_GROUP_WRITE,
  outputs: { LogGroupArn: 'String', Created: 'Boolean' },
  async run({ LogGroupName, RetentionDays }, ctx) {
    const { group, created } = await ensureLogGroup(ctx, LogGroupName, RetentionDays);
    return { LogGroupArn: group.arn, Created: created };
  },
});

export interface EnsureRoleOutput extends Record<string, unknown> {
  RoleArn: string;
  Created: boolean;
  PolicyChanged: boolean;
}

/** Script step: the service's delivery role for this Region, created when missing, its policy naming the group. */
export function ensureRoleHandler(id: string, spec: DeliveryRoleSpec): ScriptHandler<{ LogGroupArn: string }, EnsureRoleOutput> {
  return defineHandler<{ LogGroupArn: string }, EnsureRoleOutput>({
    id,
    description: `Create the ${spec.service} delivery role when missing and make its inline policy name the log group.`,
    permissions: roleWritePermissions(spec),
    outputs: { RoleArn: 'String', Created: 'Boolean', PolicyChanged: 'Boolean' },
    async run({ LogGroupArn }, ctx) {
      const { arn, created, policyChanged } = await ensureDeliveryRole(ctx, spec, LogGroupArn);
      return { RoleArn: arn, Created: created, PolicyChanged: policyChanged };
    },
  });
}

/** What a plan learns about the log group and the delivery role. */
export interface DeliveryPlan {
  /** `LogGroup` and `DeliveryRole`, each named with `exists` or `missing`, for the before-state. */
  state: { LogGroup: string; DeliveryRole: string };
  /** Why the role cannot be used (the run skips), or undefined. */
  problem: string | undefined;
  /** What remediate will do about the group and the role, for the summary. */
  steps: string[];
}

/** Read-only: look for the log group and the service's delivery role, as a plan step does. */
export async function planDelivery(ctx: ScriptContext, spec: DeliveryRoleSpec, groupName: string): Promise<DeliveryPlan> {
  const group = await findLogGroup(ctx, groupName);
  const role = await readDeliveryRole(ctx, spec);
  return {
    state: {
      LogGroup: `${groupName} (${group ? 'exists' : 'missing'})`,
      DeliveryRole: `${role.roleName} (${role.exists ? 'exists' : 'missing'})`,
    },
    problem: roleProblem(spec, role),
    steps: [
      group ? `use the existing log group ${groupName}` : `create log group ${groupName}`,
      role.exists ? `use role ${role.roleName}` : `create delivery role ${role.roleName}`,
    ],
  };
}

/** What the EnsureLogGroup and EnsureRole steps created (as the step after them is told), for its Changed line. Pure. */
export function createdForDelivery(logGroup: string, made: { LogGroupCreated: boolean; RoleArn: string; RoleCreated: boolean }): string[] {
  const created: string[] = [];
  if (made.LogGroupCreated) created.push(`created log group ${logGroup}`);
  if (made.RoleCreated) created.push(`created role ${made.RoleArn}`);
  return created;
}

/** The outputs of the EnsureLogGroup and EnsureRole steps, for the step that hands the role to the service. */
export interface DeliveryRefs {
  logGroupArn: Ref<string>;
  logGroupCreated: Ref<boolean>;
  roleArn: Ref<string>;
  roleCreated: Ref<boolean>;
}

/**
 * The waits before each new attempt of a call that hands a role IAM may not have propagated yet
 * (AWS: usually seconds, at worst about a minute): 1 + 2 + 4 + 8 + 15 + 15 + 15 = 60 s at most,
 * three times the fixed 20 s wait this replaces, and no wait at all when the role is usable.
 */
export const ROLE_PROPAGATION_WAITS_MS: readonly number[] = [1000, 2000, 4000, 8000, 15_000, 15_000, 15_000];

/**
 * `call`, tried again after each wait while it fails with the service's "cannot use that role
 * (yet)" error (`roleNotReady`); any other error, or the last attempt's, is thrown as it is.
 */
export async function onceRoleUsable<T>(ctx: ScriptContext, roleNotReady: (err: unknown) => boolean, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = ROLE_PROPAGATION_WAITS_MS[attempt];
      if (wait === undefined || !roleNotReady(err)) throw err;
      await ctx.sleep(wait);
    }
  }
}

/**
 * The remediate steps of a runbook that sends logs to CloudWatch Logs: EnsureLogGroup, EnsureRole,
 * then `deliver`, the step that hands the group and role to the service. No fixed wait for IAM:
 * `deliver` retries its call while the service says it cannot use the role yet (onceRoleUsable).
 */
export function deliverySteps<O>(a: {
  logGroupName: Value<string>;
  retentionDays: Value<number>;
  roleHandler: ScriptHandler<{ LogGroupArn: string }, EnsureRoleOutput>;
  deliver: (made: DeliveryRefs) => Step<O>;
}): { steps: Step<unknown>[]; deliver: Step<O> } {
  const group = script({
    name: 'EnsureLogGroup',
    description: 'Create the log group with its retention when missing.',
    handler: ensureLogGroupHandler,
    input: { LogGroupName: a.logGroupName, RetentionDays: a.retentionDays },
  });
  const role = script({
    name: 'EnsureRole',
    description: 'Create the delivery role when missing; its policy names the log group.',
    handler: a.roleHandler,
    input: { LogGroupArn: group.out.LogGroupArn },
  });
  const deliver = a.deliver({
    logGroupArn: group.out.LogGroupArn,
    logGroupCreated: group.out.Created,
    roleArn: role.out.RoleArn,
    roleCreated: role.out.Created,
  });
  return { steps: [group, role, deliver], deliver };
}
