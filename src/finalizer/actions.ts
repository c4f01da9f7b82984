import { errorCode, hasErrorCode, type Invoker } from '../aws/invoker';

/**
 * The Security Hub custom actions an analyst uses to ask for a run. A "Security Hub Findings -
 * Custom Action" event carries the action target ARN in `resources`; the orchestrator recognises
 * hubfix's actions by the id at the end of that ARN (`…:action/custom/HubfixRemediate`).
 */

export const REMEDIATE_ACTION_ID = 'HubfixRemediate';
export const DRY_RUN_ACTION_ID = 'HubfixDryRun';

export interface ActionTargetSpec {
  id: string;
  name: string;
  description: string;
}

/** CreateActionTarget: Name at most 20 characters, Id at most 20 alphanumeric characters. */
export const ACTION_NAME_MAX = 20;
export const ACTION_ID_PATTERN = /^[A-Za-z0-9]{1,20}$/;

export const ACTION_TARGETS: readonly ActionTargetSpec[] = [
  {
    id: REMEDIATE_ACTION_ID,
    name: 'Remediate',
    description: 'hubfix: run the remediation runbook for the selected findings; a finding is resolved only when the fix is verified.',
  },
  {
    id: DRY_RUN_ACTION_ID,
    name: 'Remediate (dry run)',
    description: 'hubfix: plan the remediation for the selected findings and report what would change; changes nothing.',
  },
];

/** The custom action id at the end of an action target ARN, or undefined. */
export function actionIdOfArn(arn: string): string | undefined {
  return /^arn:[a-z-]+:securityhub:[a-z0-9-]+:\d{12}:action\/custom\/([A-Za-z0-9]+)$/.exec(arn)?.[1];
}

/** Which hubfix action an ARN is: `remediate`, `dry-run`, or undefined for any other action. */
export function hubfixActionOfArn(arn: string): 'remediate' | 'dry-run' | undefined {
  const id = actionIdOfArn(arn);
  return id === REMEDIATE_ACTION_ID ? 'remediate' : id === DRY_RUN_ACTION_ID ? 'dry-run' : undefined;
}

export interface ActionTarget {
  arn: string;
  id: string;
  name: string;
  description: string;
}

export interface EnsuredActionTarget extends ActionTarget {
  region: string;
  result: 'created' | 'exists';
}

function toTarget(raw: unknown): ActionTarget | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const t = raw as Record<string, unknown>;
  if (typeof t.ActionTargetArn !== 'string') return undefined;
  return {
    arn: t.ActionTargetArn,
    id: actionIdOfArn(t.ActionTargetArn) ?? t.ActionTargetArn.split('/').pop() ?? '',
    name: typeof t.Name === 'string' ? t.Name : '',
    description: typeof t.Description === 'string' ? t.Description : '',
  };
}

/** Every custom action target in a Region (DescribeActionTargets, all pages). */
export async function listActionTargets(invoker: Invoker, region: string): Promise<ActionTarget[]> {
  const out: ActionTarget[] = [];
  let next: string | undefined;
  do {
    const page = await invoker.call({
      service: 'securityhub',
      operation: 'DescribeActionTargets',
      input: { MaxResults: 100, ...(next ? { NextToken: next } : {}) },
      region,
    });
    for (const raw of Array.isArray(page.ActionTargets) ? page.ActionTargets : []) {
      const t = toTarget(raw);
      if (t) out.push(t);
    }
    next = typeof page.NextToken === 'string' && page.NextToken ? page.NextToken : undefined;
  } while (next);
  return out;
}

/**
 * Creates hubfix's action targets in a Region, idempotently: a target that exists (listed
 * first, or reported by ResourceConflictException on create) is reused as it is.
 */
export async function ensureActionTargets(invoker: Invoker, region: string, specs = ACTION_TARGETS): Promise<EnsuredActionTarget[]> {
  const existing = await listActionTargets(invoker, region);
  const out: EnsuredActionTarget[] = [];
  for (const spec of specs) {
    const found = existing.find((t) => t.id === spec.id);
    if (found) {
      out.push({ ...found, region, result: 'exists' });
      continue;
    }
    try {
      const created = await invoker.call({
        service: 'securityhub',
        operation: 'CreateActionTarget',
        input: { Name: spec.name, Id: spec.id, Description: spec.description },
        region,
      });
      const arn = typeof created.ActionTargetArn === 'string' ? created.ActionTargetArn : '';
      out.push({ arn, id: spec.id, name: spec.name, description: spec.description, region, result: 'created' });
    } catch (err) {
      if (!hasErrorCode(err, 'ResourceConflictException')) throw err;
      // created by someone else between our list and our create
      const again = (await listActionTargets(invoker, region)).find((t) => t.id === spec.id);
      if (!again) throw new Error(`CreateActionTarget ${spec.id} in ${region}: ${errorCode(err)} but the target is not listed`);
      out.push({ ...again, region, result: 'exists' });
    }
  }
  return out;
}
