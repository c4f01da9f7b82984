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
  isoDate,
  missingUser,
  olderThan,
  readAccessKeys,
  requiredIso,
  resolveUser,
  userIdentity,
} from './support/iam-user';

/** The console password: when its login profile was created and when the password was last used. */
export interface PasswordInfo {
  CreateDate: string;
  /** Absent when the password was never used. */
  LastUsedDate?: string;
}

export interface UserCredentials {
  UserName: string;
  keys: AccessKeyInfo[];
  /** null: the user has no console password (no login profile). */
  password: PasswordInfo | null;
}

/** The user's keys and console password, or null when the user does not exist. */
export async function readUserCredentials(ctx: ScriptContext, userName: string): Promise<UserCredentials | null> {
  let user: { PasswordLastUsed?: unknown };
  try {
    const out = await ctx.aws<{ User?: { PasswordLastUsed?: unknown } }>('iam', 'GetUser', { UserName: userName });
    user = out.User ?? {};
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return null;
    throw err;
  }
  let password: PasswordInfo | null = null;
  try {
    const out = await ctx.aws<{ LoginProfile?: { CreateDate?: unknown } }>('iam', 'GetLoginProfile', { UserName: userName });
    password = { CreateDate: requiredIso(out.LoginProfile?.CreateDate, 'login profile CreateDate') };
    const lastUsed = isoDate(user.PasswordLastUsed);
    if (lastUsed) password.LastUsedDate = lastUsed;
  } catch (err) {
    if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
  }
  return { UserName: userName, keys: await readAccessKeys(ctx, userName), password };
}

/**
 * When a credential last showed life: its last use, or its creation when it was never used (or
 * was re-created after its last use — a password set again yesterday is not a stale one).
 */
export function lastActivity(c: { CreateDate: string; LastUsedDate?: string }): { at: string; basis: 'last used' | 'created' } {
  if (c.LastUsedDate && Date.parse(c.LastUsedDate) >= Date.parse(c.CreateDate)) return { at: c.LastUsedDate, basis: 'last used' };
  return { at: c.CreateDate, basis: 'created' };
}

export interface UnusedCredentials {
  /** Active keys with no activity for more than the threshold. */
  keys: AccessKeyInfo[];
  /** True when the console password had no activity for more than the threshold. */
  password: boolean;
}

/** The credentials to disable: active keys and a console password unused for more than `maxDays`. Pure. */
export function findUnusedCredentials(creds: UserCredentials, maxDays: number, now: Date): UnusedCredentials {
  return {
    keys: creds.keys.filter((k) => k.Status === 'Active' && olderThan(lastActivity(k).at, maxDays, now)),
    password: creds.password !== null && olderThan(lastActivity(creds.password).at, maxDays, now),
  };
}

function describeActivity(c: { CreateDate: string; LastUsedDate?: string }, now: Date): string {
  const { at, basis } = lastActivity(c);
  const days = daysSince(at, now);
  return basis === 'last used'
    ? `last used ${at.slice(0, 10)}, ${days} days ago`
    : `never used since it was created ${at.slice(0, 10)}, ${days} days ago`;
}

/** One line for the plan: what is unused and will be disabled. Pure. */
export function describeUnused(creds: UserCredentials, unused: UnusedCredentials, maxDays: number, now: Date): string {
  const parts = unused.keys.map((k) => `deactivate access key ${k.AccessKeyId} (${describeActivity(k, now)})`);
  if (unused.password && creds.password) parts.push(`delete the console password (${describeActivity(creds.password, now)})`);
  if (parts.length === 0) {
    const active = creds.keys.filter((k) => k.Status === 'Active').length;
    return `user ${creds.UserName}: no credential unused for more than ${maxDays} days (${active} active key(s), ${creds.password ? 'a console password' : 'no console password'}); nothing to change`;
  }
  return `user ${creds.UserName}: ${parts.join('; ')}`;
}

