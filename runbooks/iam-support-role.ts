import { hasErrorCode } from '../src/aws/invoker';
import { partitionArn } from '../src/iam/actions';
import { type Permission, type ScriptContext, defineHandler } from '../src/model/handlers';
import { param } from '../src/model/parameters';
import {
  CHANGE_OUTPUTS,
  type ChangeResult,
  PLAN_OUTPUTS,
  type PlanResult,
  VERIFY_OUTPUTS,
  type VerifyResult,
  scriptPhases,
} from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';
import { type PolicyDocument, asList, parsePolicyDocument } from './support/policy-document';
import { InvalidSettingError } from './support/settings';

/** The AWS managed policy CIS asks a support role to have, in the caller's partition. Pure. */
export function supportPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/AWSSupportAccess`;
}

/** Roles hubfix creates for AWS Support carry this prefix; the automation's IAM permissions cover only them. */
export const SUPPORT_ROLE_PREFIX = 'hubfix-';
export const SUPPORT_ROLE_NAME_PATTERN = '^hubfix-[\\w+=,.@-]{1,57}$';

/** The trust policy of a new support role: principals of this account (as the account decides in IAM) may assume it. Pure. */
export function accountTrustPolicy(partition: string, account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
  };
}

/** True when the trust policy lets principals of the account (its root ARN or its id) assume the role. Pure. */
export function trustsAccount(doc: PolicyDocument | null, partition: string, account: string): boolean {
  if (!doc) return false;
  const accepted = new Set([account, `arn:${partition}:iam::${account}:root`]);
  return doc.Statement.some((s) => {
    if (s.Effect !== 'Allow' || !asList(s.Action).some((a) => a === 'sts:AssumeRole')) return false;
    const principal = s.Principal;
    if (!principal || typeof principal === 'string') return false;
    return asList(principal.AWS).some((p) => accepted.has(p));
  });
}

function checkRoleName(roleName: unknown): string {
  if (typeof roleName !== 'string' || !new RegExp(SUPPORT_ROLE_NAME_PATTERN).test(roleName))
    throw new InvalidSettingError(
      `RoleName ${JSON.stringify(roleName)} must start with hubfix- and be a valid IAM role name (at most 64 characters)`,
    );
  return roleName;
}

const POLICY_RESOURCE = partitionArn('iam::aws:policy/AWSSupportAccess');
const ROLE_RESOURCE = partitionArn(`iam::*:role/${SUPPORT_ROLE_PREFIX}*`);
/**
 * The support role is created only with AWSSupportAccess as its permissions boundary (what it may
 * ever do is AWS Support, whatever is attached later) and only AWSSupportAccess may be attached:
 * the run cannot mint an administrator role even when its input is forged. The runtime boundary of
 * the member template (log delivery only) would leave the role unable to reach AWS Support, so this
 * role's boundary is the AWS managed policy itself.
 */
const ONLY_SUPPORT_BOUNDARY = { StringEquals: { 'iam:PermissionsBoundary': POLICY_RESOURCE } };
const ONLY_SUPPORT_POLICY = { ArnEquals: { 'iam:PolicyARN': POLICY_RESOURCE } };
const LIST_ENTITIES: Permission = { action: 'iam:ListEntitiesForPolicy', resource: POLICY_RESOURCE };
const GET_ROLE: Permission = { action: 'iam:GetRole', resource: ROLE_RESOURCE };

/** The roles that have AWSSupportAccess attached (ListEntitiesForPolicy, paginated), sorted. */
export async function supportRoles(ctx: ScriptContext): Promise<string[]> {
  const roles: string[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await ctx.aws<{ PolicyRoles?: Array<{ RoleName?: string }>; IsTruncated?: boolean; Marker?: string }>(
      'iam',
      'ListEntitiesForPolicy',
      { PolicyArn: supportPolicyArn(ctx.partition), EntityFilter: 'Role', ...(marker ? { Marker: marker } : {}) },
    );
    for (const r of out.PolicyRoles ?? []) if (r.RoleName) roles.push(r.RoleName);
    marker = out.IsTruncated ? out.Marker : undefined;
    if (!marker) break;
  }
  return roles.sort();
}

type RoleState = { exists: false } | { exists: true; arn: string; trusted: boolean };

async function readRole(ctx: ScriptContext, roleName: string): Promise<RoleState> {
  try {
    const out = await ctx.aws<{ Role?: { Arn?: string; AssumeRolePolicyDocument?: string } }>('iam', 'GetRole', { RoleName: roleName });
    const arn = out.Role?.Arn ?? `arn:${ctx.partition}:iam::${ctx.account}:role/${roleName}`;
    return {
      exists: true,
      arn,
      trusted: trustsAccount(parsePolicyDocument(out.Role?.AssumeRolePolicyDocument), ctx.partition, ctx.account),
    };
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return { exists: false };
    throw err;
  }
}

/** What the plan decides from the roles with the policy and the state of hubfix's role. Pure. */
export function supportRoleDecision(
  withPolicy: string[],
  roleName: string,
  role: RoleState,
): { decision: 'compliant' | 'remediate' | 'skip'; summary: string } {
  if (withPolicy.length > 0)
    return { decision: 'compliant', summary: `AWSSupportAccess is already attached to ${withPolicy.join(', ')}; nothing to change` };
  if (!role.exists)
    return {
      decision: 'remediate',
      summary: `no role has AWSSupportAccess; will create role ${roleName} trusted by this account, attach AWSSupportAccess and bound it by the same policy`,
    };
  if (!role.trusted)
    return {
      decision: 'skip',
      summary: `skipped: role ${roleName} exists but its trust policy does not name this account; hubfix does not rewrite another trust policy: pass another RoleName or fix the role`,
    };
  return { decision: 'remediate', summary: `no role has AWSSupportAccess; will attach it to the existing role ${roleName}` };
}

interface SupportInput {
  RoleName: string;
}

export const planSupportRole = defineHandler<SupportInput, PlanResult>({
  id: 'iamSupportRole.plan',
  description: 'List the roles with AWSSupportAccess; when none, look at the role hubfix would use.',
  permissions: [LIST_ENTITIES, GET_ROLE],
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const roleName = checkRoleName(input.RoleName);
    const withPolicy = await supportRoles(ctx);
    const role: RoleState = withPolicy.length > 0 ? { exists: false } : await readRole(ctx, roleName);
    const { decision, summary } = supportRoleDecision(withPolicy, roleName, role);
    const before: Record<string, unknown> = { SupportRoles: withPolicy.join(', ') || 'none' };
    if (withPolicy.length === 0)
      before.Role = `${roleName} (${role.exists ? (role.trusted ? 'exists' : 'exists, not trusted by the account') : 'missing'})`;
    return { Decision: decision, Before: before, Summary: summary };
  },
});

export const ensureSupportRole = defineHandler<SupportInput, ChangeResult>({
  id: 'iamSupportRole.ensure',
  description:
    'Read again; create the role (trusted by the account, bounded by AWSSupportAccess) when missing and attach AWSSupportAccess.',
  permissions: [
    LIST_ENTITIES,
    GET_ROLE,
    { action: 'iam:CreateRole', resource: ROLE_RESOURCE, condition: ONLY_SUPPORT_BOUNDARY },
    { action: 'iam:AttachRolePolicy', resource: ROLE_RESOURCE, condition: ONLY_SUPPORT_POLICY },
  ],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const roleName = checkRoleName(input.RoleName);
    const withPolicy = await supportRoles(ctx);
    if (withPolicy.length > 0) return { Changed: `nothing: AWSSupportAccess was attached to ${withPolicy.join(', ')} meanwhile` };
    const policyArn = supportPolicyArn(ctx.partition);
    let role = await readRole(ctx, roleName);
    const changed: string[] = [];
    if (!role.exists) {
      try {
        const out = await ctx.aws<{ Role?: { Arn?: string } }>('iam', 'CreateRole', {
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify(accountTrustPolicy(ctx.partition, ctx.account)),
          PermissionsBoundary: policyArn,
          Description: `AWS Support access for this account (CIS support role). Created by hubfix execution ${ctx.executionId}.`.slice(
            0,
            1000,
          ),
        });
        role = { exists: true, arn: out.Role?.Arn ?? `arn:${ctx.partition}:iam::${ctx.account}:role/${roleName}`, trusted: true };
        changed.push(`created role ${role.arn} trusted by account ${ctx.account}, bounded by AWSSupportAccess`);
      } catch (err) {
        // created by someone else since the read: use it only if it trusts the account
        if (!hasErrorCode(err, 'EntityAlreadyExists')) throw err;
        role = await readRole(ctx, roleName);
      }
    }
    if (!role.exists || !role.trusted)
      throw new InvalidSettingError(`role ${roleName} exists but its trust policy does not name account ${ctx.account}; nothing attached`);
    await ctx.aws('iam', 'AttachRolePolicy', { RoleName: roleName, PolicyArn: policyArn });
    changed.push(`attached AWSSupportAccess to ${roleName}`);
    return { Changed: changed.join('; ') };
  },
});

export const verifySupportRole = defineHandler<SupportInput, VerifyResult>({
  id: 'iamSupportRole.verify',
  description: 'List the roles with AWSSupportAccess attached.',
  permissions: [LIST_ENTITIES],
  outputs: VERIFY_OUTPUTS,
  async run(_input, ctx) {
    const roles = await supportRoles(ctx);
    return {
      Verified: roles.length > 0,
      After: { SupportRoles: roles.join(', ') || 'none' },
      Unmet: roles.length > 0 ? '' : 'no role has AWSSupportAccess attached',
    };
  },
});

export const supportRoleRunbook = defineRunbook({
  document: 'Hubfix-IAM-SupportRole',
  title: 'A support role exists to manage incidents with AWS Support',
  class: 'A',
  defaultMode: 'auto',
  scope: 'account',
  resourceType: 'AwsAccount',
  changes:
    'When no role has AWSSupportAccess: attaches it to the hubfix support role, created when missing (trusted by the account, permissions boundary AWSSupportAccess); an existing support role is reused as it is.',
  guidance:
    'Create an IAM role that principals of this account can assume and attach the AWS managed policy AWSSupportAccess to it (IAM console → Roles → Create role → AWS account → This account).',
  description: `# Hubfix: AWS Support role (CIS 1.2.0 1.20, 1.4.0 and 3.0.0 1.17; IAM.18)

