import { hasErrorCode } from '../src/aws/invoker';
import { permissionFor } from '../src/iam/actions';
import type { ScriptContext } from '../src/model/handlers';
import { defineRunbook } from '../src/model/runbook';
import { FINDING_USER, type GuidedFacts, findingUserFact, guidedBody, guidedHandlers, iamPages } from './support/guided';

/** IAM.5 (CIS 1.2.0 1.2): the IAM users with a console password and no MFA device. Guided: a person enrols the device. */

/** How many users one run looks at (two reads each); the facts say when there were more. */
export const USER_LIMIT = 500;

interface UserView {
  UserName: string;
}

/** A user offends when it can sign in to the console and has no MFA device. Pure. */
export function lacksMfa(hasConsolePassword: boolean, mfaDevices: number): boolean {
  return hasConsolePassword && mfaDevices === 0;
}

async function hasConsolePassword(ctx: ScriptContext, userName: string): Promise<boolean> {
  try {
    await ctx.aws('iam', 'GetLoginProfile', { UserName: userName });
    return true;
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchEntity')) return false;
    throw err;
  }
}

export async function usersWithoutMfa(ctx: ScriptContext, findingUser = ''): Promise<GuidedFacts> {
  const { items, truncated } = await iamPages<UserView>(ctx, 'ListUsers', 'Users', {}, USER_LIMIT);
  const details: Record<string, string> = {};
  for (const u of items) {
    if (!(await hasConsolePassword(ctx, u.UserName))) continue;
    const mfa = await ctx.aws<{ MFADevices?: unknown[] }>('iam', 'ListMFADevices', { UserName: u.UserName });
    if (lacksMfa(true, (mfa.MFADevices ?? []).length)) details[u.UserName] = 'console password, no MFA device';
  }
  return {
    offenders: Object.keys(details).sort(),
    noun: 'IAM users with a console password and no MFA device',
    details,
    advice:
      'Each user (or an administrator) assigns an MFA device: IAM console → Users → the user → Security credentials → Assign MFA device; or remove the console password of a user who does not need it.',
    context: {
      ...(await findingUserFact(ctx, findingUser, Object.keys(details))),
      UsersChecked: `${items.length}${truncated ? ` (the first ${USER_LIMIT}; there are more)` : ''}`,
    },
  };
}

const handlers = guidedHandlers<{ UserName: string }>({
  id: 'userMfaGuide',
  what: 'the IAM users with a console password and no MFA device',
  permissions: [permissionFor('iam', 'ListUsers'), permissionFor('iam', 'GetLoginProfile'), permissionFor('iam', 'ListMFADevices')],
  gather: (input, ctx) => usersWithoutMfa(ctx, input.UserName),
});

export const userMfaGuidanceRunbook = defineRunbook({
  document: 'Hubfix-IAM-UserMfaGuidance',
  title: 'MFA for every IAM user with a console password (guided)',
  class: 'C',
  // read-only: the run only gathers facts for the note and the notification
  defaultMode: 'auto',
  guided: true,
  // one run per finding: each finding names its own user, and gets the facts in its own note
  scope: 'resource',
  resourceType: 'AwsIamUser',
  changes:
    'Nothing: lists the IAM users with a console password and no MFA device on the finding and in the notification, for a person to act on.',
  guidance:
    'Enrolling an MFA device needs the user (or an administrator holding the device). For each listed user: IAM console → Users → Security credentials → Assign MFA device, or remove a console password that is not needed. hubfix never removes a console password by itself.',
  description: `# Hubfix: IAM users with a console password and no MFA (IAM.5, CIS 1.2.0 1.2) — guided

Changes nothing. An MFA device has to be enrolled by a person, so this runbook gathers the facts a person needs and puts them on the finding and in the notification.

1. **Plan** lists the users (\`ListUsers\`, at most ${USER_LIMIT}), and for each one whether it has a console password (\`GetLoginProfile\`) and MFA devices (\`ListMFADevices\`). Users with a password and no device are the offenders; they are the before-state and the summary. None: the control is met and **Verify** confirms it.
2. **Finalize** writes the summary to the finding's note (workflow NOTIFIED) and notifies with every offender in the before-state.`,
  controls: [
    {
      id: 'IAM.5',
      title: 'MFA should be enabled for all IAM users that have a console password',
      aliases: { 'cis-1.2.0': ['1.2'], 'cis-1.4.0': ['1.10'], 'cis-3.0.0': ['1.10'] },
      fsbp: true,
    },
  ],
  extract: FINDING_USER.extract,
  parameters: { UserName: FINDING_USER.parameter },
  body: (p) => guidedBody(handlers, { UserName: p.UserName }),
});
