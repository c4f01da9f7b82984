import { type AwsCredentials, hasErrorCode } from '../src/aws/invoker';
import { partitionArn } from '../src/iam/actions';
import { defineHandler, type Permission, type ScriptContext } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
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
import { InvalidSettingError } from './support/settings';

/**
 * IAM.4 (CIS 1.2.0 1.12), opt-in: delete a member account's root access keys through an
 * Organizations privileged root session. `sts:AssumeRoot` is callable only from the management
 * account or the IAM delegated administrator, on a Regional STS endpoint, for a member account of
 * an Organization with centralized root access; the session is scoped by an AWS managed task
 * policy. This runbook deletes access keys only — never the password, MFA devices or signing
 * certificates the same task policy could remove.
 */

export const DELETE_TASK_POLICY = 'root-task/IAMDeleteRootUserCredentials';
export const AUDIT_TASK_POLICY = 'root-task/IAMAuditRootUserCredentials';
/** The longest privileged root session AWS allows (15 minutes). */
export const ROOT_SESSION_SECONDS = 900;

/** The task policy's ARN in this partition. Pure. */
export function taskPolicyArn(partition: string, policy: string): string {
  return `arn:${partition}:iam::aws:policy/${policy}`;
}

interface RootKey {
  AccessKeyId: string;
  Status?: string;
  CreateDate?: string | Date;
}

/** Why the run cannot act from here, or undefined. AssumeRoot targets member accounts only. Pure. */
export function placementProblem(target: string, here: string): string | undefined {
  if (target === here)
    return `account ${target} is the account this runs in: sts:AssumeRoot works only on member accounts, from the management account or the IAM delegated administrator`;
  return undefined;
}

async function rootSession(ctx: ScriptContext, target: string, policy: string): Promise<{ credentials: AwsCredentials; account: string }> {
  const out = await ctx.aws<{ Credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string } }>(
    'sts',
    'AssumeRoot',
    {
      TargetPrincipal: target,
      TaskPolicyArn: { arn: taskPolicyArn(ctx.partition, policy) },
      DurationSeconds: ROOT_SESSION_SECONDS,
    },
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRoot into ${target} returned no credentials`);
  return {
    account: target,
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    },
  };
}

async function rootKeys(ctx: ScriptContext, as: { credentials: AwsCredentials; account: string }): Promise<RootKey[]> {
  // without UserName, ListAccessKeys answers for the principal signing the call: the root user
  const out = await ctx.aws<{ AccessKeyMetadata?: RootKey[] }>('iam', 'ListAccessKeys', {}, { as });
  return (out.AccessKeyMetadata ?? []).sort((a, b) => a.AccessKeyId.localeCompare(b.AccessKeyId));
}

function keysState(target: string, keys: RootKey[]): Record<string, unknown> {
  return {
    TargetAccount: target,
    RootAccessKeys: keys.length
      ? keys
          .map(
            (k) => `${k.AccessKeyId} (${k.Status ?? 'unknown'}${k.CreateDate ? `, created ${new Date(k.CreateDate).toISOString()}` : ''})`,
          )
          .join(', ')
      : 'none',
  };
}

function checkTarget(target: string): string {
  if (!new RegExp(patterns.accountId).test(target))
    throw new InvalidSettingError(`TargetAccountId must be a 12-digit account id, got ${target}`);
  return target;
}

// The resource of sts:AssumeRoot is the member's root principal; any member's is `*` in effect, and
// moto's policy validator refuses an IAM ARN ending in `root`, so the resource stays `*`. What
// narrows it is the condition: the session may carry only the two task policies this runbook uses.
const ASSUME_ROOT: Permission = {
  action: 'sts:AssumeRoot',
  resource: '*',
  condition: {
    ArnEquals: { 'sts:TaskPolicyArn': [DELETE_TASK_POLICY, AUDIT_TASK_POLICY].map((p) => partitionArn(`iam::aws:policy/${p}`)) },
  },
};

export const planRootKeys = defineHandler<{ TargetAccountId: string }, PlanResult>({
  id: 'rootKeys.plan',
  description: "Open a privileged root session (IAMDeleteRootUserCredentials) on the member account and list the root user's access keys.",
  permissions: [ASSUME_ROOT],
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const target = checkTarget(input.TargetAccountId);
    const problem = placementProblem(target, ctx.account);
    if (problem) return { Decision: 'skip', Before: { TargetAccount: target }, Summary: `skipped: ${problem}` };
    const keys = await rootKeys(ctx, await rootSession(ctx, target, DELETE_TASK_POLICY));
    const before = keysState(target, keys);
    if (keys.length === 0) return { Decision: 'compliant', Before: before, Summary: `the root user of ${target} has no access key` };
    return {
      Decision: 'remediate',
      Before: before,
      Summary: `the root user of ${target} has ${keys.length} access key(s): ${keys.map((k) => k.AccessKeyId).join(', ')}; will delete them (access keys only)`,
    };
  },
});

export const deleteRootKeys = defineHandler<{ TargetAccountId: string }, ChangeResult>({
  id: 'rootKeys.delete',
  description: "In a fresh privileged root session, delete every access key of the member account's root user (nothing else).",
  permissions: [ASSUME_ROOT],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const target = checkTarget(input.TargetAccountId);
    const as = await rootSession(ctx, target, DELETE_TASK_POLICY);
    const keys = await rootKeys(ctx, as);
    const deleted: string[] = [];
    for (const k of keys) {
      try {
        await ctx.aws('iam', 'DeleteAccessKey', { AccessKeyId: k.AccessKeyId }, { as });
        deleted.push(k.AccessKeyId);
      } catch (err) {
        if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
      }
    }
    return {
      Changed: deleted.length
        ? `deleted root access key(s) ${deleted.join(', ')} of ${target}`
        : `nothing: ${target}'s root user had no access key left`,
    };
  },
});