Makes sure some IAM role has the AWS managed policy \`AWSSupportAccess\`, so people can open and manage AWS Support cases without broader rights.

1. **Plan** lists the roles the policy is attached to (\`ListEntitiesForPolicy\`). Any role at all makes the account compliant: it is reused as it is. Otherwise it looks at \`RoleName\` (default \`hubfix-support\`): missing → to be created; present and trusted by this account → the policy is attached to it; present with a trust policy that does not name this account → **skipped** with the reason (hubfix never rewrites a trust policy).
2. **Gate**: with \`DryRun\` true, or when a support role exists, nothing is written.
3. **EnsureRole** reads again, creates a missing role with a trust policy naming this account (\`arn:<partition>:iam::<account>:root\`: the account's IAM policies decide who may assume it) and \`AWSSupportAccess\` as its permissions boundary (the role can never do more than support, whatever is attached later), then attaches \`AWSSupportAccess\`. The policy ARN follows the partition.
4. **Verify** lists the roles with the policy again. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

Grant the people who handle support cases \`sts:AssumeRole\` on the role in their own IAM policies.

To undo: \`aws iam detach-role-policy --role-name <RoleName> --policy-arn arn:<partition>:iam::aws:policy/AWSSupportAccess\`, then delete the role if hubfix created it (see \`EnsureRole.Changed\`).`,
  controls: [
    {
      id: 'IAM.18',
      title: 'Ensure a support role has been created to manage incidents with AWS Support',
      aliases: { 'cis-1.2.0': ['1.20'], 'cis-1.4.0': ['1.17'], 'cis-3.0.0': ['1.17'] },
    },
  ],
  extract: [],
  parameters: {
    RoleName: param.string({
      description: 'Role to create (or reuse) when no role has AWSSupportAccess; must start with hubfix-.',
      default: 'hubfix-support',
      pattern: SUPPORT_ROLE_NAME_PATTERN,
    }),
  },
  body(p) {
    return scriptPhases({
      input: { RoleName: p.RoleName },
      plan: { handler: planSupportRole, description: 'List roles with AWSSupportAccess (before-state); look at the role to use.' },
      change: { name: 'EnsureRole', handler: ensureSupportRole, description: 'Create the role when missing and attach AWSSupportAccess.' },
      verify: { handler: verifySupportRole, description: 'Check some role has AWSSupportAccess attached.' },
    });
  },
});
