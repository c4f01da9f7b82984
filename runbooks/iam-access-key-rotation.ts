import { hasErrorCode } from '../src/aws/invoker';
import { defineHandler, type ScriptContext } from '../src/model/handlers';
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
import {
  type AccessKeyInfo,
  IAM_USER_EXTRACT,
  LIST_USERS,
  USER_NAME_PARAMETER_PATTERN,
  checkUserAndDays,
  daysSince,
  deactivateAccessKeys,
  missingUser,
  olderThan,
  readAccessKeys,
  resolveUser,
  userIdentity,
} from './support/iam-user';

/** Active keys created more than `maxAgeDays` ago. Pure. */
export function keysToRotate(keys: readonly AccessKeyInfo[], maxAgeDays: number, now: Date): AccessKeyInfo[] {
  return keys.filter((k) => k.Status === 'Active' && olderThan(k.CreateDate, maxAgeDays, now));
}

function describeKey(k: AccessKeyInfo, now: Date): string {
  const use = k.LastUsedDate ? `last used ${k.LastUsedDate.slice(0, 10)}, ${daysSince(k.LastUsedDate, now)} days ago` : 'never used';
  return `${k.AccessKeyId} (created ${k.CreateDate.slice(0, 10)}, ${daysSince(k.CreateDate, now)} days old, ${use})`;
}

/** One line for the plan. Keys in recent use are called out: deactivating them breaks their callers. Pure. */
export function describeRotation(
  userName: string,
  keys: readonly AccessKeyInfo[],
  old: readonly AccessKeyInfo[],
  maxAgeDays: number,
  now: Date,
): string {
  if (old.length === 0) {
    const active = keys.filter((k) => k.Status === 'Active').length;
    return `user ${userName}: no active access key older than ${maxAgeDays} days (${active} active key(s)); nothing to change`;
  }
  const recent = old.filter((k) => k.LastUsedDate && !olderThan(k.LastUsedDate, 7, now));
  const warning = recent.length
    ? `; WARNING: ${recent.map((k) => k.AccessKeyId).join(', ')} used in the last 7 days — give its callers a new key first`
    : '';
  return `user ${userName}: deactivate ${old.map((k) => describeKey(k, now)).join('; ')}${warning}`;
}

export function keyState(userName: string, keys: readonly AccessKeyInfo[]): Record<string, unknown> {
  return { UserName: userName, AccessKeys: JSON.stringify(keys) };
}

interface RotationInput {
  UserName: string;
  MaxKeyAgeDays: number;
}

function checkInput(input: RotationInput): number {
  return checkUserAndDays(input.UserName, 'MaxKeyAgeDays', input.MaxKeyAgeDays);
}

/** The user's keys, or null when the user does not exist (ListAccessKeys answers NoSuchEntity). */
async function readKeys(ctx: ScriptContext, userName: string): Promise<AccessKeyInfo[] | null> {
  try {
    return await readAccessKeys(ctx, userName);
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return null;
    throw err;
  }
}

const readPermissions = [LIST_USERS, { action: 'iam:ListAccessKeys' }, { action: 'iam:GetAccessKeyLastUsed' }];

export const planKeyRotation = defineHandler<RotationInput, PlanResult>({
  id: 'iamAccessKeyRotation.plan',
  description: "Read the user's access keys with their age and last use; list the active keys older than N days.",
  permissions: readPermissions,
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const maxAge = checkInput(input);
    const user = await resolveUser(ctx, input.UserName);
    const keys = user && (await readKeys(ctx, user.UserName));
    if (!user || !keys) return missingUser.plan(input.UserName);
    const now = ctx.now();
    const old = keysToRotate(keys, maxAge, now);
    const byId = user.UserId ? `unique id ${user.UserId} is ${user.UserName}; ` : '';
    return {
      Decision: old.length ? 'remediate' : 'compliant',
      Before: { ...keyState(user.UserName, keys), ...userIdentity(user) },
      Summary: `${byId}${describeRotation(user.UserName, keys, old, maxAge, now)}`,
    };
  },
});

export const deactivateOldKeys = defineHandler<RotationInput, ChangeResult>({
  id: 'iamAccessKeyRotation.deactivate',
  description: 'Read the keys again and set each active key older than N days to Inactive (never deleted).',
  permissions: [...readPermissions, { action: 'iam:UpdateAccessKey' }],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const maxAge = checkInput(input);
    const user = await resolveUser(ctx, input.UserName);
    const keys = user && (await readKeys(ctx, user.UserName));
    if (!user || !keys) return missingUser.change(input.UserName);
    const changed = await deactivateAccessKeys(ctx, user.UserName, keysToRotate(keys, maxAge, ctx.now()));
    return { Changed: changed.length ? changed.join('; ') : 'nothing: no active key is too old any more' };
  },
});

