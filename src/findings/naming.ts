import * as crypto from 'node:crypto';

/**
 * Names the orchestrator derives: the runbook's own role, the member role it assumes, and the
 * idempotency token of a start. Pure and deterministic.
 */

/** The role name prefix every hubfix role in a member account shares (IAM policies scope on it). */
export const ROLE_PREFIX = 'hubfix-';

/**
 * The runbook's own role name: `hubfix-` + the document name without its `Hubfix-` prefix
 * (`Hubfix-IAM-PasswordPolicy` → `hubfix-IAM-PasswordPolicy`). The stack that deploys a runbook
 * creates its role under this name in every member account; it is the automation's
 * AutomationAssumeRole. IAM role names are at most 64 characters.
 */
export function runbookRoleName(document: string): string {
  const name = `${ROLE_PREFIX}${document.replace(/^Hubfix-/i, '')}`;
  if (!/^[\w+=,.@-]{1,64}$/.test(name))
    throw new Error(`document ${document} gives the role name ${name}, which IAM does not allow (at most 64 of [A-Za-z0-9+=,.@_-])`);
  return name;
}

export function runbookRoleArn(account: string, document: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${runbookRoleName(document)}`;
}

/** The role the orchestrator assumes in a member account (configuration `memberRoleName`). */
export function memberRoleArn(account: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

const TOKEN_NAMESPACE = 'hubfix.orchestrator.start/2';

/**
 * The ClientToken of StartAutomationExecution: a name-based UUID (version 5 layout, SHA-1) of the
 * finding, the trigger (the evaluation it came from: `imported@<UpdatedAt>`, or the custom
 * action's event) and whether it is a dry run. The same trigger handled twice derives the same
 * token, so SSM starts the automation once; nothing stored on the finding (which anyone who may
 * update it can rewrite) goes into it, so a wiped attempt count can never replay an old run.
 */
export function clientToken(findingId: string, trigger: string, dryRun: boolean): string {
  const h = sha1(`${TOKEN_NAMESPACE}\n${findingId}\n${trigger}\n${dryRun ? 'dry-run' : 'run'}`);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// crypto.hash (Node 20.12+, every Lambda runtime hubfix targets) skips the Hash object per call
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
function sha1(text: string): Buffer {
  return oneShot ? oneShot('sha1', text, 'buffer') : crypto.createHash('sha1').update(text).digest();
}