/** The before/after state: every key and the password, as strings an operator can read and act on. */
export function credentialState(creds: UserCredentials): Record<string, unknown> {
  return {
    UserName: creds.UserName,
    AccessKeys: JSON.stringify(creds.keys),
    ConsolePassword: creds.password ? 'present' : 'none',
    PasswordCreateDate: creds.password?.CreateDate ?? '',
    PasswordLastUsed: creds.password ? (creds.password.LastUsedDate ?? 'never') : '',
  };
}

interface UnusedInput {
  UserName: string;
  MaxUnusedDays: number;
}

function checkInput(input: UnusedInput): number {
  return checkUserAndDays(input.UserName, 'MaxUnusedDays', input.MaxUnusedDays);
}

const readPermissions = [
  LIST_USERS,
  { action: 'iam:GetUser' },
  { action: 'iam:GetLoginProfile' },
  { action: 'iam:ListAccessKeys' },
  { action: 'iam:GetAccessKeyLastUsed' },
];

export const planUnusedCredentials = defineHandler<UnusedInput, PlanResult>({
  id: 'iamUnusedCredentials.plan',
  description: "Read the user's access keys and console password with their last use; list those unused for more than N days.",
  permissions: readPermissions,
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const maxDays = checkInput(input);
    const user = await resolveUser(ctx, input.UserName);
    const creds = user && (await readUserCredentials(ctx, user.UserName));
    if (!user || !creds) return missingUser.plan(input.UserName);
    const now = ctx.now();
    const unused = findUnusedCredentials(creds, maxDays, now);
    const decision = unused.keys.length > 0 || unused.password ? 'remediate' : 'compliant';
    const byId = user.UserId ? `unique id ${user.UserId} is ${user.UserName}; ` : '';
    return {
      Decision: decision,
      Before: { ...credentialState(creds), ...userIdentity(user) },
      Summary: `${byId}${describeUnused(creds, unused, maxDays, now)}`,
    };
  },
});

export const disableUnusedCredentials = defineHandler<UnusedInput, ChangeResult>({
  id: 'iamUnusedCredentials.disable',
  description:
    'Read the credentials again and disable only those still unused for more than N days: keys become Inactive (never deleted), the console password is deleted.',
  permissions: [...readPermissions, { action: 'iam:UpdateAccessKey' }, { action: 'iam:DeleteLoginProfile' }],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const maxDays = checkInput(input);
    // read again right before writing: a credential used since the plan is no longer unused
    const user = await resolveUser(ctx, input.UserName);
    const creds = user && (await readUserCredentials(ctx, user.UserName));
    if (!user || !creds) return missingUser.change(input.UserName);
    const unused = findUnusedCredentials(creds, maxDays, ctx.now());
    const changed = await deactivateAccessKeys(ctx, user.UserName, unused.keys);
    if (unused.password) {
      try {
        await ctx.aws('iam', 'DeleteLoginProfile', { UserName: user.UserName });
        changed.push('deleted the console password');
      } catch (err) {
        if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
        changed.push('the console password was removed meanwhile');
      }
    }
    return { Changed: changed.length ? changed.join('; ') : 'nothing: no credential is unused any more' };
  },
});

export const verifyUnusedCredentials = defineHandler<UnusedInput, VerifyResult>({
  id: 'iamUnusedCredentials.verify',
  description: 'Read the live credentials and check that none is active yet unused for more than N days.',
  permissions: readPermissions,
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    const maxDays = checkInput(input);
    const user = await resolveUser(ctx, input.UserName);
    const creds = user && (await readUserCredentials(ctx, user.UserName));
    if (!user || !creds) return missingUser.verify(input.UserName);
    const unused = findUnusedCredentials(creds, maxDays, ctx.now());
    const unmet = unused.keys.map((k) => `access key ${k.AccessKeyId} is still active`);
    if (unused.password) unmet.push('the unused console password still exists');
    return { Verified: unmet.length === 0, After: { ...credentialState(creds), ...userIdentity(user) }, Unmet: unmet.join('; ') };
  },
});