export const verifyRootKeys = defineHandler<{ TargetAccountId: string }, VerifyResult>({
  id: 'rootKeys.verify',
  description:
    'In a read-only privileged root session (IAMAuditRootUserCredentials), read the account summary: no root access key present.',
  permissions: [ASSUME_ROOT],
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    const target = checkTarget(input.TargetAccountId);
    const as = await rootSession(ctx, target, AUDIT_TASK_POLICY);
    const summary = await ctx.aws<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary', {}, { as });
    const present = summary.SummaryMap?.AccountAccessKeysPresent ?? 0;
    return {
      Verified: present === 0,
      After: { TargetAccount: target, AccountAccessKeysPresent: String(present) },
      Unmet: present === 0 ? '' : `the account summary of ${target} still shows a root access key`,
    };
  },
});

export const rootAccessKeysDeleteRunbook = defineRunbook({
  document: 'Hubfix-IAM-RootAccessKeysDelete',
  title: "Delete a member account's root access keys (opt-in, Organizations centralized root access)",
  class: 'C',
  defaultMode: 'notify-only',
  optIn: {
    runFrom: 'the Organizations management account or the IAM delegated administrator, with centralized root access enabled',
  },
  scope: 'account',
  resourceType: 'AwsAccount',
  changes:
    "Deletes the member account's root user access keys (only them) through a privileged root session; never the password, MFA or certificates.",
  guidance:
    'Opt-in. Prerequisites: AWS Organizations with centralized root access for member accounts (IAM → Root access management: root credentials management and privileged root actions enabled); run from the management account or the IAM delegated administrator, in any Region (AssumeRoot needs a Regional STS endpoint).',
  description: `# Hubfix: delete a member account's root access keys (IAM.4, CIS 1.2.0 1.12) — opt-in

The orchestrator never starts this runbook: IAM.4 findings are answered by the guided \`Hubfix-IAM-RootCredentialsGuidance\` in the member account. Run this one by hand, after reading its facts, **from the Organizations management account or the IAM delegated administrator**:

\`aws ssm start-automation-execution --document-name Hubfix-IAM-RootAccessKeysDelete --parameters TargetAccountId=<member>,AutomationAssumeRole=<this runbook's role>\`

Prerequisites: the member account is in an Organization with **centralized root access** (IAM console → Root access management: *Root credentials management* and *Privileged root actions in member accounts* enabled); the runbook's role may call \`sts:AssumeRoot\` (add the condition \`sts:TaskPolicyArn\` (the two AWS managed task policies below) to the role if you manage it yourself).

1. **Plan** opens a privileged root session on the member account (\`sts:AssumeRoot\`, AWS managed task policy \`${DELETE_TASK_POLICY}\`, ${ROOT_SESSION_SECONDS} s) and lists the root user's access keys (\`ListAccessKeys\`). The run skips when pointed at its own account (AssumeRoot reaches member accounts only). No key: compliant.
2. **Gate**: with \`DryRun\` true (try that first) or when compliant, nothing is deleted.
3. **Delete** opens a fresh session and deletes each root access key (\`DeleteAccessKey\`). Only access keys: the task policy would also allow deleting the password, MFA devices and signing certificates; this runbook never does.
4. **Verify** opens a read-only session (task policy \`${AUDIT_TASK_POLICY}\`) and reads the account summary (\`GetAccountSummary\`: \`AccountAccessKeysPresent\` 0).

A deleted access key cannot be restored; whoever used it needs other credentials.`,
  controls: [
    {
      id: 'IAM.4',
      title: 'IAM root user access key should not exist',
      aliases: { 'cis-1.2.0': ['1.12'], 'cis-1.4.0': ['1.4'], 'cis-3.0.0': ['1.4'] },
      fsbp: true,
    },
  ],
  extract: [],
  parameters: {
    TargetAccountId: param.string({ description: 'The member account whose root access keys are deleted.', pattern: patterns.accountId }),
  },
  body(p) {
    return scriptPhases({
      input: { TargetAccountId: p.TargetAccountId },
      plan: { handler: planRootKeys, description: "List the member root user's access keys in a privileged root session (before-state)." },
      change: { name: 'Delete', handler: deleteRootKeys, description: 'Delete the root access keys (only them).' },
      verify: { handler: verifyRootKeys, description: 'Read the account summary in a read-only root session.' },
    });
  },
});
