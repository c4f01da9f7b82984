import { permissionFor } from '../src/iam/actions';
import type { ScriptContext } from '../src/model/handlers';
import { defineRunbook } from '../src/model/runbook';
import { type GuidedFacts, guidedBody, guidedHandlers, iamPages } from './support/guided';
import { asList, type PolicyStatement, parsePolicyDocument } from './support/policy-document';

/** IAM.1 (CIS 1.2.0 1.22): customer managed policies whose default version allows `*` on `*`, with the statement. */

export const POLICY_LIMIT = 1000;
const STATEMENT_CHARS = 300;

/** A statement that allows every action on every resource. Pure. */
export function allowsFullAdmin(s: PolicyStatement): boolean {
  if (s.Effect !== 'Allow') return false;
  if ((s as { NotAction?: unknown }).NotAction !== undefined) return false;
  return asList(s.Action).includes('*') && asList(s.Resource).includes('*');
}

interface PolicyView {
  PolicyName: string;
  Arn: string;
  DefaultVersionId: string;
  AttachmentCount?: number;
}

export async function fullAdminPolicies(ctx: ScriptContext): Promise<GuidedFacts> {
  const { items, truncated } = await iamPages<PolicyView>(ctx, 'ListPolicies', 'Policies', { Scope: 'Local' }, POLICY_LIMIT);
  const details: Record<string, string> = {};
  for (const p of items) {
    const v = await ctx.aws<{ PolicyVersion?: { Document?: string } }>('iam', 'GetPolicyVersion', {
      PolicyArn: p.Arn,
      VersionId: p.DefaultVersionId,
    });
    const doc = parsePolicyDocument(v.PolicyVersion?.Document);
    const admin = (doc?.Statement ?? []).filter(allowsFullAdmin);
    if (admin.length === 0) continue;
    const statement = JSON.stringify(admin[0]);
    details[p.PolicyName] =
      `${p.Arn} (version ${p.DefaultVersionId}, attached ${p.AttachmentCount ?? 0} times): ${statement.length > STATEMENT_CHARS ? `${statement.slice(0, STATEMENT_CHARS)}…` : statement}`;
  }
  return {
    offenders: Object.keys(details).sort(),
    noun: 'customer managed policies allowing "*" on "*"',
    details,
    advice:
      'Replace the statement with the actions and resources the holders need (IAM Access Analyzer can generate a policy from CloudTrail activity), then make that version the default.',
    context: { PoliciesChecked: `${items.length}${truncated ? ` (the first ${POLICY_LIMIT}; there are more)` : ''}` },
  };
}

const handlers = guidedHandlers<Record<string, never>>({
  id: 'adminPoliciesGuide',
  what: 'the customer managed policies that allow "*" on "*"',
  permissions: [permissionFor('iam', 'ListPolicies'), permissionFor('iam', 'GetPolicyVersion')],
  gather: (_input, ctx) => fullAdminPolicies(ctx),
});

export const adminPoliciesGuidanceRunbook = defineRunbook({
  document: 'Hubfix-IAM-AdminPoliciesGuidance',
  title: 'No customer managed policy allows full "*:*" administrative privileges (guided)',
  class: 'C',
  defaultMode: 'auto',
  guided: true,
  scope: 'account',
  resourceType: 'AwsIamPolicy',
  changes:
    'Nothing: lists the customer managed policies whose default version allows "*" on "*", with the statement, on the finding and in the notification.',
  guidance:
    'Narrowing an administrator policy can lock people or workloads out: decide with its holders which actions and resources they need, write a new version and make it the default. hubfix never edits a policy by itself.',
  description: `# Hubfix: customer managed policies with "*" on "*" (IAM.1, CIS 1.2.0 1.22) — guided

Changes nothing. Who needs which permissions is a decision for a person, so this runbook gathers the facts.

1. **Plan** lists the customer managed policies (\`ListPolicies\` Scope Local, at most ${POLICY_LIMIT}) and reads each default version (\`GetPolicyVersion\`). A policy with a statement \`"Effect": "Allow", "Action": "*", "Resource": "*"\` offends; the before-state has its ARN, attachment count and the statement. None: the control is met and **Verify** confirms it.
2. **Finalize** writes the summary to the note (workflow NOTIFIED) and notifies with the facts.`,
  controls: [
    {
      id: 'IAM.1',
      title: 'IAM policies should not allow full "*" administrative privileges',
      aliases: { 'cis-1.2.0': ['1.22'], 'cis-1.4.0': ['1.16'] },
      fsbp: true,
    },
  ],
  extract: [],
  parameters: {},
  body: () => guidedBody(handlers, {}),
});
