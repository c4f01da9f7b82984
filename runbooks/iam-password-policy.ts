import { hasErrorCode } from '../src/aws/invoker';
import { defineHandler, type ScriptContext } from '../src/model/handlers';
import { param } from '../src/model/parameters';
import { CHANGE_OUTPUTS, PLAN_OUTPUTS, type PlanResult, VERIFY_OUTPUTS, type VerifyResult, scriptPhases } from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';

/** The settings UpdateAccountPasswordPolicy takes; a field it is not given is reset to its default. */
export interface PasswordPolicy {
  MinimumPasswordLength?: number;
  RequireSymbols?: boolean;
  RequireNumbers?: boolean;
  RequireUppercaseCharacters?: boolean;
  RequireLowercaseCharacters?: boolean;
  AllowUsersToChangePassword?: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

export interface PasswordTargets {
  MinimumPasswordLength: number;
  PasswordReusePrevention: number;
  MaxPasswordAgeDays: number;
  HardExpiry: 'Keep' | 'Enable';
}

export const CIS_PASSWORD_TARGETS: PasswordTargets = {
  MinimumPasswordLength: 14,
  PasswordReusePrevention: 24,
  MaxPasswordAgeDays: 90,
  HardExpiry: 'Keep',
};

/** IAM's own bounds for the numeric settings. */
const BOUNDS = {
  MinimumPasswordLength: [6, 128],
  PasswordReusePrevention: [1, 24],
  MaxPasswordAgeDays: [1, 1095],
} as const;

export function checkTargets(t: PasswordTargets): void {
  for (const [key, [lo, hi]] of Object.entries(BOUNDS)) {
    const v = t[key as keyof typeof BOUNDS];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${key} must be an integer from ${lo} to ${hi}, got ${v}`);
  }
  if (t.HardExpiry !== 'Keep' && t.HardExpiry !== 'Enable') throw new Error(`HardExpiry must be Keep or Enable, got ${t.HardExpiry}`);
}

const FLAGS = ['RequireUppercaseCharacters', 'RequireLowercaseCharacters', 'RequireSymbols', 'RequireNumbers'] as const;
const SETTABLE: ReadonlyArray<keyof PasswordPolicy> = [
  'MinimumPasswordLength',
  ...FLAGS,
  'AllowUsersToChangePassword',
  'MaxPasswordAge',
  'PasswordReusePrevention',
  'HardExpiry',
];

/**
 * Merge the current policy toward the targets without weakening anything: lengths and reuse go
 * up only, the maximum age goes down only, a required character class stays required,
 * HardExpiry and AllowUsersToChangePassword stay as they are unless asked. Pure.
 */
export function mergePasswordPolicy(current: PasswordPolicy | null, t: PasswordTargets): { policy: PasswordPolicy; changes: string[] } {
  const cur = current ?? {};
  const policy: PasswordPolicy = {
    MinimumPasswordLength: Math.max(cur.MinimumPasswordLength ?? 0, t.MinimumPasswordLength),
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    RequireSymbols: true,
    RequireNumbers: true,
    // a new policy lets users change their own password, so they can rotate it themselves
    AllowUsersToChangePassword: current ? (cur.AllowUsersToChangePassword ?? false) : true,
    MaxPasswordAge: cur.MaxPasswordAge ? Math.min(cur.MaxPasswordAge, t.MaxPasswordAgeDays) : t.MaxPasswordAgeDays,
    PasswordReusePrevention: Math.max(cur.PasswordReusePrevention ?? 0, t.PasswordReusePrevention),
    HardExpiry: t.HardExpiry === 'Enable' ? true : (cur.HardExpiry ?? false),
  };
  const describe = (k: keyof PasswordPolicy) => `${k} ${cur[k] ?? 'unset'} → ${policy[k]}`;
  const changes = current
    ? SETTABLE.filter((k) => (cur[k] ?? false) !== policy[k]).map(describe)
    : [`create the policy (${SETTABLE.map((k) => `${k}=${policy[k]}`).join(', ')})`];
  return { policy, changes };
}

/** The settings that do not meet the targets (empty: compliant). Pure. */
export function unmetTargets(p: PasswordPolicy | null, t: PasswordTargets): string[] {
  if (!p) return ['no account password policy'];
  const unmet: string[] = [];
  if ((p.MinimumPasswordLength ?? 0) < t.MinimumPasswordLength) unmet.push(`MinimumPasswordLength < ${t.MinimumPasswordLength}`);
  for (const f of FLAGS) if (!p[f]) unmet.push(`${f} is off`);
  if ((p.PasswordReusePrevention ?? 0) < t.PasswordReusePrevention) unmet.push(`PasswordReusePrevention < ${t.PasswordReusePrevention}`);
  if (!p.MaxPasswordAge || p.MaxPasswordAge > t.MaxPasswordAgeDays) unmet.push(`MaxPasswordAge not ≤ ${t.MaxPasswordAgeDays}`);
  if (t.HardExpiry === 'Enable' && !p.HardExpiry) unmet.push('HardExpiry is off');
  return unmet;
}

async function readPolicy(ctx: ScriptContext): Promise<PasswordPolicy | null> {
  try {
    const out = await ctx.aws<{ PasswordPolicy?: PasswordPolicy & Record<string, unknown> }>('iam', 'GetAccountPasswordPolicy');
    const p = out.PasswordPolicy ?? {};
    // keep only the settable fields: ExpirePasswords is derived, not set
    const policy: PasswordPolicy = {};
    for (const key of SETTABLE) if (p[key] !== undefined) (policy as Record<string, unknown>)[key] = p[key];
    return policy;
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return null;
    throw err;
  }
}

const readPermission = { action: 'iam:GetAccountPasswordPolicy' };

export const planPasswordPolicy = defineHandler<PasswordTargets, PlanResult>({
  id: 'iamPasswordPolicy.plan',
  description: 'Read the account password policy and plan the merge toward the CIS settings.',
  permissions: [readPermission],
  outputs: PLAN_OUTPUTS,
  async run(targets, ctx) {
    checkTargets(targets);
    const current = await readPolicy(ctx);
    const { changes } = mergePasswordPolicy(current, targets);
    const unmet = unmetTargets(current, targets);
    const before = current ? { ...current } : { PasswordPolicy: 'none' };
    if (unmet.length === 0)
      return { Decision: 'compliant', Before: before, Summary: 'password policy already meets the targets; nothing to change' };
    return { Decision: 'remediate', Before: before, Summary: `password policy: ${changes.join('; ')}` };
  },
});

export const applyPasswordPolicy = defineHandler<PasswordTargets, { Changed: string; Applied: Record<string, unknown> }>({
  id: 'iamPasswordPolicy.apply',
  description: 'Re-read the policy, merge toward the targets without weakening it, and write it back.',
  permissions: [readPermission, { action: 'iam:UpdateAccountPasswordPolicy' }],
  outputs: { ...CHANGE_OUTPUTS, Applied: 'StringMap' },
  async run(targets, ctx) {
    checkTargets(targets);
    // read again right before writing: the policy may have changed since the plan
    const current = await readPolicy(ctx);
    const { policy, changes } = mergePasswordPolicy(current, targets);
    if (current && unmetTargets(current, targets).length === 0) return { Changed: 'nothing', Applied: { ...current } };
    await ctx.aws('iam', 'UpdateAccountPasswordPolicy', { ...policy });
    return { Changed: changes.join('; '), Applied: { ...policy } };
  },
});

export const verifyPasswordPolicy = defineHandler<PasswordTargets, VerifyResult>({
  id: 'iamPasswordPolicy.verify',
  description: 'Read the live policy and check every setting against the targets.',
  permissions: [readPermission],
  outputs: VERIFY_OUTPUTS,
  async run(targets, ctx) {
    const current = await readPolicy(ctx);
    const unmet = unmetTargets(current, targets);
    return { Verified: unmet.length === 0, After: current ? { ...current } : { PasswordPolicy: 'none' }, Unmet: unmet.join('; ') };
  },
});

export const passwordPolicyRunbook = defineRunbook({
  document: 'Hubfix-IAM-PasswordPolicy',
  title: 'IAM account password policy meets CIS',
  class: 'A',
  defaultMode: 'auto',
  scope: 'account',
  resourceType: 'AwsAccount',
  changes:
    'Merges the account password policy toward CIS (length 14, all character classes, reuse 24, max age 90); never weakens a stricter setting.',
  guidance:
    'Set the IAM account password policy: minimum length 14, require upper, lower, number and symbol, prevent reuse of 24, expire within 90 days.',
  description: `# Hubfix: IAM account password policy (CIS 1.5–1.11)

Brings the account password policy up to the CIS AWS Foundations Benchmark without weakening it.

1. **Plan** reads the current policy (the before-state is in this step's output, so the change can be undone by hand) and lists what would change.
2. **Gate**: with \`DryRun\` true, or when the policy already meets the targets, nothing is written.
3. **Apply** reads the policy again, merges (longer length, higher reuse prevention and shorter maximum age win; required character classes stay required; \`HardExpiry\` and \`AllowUsersToChangePassword\` stay as they are unless \`HardExpiry=Enable\`) and writes it with \`UpdateAccountPasswordPolicy\`.
4. **Verify** reads the live policy and checks every setting.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: take \`Plan.Before\` from this execution and pass it to \`aws iam update-account-password-policy\`.`,
  controls: [
    { id: 'IAM.11', title: 'Password policy requires an uppercase letter', aliases: { 'cis-1.2.0': ['1.5'] } },
    { id: 'IAM.12', title: 'Password policy requires a lowercase letter', aliases: { 'cis-1.2.0': ['1.6'] } },
    { id: 'IAM.13', title: 'Password policy requires a symbol', aliases: { 'cis-1.2.0': ['1.7'] } },
    { id: 'IAM.14', title: 'Password policy requires a number', aliases: { 'cis-1.2.0': ['1.8'] } },
    {
      id: 'IAM.15',
      title: 'Password policy minimum length is 14 or more',
      aliases: { 'cis-1.2.0': ['1.9'], 'cis-1.4.0': ['1.8'], 'cis-3.0.0': ['1.8'] },
    },
    {
      id: 'IAM.16',
      title: 'Password policy prevents password reuse',
      aliases: { 'cis-1.2.0': ['1.10'], 'cis-1.4.0': ['1.9'], 'cis-3.0.0': ['1.9'] },
    },
    { id: 'IAM.17', title: 'Password policy expires passwords within 90 days', aliases: { 'cis-1.2.0': ['1.11'] } },
    {
      id: 'IAM.7',
      title: 'Password policies for IAM users have strong configurations',
      fsbp: true,
      // the custom parameters Security Hub offers for IAM.7 (the AWS Config rule iam-password-policy's);
      // the Require* flags need no mapping: this runbook requires every character class
      securityControlParameters: {
        MinimumPasswordLength: { parameter: 'MinimumPasswordLength', stricter: 'higher', bounds: BOUNDS.MinimumPasswordLength },
        PasswordReusePrevention: { parameter: 'PasswordReusePrevention', stricter: 'higher', bounds: BOUNDS.PasswordReusePrevention },
        MaxPasswordAge: { parameter: 'MaxPasswordAgeDays', stricter: 'lower', bounds: BOUNDS.MaxPasswordAgeDays },
      },
    },
  ],
  extract: [],
  parameters: {
    MinimumPasswordLength: param.integer({
      description: 'Minimum password length (6–128); a longer existing minimum is kept.',
      default: 14,
    }),
    PasswordReusePrevention: param.integer({ description: 'Passwords remembered (1–24); a higher existing value is kept.', default: 24 }),
    MaxPasswordAgeDays: param.integer({
      description: 'Maximum password age in days (1–1095); a shorter existing age is kept.',
      default: 90,
    }),
    HardExpiry: param.choice(['Keep', 'Enable'] as const, {
      description: 'Keep: leave HardExpiry as it is. Enable: turn it on (users with expired passwords need an administrator).',
      default: 'Keep',
    }),
  },
  body(p) {
    const targets = {
      MinimumPasswordLength: p.MinimumPasswordLength,
      PasswordReusePrevention: p.PasswordReusePrevention,
      MaxPasswordAgeDays: p.MaxPasswordAgeDays,
      HardExpiry: p.HardExpiry,
    };
    return scriptPhases({
      input: targets,
      plan: { handler: planPasswordPolicy, description: 'Read the policy (before-state) and plan the merge.' },
      change: { name: 'Apply', handler: applyPasswordPolicy, description: 'Merge toward the targets and write the policy.' },
      verify: { handler: verifyPasswordPolicy, description: 'Check the live policy against the targets.' },
    });
  },
});