export const unusedCredentialsRunbook = defineRunbook({
  document: 'Hubfix-IAM-UnusedCredentials',
  title: 'Disable IAM user credentials unused for 90 days (IAM.8) or 45 days (IAM.22)',
  class: 'B',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsIamUser',
  changes:
    "Deactivates the user's access keys unused for more than N days (never deletes them) and deletes a console password unused for N days.",
  guidance:
    'Deactivate (or delete) access keys and remove console passwords that have not been used for 90 days (45 for IAM.22 / CIS 1.4.0 and 3.0.0 1.12); a credential never used counts from its creation. Check the IAM credential report first.',
  description: `# Hubfix: IAM credentials unused for 90 days (CIS 1.2.0 1.3, IAM.8) or 45 days (CIS 1.4.0 / 3.0.0 1.12, IAM.22)

Disables the credentials of one IAM user that have not been used for more than \`MaxUnusedDays\` days (default 90; the orchestrator passes 45 for IAM.22). The user may be given by name or by its unique id (\`AIDA…\`, as findings from AWS Config evaluations name it): the plan resolves an id with \`ListUsers\` and records both; an id no user has is skipped with the reason. A credential that was never used counts from its creation; a console password set again after its last use counts from when it was set.

1. **Plan** reads the user's access keys (\`ListAccessKeys\`, \`GetAccessKeyLastUsed\`) and console password (\`GetLoginProfile\`, \`PasswordLastUsed\` from \`GetUser\`). \`Plan.Before\` keeps every key's id, status, creation and last use, and the password's creation and last use. \`Plan.Summary\` names what would be disabled.
2. **Gate**: with \`DryRun\` true nothing is changed; when nothing is unused the run goes straight to verify; a user that no longer exists is skipped.
3. **Disable** reads the credentials again (one used since the plan is left alone), then sets each unused **active** key to \`Inactive\` with \`UpdateAccessKey\` — keys are never deleted — and removes an unused console password with \`DeleteLoginProfile\`. Keys that are in use and inactive keys are not touched.
4. **Verify** reads the live credentials: no active key and no password may be unused for more than \`MaxUnusedDays\`.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: reactivate a key with \`aws iam update-access-key --user-name <UserName> --access-key-id <id> --status Active\` (ids are in \`Plan.Before.AccessKeys\`). A deleted password cannot be restored: give the user a new one with \`aws iam create-login-profile --user-name <UserName> --password <temporary> --password-reset-required\`.`,
  controls: [
    { id: 'IAM.8', title: 'Unused IAM user credentials should be removed', aliases: { 'cis-1.2.0': ['1.3'] }, fsbp: true },
    {
      id: 'IAM.22',
      title: 'IAM user credentials unused for 45 days should be removed',
      aliases: { 'cis-1.4.0': ['1.12'], 'cis-3.0.0': ['1.12'] },
      // CIS 1.4.0 and 3.0.0 ask for 45 days where CIS 1.2.0 (IAM.8) asks for 90
      parameters: { MaxUnusedDays: 45 },
    },
  ],
  extract: IAM_USER_EXTRACT,
  parameters: {
    UserName: param.string({
      description: 'The IAM user whose unused credentials are disabled: its name, or its unique id (AIDA…), which the plan resolves.',
      pattern: USER_NAME_PARAMETER_PATTERN,
    }),
    MaxUnusedDays: param.integer({ description: 'A credential unused for more than this many days (30–3650) is disabled.', default: 90 }),
  },
  body(p) {
    const input = { UserName: p.UserName, MaxUnusedDays: p.MaxUnusedDays };
    return scriptPhases({
      input,
      plan: { handler: planUnusedCredentials, description: 'Read keys and password with their last use (before-state).' },
      change: {
        name: 'Disable',
        handler: disableUnusedCredentials,
        description: 'Deactivate unused keys; delete an unused console password.',
      },
      verify: { handler: verifyUnusedCredentials, description: 'Check that no active credential is unused.' },
    });
  },
});
