import { CONFIG_PARAMETER_PERMISSIONS } from '../findings/config-parameter';
import { MEMBER_ROLE_ASSUMPTION } from '../findings/credentials';
import { QUEUE_CONSUMER_PERMISSIONS } from '../findings/queue';
import { REDELIVERY_PERMISSIONS } from '../findings/redelivery';
import { START_PATH_ORCHESTRATOR_PERMISSIONS, startPathMemberPermissions } from '../findings/start';
import { SWEEP_MEMBER_PERMISSIONS, SWEEP_ORCHESTRATOR_PERMISSIONS } from '../findings/sweeper';
import { DOCTOR_MEMBER_PERMISSIONS } from '../install/doctor';
import { STEP_RUNNER_FUNCTION } from '../model/steps';
import { stepRunnerPermissions } from '../steprunner/lambda';
import { ORCHESTRATOR_FUNCTION } from './names';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from './permission';

/**
 * The least-privilege policies of the three principals the templates create, derived from the
 * permission lists declared beside the code that makes each call (as runbook handlers declare
 * theirs). `hubfix build` writes them to dist/policies/hubfix-*.json and the templates embed
 * exactly these (a test compares them).
 *
 *   orchestrator  the orchestrator Lambda's role, administrator account
 *   member        the role the orchestrator (and `hubfix doctor`) assumes in every member account
 *   step-runner   the step-runner Lambda's execution role, every member account
 */

export { ORCHESTRATOR_FUNCTION, STEP_RUNNER_ROLE_NAME } from './names';

export interface PrincipalStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PrincipalPolicy {
  Version: '2012-10-17';
  Statement: PrincipalStatement[];
}

export type PrincipalName = 'orchestrator' | 'member' | 'step-runner';

/** Writing its own log streams, into the log group the template creates for the function (in `region`: `*` for a role shared by every Region's function). */
export function lambdaLogging(functionName: string, region: string = PLACEHOLDERS.region): PrincipalPermission[] {
  const group = arnPattern('logs', region, PLACEHOLDERS.account, `log-group:/aws/lambda/${functionName}:*`);
  return [
    { action: 'logs:CreateLogStream', resource: group },
    { action: 'logs:PutLogEvents', resource: group },
  ];
}

/** Lambda's asynchronous invocation sends an event that failed every retry to the failure queue, as the function's role. */
export const FAILURE_DESTINATION: readonly PrincipalPermission[] = [{ action: 'sqs:SendMessage', resource: PLACEHOLDERS.failureQueue }];

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** Statements grouped by resource and condition, actions sorted: the same permissions give the same JSON. */
export function principalPolicy(permissions: readonly PrincipalPermission[]): PrincipalPolicy {
  const groups = new Map<string, { resource: string; condition?: PrincipalPermission['condition']; actions: Set<string> }>();
  for (const p of permissions) {
    if (!ACTION.test(p.action)) throw new Error(`permission "${p.action}" is not a single IAM action (no wildcards)`);
    const key = JSON.stringify([p.resource, p.condition ?? null]);
    const g = groups.get(key) ?? { resource: p.resource, ...(p.condition ? { condition: p.condition } : {}), actions: new Set<string>() };
    g.actions.add(p.action);
    groups.set(key, g);
  }
  // one statement per condition and action set, listing every resource it applies to
  const merged = new Map<string, { actions: string[]; resources: string[]; condition?: PrincipalPermission['condition'] }>();
  for (const g of groups.values()) {
    const actions = [...g.actions].sort();
    const key = JSON.stringify([actions, g.condition ?? null]);
    const m = merged.get(key) ?? { actions, resources: [], ...(g.condition ? { condition: g.condition } : {}) };
    m.resources.push(g.resource);
    merged.set(key, m);
  }
  const statements = [...merged.values()]
    .map((m) => ({ ...m, resources: m.resources.sort() }))
    .sort((a, b) => (a.actions.join() < b.actions.join() ? -1 : a.actions.join() > b.actions.join() ? 1 : 0));
  return {
    Version: '2012-10-17',
    Statement: statements.map((m, i) => ({
      Sid: `Hubfix${i + 1}`,
      Effect: 'Allow' as const,
      Action: m.actions,
      Resource: m.resources,
      ...(m.condition ? { Condition: m.condition } : {}),
    })),
  };
}

/** The three principals' permission lists for the given documents (the shipped runbooks by default). */
export function principalPermissions(documents: readonly string[]): Record<PrincipalName, PrincipalPermission[]> {
  return {
    orchestrator: [
      ...MEMBER_ROLE_ASSUMPTION,
      ...START_PATH_ORCHESTRATOR_PERMISSIONS,
      ...SWEEP_ORCHESTRATOR_PERMISSIONS,
      ...QUEUE_CONSUMER_PERMISSIONS,
      ...REDELIVERY_PERMISSIONS,
      ...CONFIG_PARAMETER_PERMISSIONS,
      ...FAILURE_DESTINATION,
      ...lambdaLogging(ORCHESTRATOR_FUNCTION),
    ],
    member: [...startPathMemberPermissions(documents), ...SWEEP_MEMBER_PERMISSIONS, ...DOCTOR_MEMBER_PERMISSIONS],
    'step-runner': [...stepRunnerPermissions(documents), ...lambdaLogging(STEP_RUNNER_FUNCTION, '*')],
  };
}

export function principalPolicies(documents: readonly string[]): Record<PrincipalName, PrincipalPolicy> {
  const perms = principalPermissions(documents);
  return {
    orchestrator: principalPolicy(perms.orchestrator),
    member: principalPolicy(perms.member),
    'step-runner': principalPolicy(perms['step-runner']),
  };
}

/** The file name under dist/policies/ (runbook policies are `Hubfix-*.json`; these are lower case). */
export function principalPolicyFile(name: PrincipalName): string {
  return `hubfix-${name}.json`;
}
