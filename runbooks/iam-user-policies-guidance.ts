import { permissionFor } from '../src/iam/actions';
import type { ScriptContext } from '../src/model/handlers';
import { defineRunbook } from '../src/model/runbook';
import { FINDING_USER, type GuidedFacts, findingUserFact, guidedBody, guidedHandlers, iamPages } from './support/guided';

/** IAM.2 (CIS 1.2.0 1.16): IAM users with policies attached directly (managed or inline), with the policy names. */

export const USER_LIMIT = 500;

/** What a user has attached, for the facts; empty when nothing. Pure. */
export function userPolicyFacts(attached: string[], inline: string[]): string {
  const parts = [
    ...(attached.length ? [`attached: ${[...attached].sort().join(', ')}`] : []),
    ...(inline.length ? [`inline: ${[...inline].sort().join(', ')}`] : []),
  ];
  return parts.join('; ');
}

export async function usersWithPolicies(ctx: ScriptContext, findingUser = ''): Promise<GuidedFacts> {
  const { items, truncated } = await iamPages<{ UserName: string }>(ctx, 'ListUsers', 'Users', {}, USER_LIMIT);
  const details: Record<string, string> = {};
  for (const u of items) {
    const attached = await iamPages<{ PolicyName: string }>(
      ctx,
      'ListAttachedUserPolicies',
      'AttachedPolicies',
      { UserName: u.UserName },
      1000,
    );
    const inline = await iamPages<string>(ctx, 'ListUserPolicies', 'PolicyNames', { UserName: u.UserName }, 1000);
    const facts = userPolicyFacts(
      attached.items.map((p) => p.PolicyName),
      inline.items,
    );
    if (facts) details[u.UserName] = facts;
  }
  return {
    offenders: Object.keys(details).sort(),
    noun: 'IAM users with policies attached directly',
    details,
    advice:
      'Move the permissions to a group (or a role) and add the user to it, then detach or delete the user policies; the before-state names every policy.',
    context: {
      ...(await findingUserFact(ctx, findingUser, Object.keys(details))),
      UsersChecked: `${items.length}${truncated ? ` (the first ${USER_LIMIT}; there are more)` : ''}`,
    },
  };
}

const handlers = guidedHandlers<{ UserName: string }>({
  id: 'userPoliciesGuide',
  what: 'the IAM users with attached or inline policies',
  permissions: [
    permissionFor('iam', 'ListUsers'),
    permissionFor('iam', 'ListAttachedUserPolicies'),
    permissionFor('iam', 'ListUserPolicies'),
  ],
  gather: (input, ctx) => usersWithPolicies(ctx, input.UserName),
});

export const userPoliciesGuidanceRunbook = defineRunbook({
  document: 'Hubfix-IAM-UserPoliciesGuidance',
  title: 'IAM users receive permissions only through groups or roles (guided)',
  class: 'C',
  defaultMode: 'auto',
  guided: true,
  // one run per finding: each finding names its own user, and gets the facts in its own note
  scope: 'resource',
  resourceType: 'AwsIamUser',
  changes: 'Nothing: lists the IAM users with attached or inline policies, with the policy names, on the finding and in the notification.',
  guidance:
    'Moving a user policy to a group changes who holds the permission and can break a workload: create or pick a group with the same policies, add the user, verify, then detach or delete the user policies. hubfix does not move policies by itself.',
  description: `# Hubfix: IAM users with policies attached directly (IAM.2, CIS 1.2.0 1.16) — guided

Changes nothing. Which group should hold a user's permissions is a decision for a person, so this runbook gathers the facts.

1. **Plan** lists the users (\`ListUsers\`, at most ${USER_LIMIT}) and, for each, the managed policies attached to it (\`ListAttachedUserPolicies\`) and its inline policies (\`ListUserPolicies\`). Users with any are the offenders; the before-state names every policy. None: the control is met and **Verify** confirms it.
2. **Finalize** writes the summary to the note (workflow NOTIFIED) and notifies with the facts.`,
  controls: [
    {
      id: 'IAM.2',
      title: 'IAM users should not have IAM policies attached',
      aliases: { 'cis-1.2.0': ['1.16'], 'cis-3.0.0': ['1.15'] },
      fsbp: true,
    },
  ],
  extract: FINDING_USER.extract,
  parameters: { UserName: FINDING_USER.parameter },
  body: (p) => guidedBody(handlers, { UserName: p.UserName }),
});