export const verifyKeyRotation = defineHandler<RotationInput, VerifyResult>({
  id: 'iamAccessKeyRotation.verify',
  description: 'Read the live keys and check that no active key is older than N days.',
  permissions: readPermissions,
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    const maxAge = checkInput(input);
    const user = await resolveUser(ctx, input.UserName);
    const keys = user && (await readKeys(ctx, user.UserName));
    if (!user || !keys) return missingUser.verify(input.UserName);
    const old = keysToRotate(keys, maxAge, ctx.now());
    return {
      Verified: old.length === 0,
      After: { ...keyState(user.UserName, keys), ...userIdentity(user) },
      Unmet: old.map((k) => `access key ${k.AccessKeyId} is active and older than ${maxAge} days`).join('; '),
    };
  },
});

export const accessKeyRotationRunbook = defineRunbook({
  document: 'Hubfix-IAM-AccessKeyRotation',
  title: 'Deactivate IAM access keys older than 90 days',
  class: 'C',
  defaultMode: 'notify-only',
  scope: 'resource',
  resourceType: 'AwsIamUser',
  changes: "Deactivates the user's active access keys created more than N days ago (never deletes them). Opt-in: notify-only by default.",
  guidance:
    'Rotate access keys older than 90 days: create a second key, move every caller to it, then deactivate and later delete the old key. Plan.Before lists each key with its age and last use.',
  description: `# Hubfix: IAM access keys rotated within 90 days (CIS 1.4, IAM.3)

Deactivates the access keys of one IAM user that were created more than \`MaxKeyAgeDays\` days ago (default 90). **Deactivating a key that is still in use breaks whatever uses it**, so this runbook is notify-only by default: turn it on per account or control only where old keys are known to be abandoned, or run it by hand after rotating. The user may be given by name or by its unique id (\`AIDA…\`): the plan resolves an id with \`ListUsers\` and records both; an id no user has is skipped with the reason.

1. **Plan** reads the user's keys (\`ListAccessKeys\`) and each key's last use (\`GetAccessKeyLastUsed\`). \`Plan.Before\` keeps every key's id, status, creation and last use; \`Plan.Summary\` names the keys to deactivate and warns about keys used in the last 7 days.
2. **Gate**: with \`DryRun\` true nothing is changed; with no old active key the run goes straight to verify; a user that no longer exists is skipped.
3. **Deactivate** reads the keys again and sets each active key older than \`MaxKeyAgeDays\` to \`Inactive\` with \`UpdateAccessKey\`. Keys are never deleted; newer keys are not touched.
4. **Verify** reads the live keys: no active key may be older than \`MaxKeyAgeDays\`.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws iam update-access-key --user-name <UserName> --access-key-id <id> --status Active\` for each key in \`Deactivate.Changed\` (all keys are listed in \`Plan.Before.AccessKeys\`).`,
  controls: [
    {
      id: 'IAM.3',
      title: "IAM users' access keys should be rotated every 90 days or less",
      aliases: { 'cis-1.2.0': ['1.4'], 'cis-1.4.0': ['1.14'], 'cis-3.0.0': ['1.14'] },
      fsbp: true,
    },
  ],
  extract: IAM_USER_EXTRACT,
  parameters: {
    UserName: param.string({
      description: 'The IAM user whose old access keys are deactivated: its name, or its unique id (AIDA…), which the plan resolves.',
      pattern: USER_NAME_PARAMETER_PATTERN,
    }),
    MaxKeyAgeDays: param.integer({
      description: 'An active key created more than this many days ago (30–3650) is deactivated.',
      default: 90,
    }),
  },
  body(p) {
    const input = { UserName: p.UserName, MaxKeyAgeDays: p.MaxKeyAgeDays };
    return scriptPhases({
      input,
      plan: { handler: planKeyRotation, description: 'Read the keys with age and last use (before-state).' },
      change: { name: 'Deactivate', handler: deactivateOldKeys, description: 'Set active keys older than N days to Inactive.' },
      verify: { handler: verifyKeyRotation, description: 'Check that no active key is too old.' },
    });
  },
});
