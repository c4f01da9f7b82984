import { permissionFor } from '../src/iam/actions';
import type { ScriptContext } from '../src/model/handlers';
import { param } from '../src/model/parameters';
import { defineRunbook } from '../src/model/runbook';
import { type GuidedFacts, guidedBody, guidedHandlers } from './support/guided';
import { InvalidSettingError } from './support/settings';

/**
 * The root user's credentials: IAM.4 (CIS 1.2.0 1.12, no root access key), IAM.9 (1.13, root MFA)
 * and IAM.6 (1.14, hardware root MFA). Only the root user (or, for access keys, an Organizations
 * privileged root session) can fix them, so this runbook gathers the facts for a person.
 */

export const ROOT_CONTROLS = ['IAM.4', 'IAM.6', 'IAM.9'] as const;
export type RootControl = (typeof ROOT_CONTROLS)[number];

/** The account summary and the root user's MFA device, as the three controls judge them. */
export interface RootState {
  accessKeysPresent: boolean;
  mfaEnabled: boolean;
  /** The root user's MFA device is a virtual one (IAM.6 wants hardware). */
  virtualMfa: boolean;
}

/** What offends for one control (empty: met). Pure. */
export function rootProblem(control: RootControl, s: RootState): string {
  switch (control) {
    case 'IAM.4':
      return s.accessKeysPresent ? 'the root user has an access key' : '';
    case 'IAM.9':
      return s.mfaEnabled ? '' : 'the root user has no MFA device';
    case 'IAM.6':
      if (!s.mfaEnabled) return 'the root user has no MFA device';
      return s.virtualMfa ? 'the root user has a virtual MFA device, not a hardware one' : '';
  }
}

const ADVICE: Record<RootControl, string> = {
  'IAM.4':
    'Delete the root access key: sign in as the root user → Security credentials → Access keys → Delete; in an Organization with centralized root access, run Hubfix-IAM-RootAccessKeysDelete (opt-in) from the management account or the IAM delegated administrator.',
  'IAM.9':
    'Sign in as the root user → Security credentials → Assign MFA device (or, in an Organization, remove the member root credentials centrally).',
  'IAM.6':
    'Sign in as the root user → Security credentials → assign a hardware MFA device (FIDO key or hardware TOTP token) and remove the virtual one.',
};

function checkControl(control: string): RootControl {
  if (!(ROOT_CONTROLS as readonly string[]).includes(control))
    throw new InvalidSettingError(`Control must be one of ${ROOT_CONTROLS.join(', ')}, got ${control}`);
  return control as RootControl;
}

export async function rootFacts(ctx: ScriptContext, control: RootControl): Promise<GuidedFacts> {
  const summary = await ctx.aws<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary', {});
  const map = summary.SummaryMap ?? {};
  const state: RootState = {
    accessKeysPresent: (map.AccountAccessKeysPresent ?? 0) > 0,
    mfaEnabled: (map.AccountMFAEnabled ?? 0) > 0,
    virtualMfa: false,
  };
  if (control === 'IAM.6' && state.mfaEnabled) {
    const v = await ctx.aws<{ VirtualMFADevices?: Array<{ SerialNumber?: string; User?: { Arn?: string } }> }>(
      'iam',
      'ListVirtualMFADevices',
      {
        AssignmentStatus: 'Assigned',
      },
    );
    state.virtualMfa = (v.VirtualMFADevices ?? []).some(
      (d) => /:mfa\/root-account-mfa-device$/.test(d.SerialNumber ?? '') || /:root$/.test(d.User?.Arn ?? ''),
    );
  }
  const problem = rootProblem(control, state);
  return {
    offenders: problem ? ['root user'] : [],
    noun: control === 'IAM.4' ? 'root user with an access key' : 'root user without the MFA the control asks for',
    details: problem ? { 'root user': problem } : {},
    advice: ADVICE[control],
    context: {
      Control: control,
      AccountAccessKeysPresent: String(map.AccountAccessKeysPresent ?? 0),
      AccountMFAEnabled: String(map.AccountMFAEnabled ?? 0),
      ...(control === 'IAM.6' ? { RootVirtualMfa: String(state.virtualMfa) } : {}),
    },
  };
}

const handlers = guidedHandlers<{ Control: string }>({
  id: 'rootGuide',
  what: "the root user's access keys and MFA (account summary)",
  permissions: [permissionFor('iam', 'GetAccountSummary'), permissionFor('iam', 'ListVirtualMFADevices')],
  gather: (input, ctx) => rootFacts(ctx, checkControl(input.Control)),
});

export const rootGuidanceRunbook = defineRunbook({
  document: 'Hubfix-IAM-RootCredentialsGuidance',
  title: "The root user's access keys and MFA (guided)",
  class: 'C',
  defaultMode: 'auto',
  guided: true,
  scope: 'resource',
  resourceType: 'AwsAccount',
  changes:
    'Nothing: reads the account summary (and for IAM.6 the virtual MFA devices) and puts what the root user lacks on the finding and in the notification. Root access keys can be deleted by the opt-in Hubfix-IAM-RootAccessKeysDelete from the management account.',
  guidance:
    'Only the root user can add its MFA device or delete its keys (or, for member accounts of an Organization with centralized root access, a privileged root session from the management account or the IAM delegated administrator).',
  description: `# Hubfix: root user credentials (IAM.4, IAM.9, IAM.6; CIS 1.2.0 1.12–1.14) — guided

Changes nothing: only the root user can fix these, so this runbook gathers the facts for a person. \`Control\` (set by the catalog per finding) says which control is asked about.

1. **Plan** reads \`GetAccountSummary\` (\`AccountAccessKeysPresent\`, \`AccountMFAEnabled\`); for IAM.6 it also lists the assigned virtual MFA devices (\`ListVirtualMFADevices\`): a virtual device of the root user is not hardware. What offends is the summary; nothing offending: met, and **Verify** confirms it.
2. **Finalize** writes the summary to the note (workflow NOTIFIED) and notifies with the facts.

For IAM.4 in an Organization with centralized root access, \`Hubfix-IAM-RootAccessKeysDelete\` (opt-in, run from the management account or the IAM delegated administrator) deletes the member account's root access keys.`,
  controls: [
    {
      id: 'IAM.4',
      title: 'IAM root user access key should not exist',
      aliases: { 'cis-1.2.0': ['1.12'], 'cis-1.4.0': ['1.4'], 'cis-3.0.0': ['1.4'] },
      fsbp: true,
      parameters: { Control: 'IAM.4' },
    },
    {
      id: 'IAM.9',
      title: 'MFA should be enabled for the root user',
      aliases: { 'cis-1.2.0': ['1.13'], 'cis-1.4.0': ['1.5'], 'cis-3.0.0': ['1.5'] },
      parameters: { Control: 'IAM.9' },
    },
    {
      id: 'IAM.6',
      title: 'Hardware MFA should be enabled for the root user',
      aliases: { 'cis-1.2.0': ['1.14'], 'cis-1.4.0': ['1.6'], 'cis-3.0.0': ['1.6'] },
      fsbp: true,
      parameters: { Control: 'IAM.6' },
    },
  ],
  extract: [],
  parameters: {
    Control: param.choice(ROOT_CONTROLS, {
      description: 'The control asked about (IAM.4, IAM.6 or IAM.9); the catalog sets it per finding.',
    }),
  },
  body: (p) => guidedBody(handlers, { Control: p.Control }),
});
