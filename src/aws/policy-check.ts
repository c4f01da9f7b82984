import { iamActionFor } from '../iam/actions';
import { AwsServiceError } from './invoker';

/**
 * The local least-privilege check: every AWS call a step makes must be allowed by the runbook's
 * policy, by action (resources are not evaluated locally). A call outside it fails like AWS
 * would, with AccessDenied, before it reaches the invoker.
 *
 * Conditions: a call that hands a role to a service (PASSED_ROLES) also needs `iam:PassRole`, and
 * the check evaluates `iam:PassedToService` against the service the call names. Other conditions
 * cannot be evaluated here (they need the request context IAM has); they are carried: the
 * statement still allows its actions, and `carriedConditions` lists what was not evaluated.
 */

/** An IAM policy document as it appears in JSON (Action and Resource may be a string or a list). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatementLike | PolicyStatementLike[];
}

export interface PolicyStatementLike {
  Sid?: string;
  Effect: 'Allow' | 'Deny' | string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Calls that pass a role to a service: where the role ARN is in the input and which service principal receives it. */
const PASSED_ROLES: Readonly<Record<string, { role: (input: Record<string, unknown>) => unknown; service: string }>> = {
  'ec2 CreateFlowLogs': { role: (i) => i.DeliverLogsPermissionArn, service: 'vpc-flow-logs.amazonaws.com' },
  'cloudtrail UpdateTrail': { role: (i) => i.CloudWatchLogsRoleArn, service: 'cloudtrail.amazonaws.com' },
  'cloudtrail CreateTrail': { role: (i) => i.CloudWatchLogsRoleArn, service: 'cloudtrail.amazonaws.com' },
  'config PutConfigurationRecorder': {
    role: (i) => (i.ConfigurationRecorder as { roleARN?: unknown } | undefined)?.roleARN,
    service: 'config.amazonaws.com',
  },
  'ssm StartAutomationExecution': {
    role: (i) => (i.Parameters as { AutomationAssumeRole?: unknown } | undefined)?.AutomationAssumeRole,
    service: 'ssm.amazonaws.com',
  },
};

const PASSED_TO_SERVICE = 'iam:passedtoservice';

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** An IAM action pattern (`s3:Get*`, `*`) as a case-insensitive regular expression, as IAM matches. */
function actionPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

class ActionSet {
  private exact = new Set<string>();
  private patterns: RegExp[] = [];
  add(action: string): void {
    if (/[*?]/.test(action)) this.patterns.push(actionPattern(action));
    else this.exact.add(action.toLowerCase());
  }
  has(action: string): boolean {
    return this.exact.has(action.toLowerCase()) || this.patterns.some((p) => p.test(action));
  }
}

export class PolicyCheck {
  private allowed = new ActionSet();
  private denied = new ActionSet();
  /** The services each Allow statement that grants iam:PassRole lets a role be passed to (undefined: any). */
  private passRoleTargets: Array<Set<string> | undefined> = [];
  private carried: Array<{ actions: string[]; condition: NonNullable<PolicyStatementLike['Condition']> }> = [];
  private cache = new Map<string, string>();
  private verdicts = new Map<string, { action: string; allowed: boolean; message: string }>();

  constructor(
    policy: PolicyDocument,
    readonly documentName: string,
  ) {
    for (const s of asList(policy.Statement)) {
      const target = s.Effect === 'Allow' ? this.allowed : s.Effect === 'Deny' ? this.denied : undefined;
      if (target) for (const a of asList(s.Action)) target.add(a);
      if (s.Effect !== 'Allow') continue;
      const actions = asList(s.Action);
      const grantsPassRole = actions.some((a) => actionPattern(a).test('iam:PassRole'));
      let services: Set<string> | undefined;
      const rest: NonNullable<PolicyStatementLike['Condition']> = {};
      for (const [op, byKey] of Object.entries(s.Condition ?? {})) {
        for (const [key, value] of Object.entries(byKey)) {
          if (grantsPassRole && op === 'StringEquals' && key.toLowerCase() === PASSED_TO_SERVICE) services = new Set(asList(value));
          else rest[op] = { ...(rest[op] ?? {}), [key]: value };
        }
      }
      if (grantsPassRole) this.passRoleTargets.push(services);
      if (Object.keys(rest).length > 0) this.carried.push({ actions, condition: rest });
    }
  }

  /** The conditions of Allow statements this check does not evaluate (it allows their actions as if they held). */
  carriedConditions(): ReadonlyArray<{ actions: string[]; condition: NonNullable<PolicyStatementLike['Condition']> }> {
    return this.carried;
  }

  /** Whether the policy lets a role be passed to `service` (iam:PassRole, with iam:PassedToService naming it when present). */
  allowsPassRoleTo(service: string): boolean {
    if (this.denied.has('iam:PassRole')) return false;
    return this.passRoleTargets.some((targets) => targets === undefined || targets.has(service));
  }

  /** A check that allows exactly `actions` (the policy of a document from outside the build). */
  static ofActions(actions: Iterable<string>, documentName: string): PolicyCheck {
    const check = new PolicyCheck({ Statement: [{ Effect: 'Allow', Action: [...actions] }] }, documentName);
    // its role's PassRole is not known from the document: not checked
    check.passRoleTargets.push(undefined);
    return check;
  }

  /** The IAM action a call needs (cached: the engine asks for the same few many times). */
  actionFor(service: string, operation: string): string {
    const key = `${service} ${operation}`;
    let action = this.cache.get(key);
    if (action === undefined) {
      action = iamActionFor(service, operation);
      this.cache.set(key, action);
    }
    return action;
  }

  allows(action: string): boolean {
    return this.allowed.has(action) && !this.denied.has(action);
  }

  /**
   * Throws AccessDenied unless the policy allows the call — and, when the call hands a role to a
   * service (`input` given), unless iam:PassRole allows passing it to that service. Returns the
   * action checked.
   */
  check(service: string, operation: string, input?: Record<string, unknown>): string {
    const action = this.checkAction(service, operation);
    const passes = input ? PASSED_ROLES[`${service} ${operation}`] : undefined;
    if (passes && typeof passes.role(input as Record<string, unknown>) === 'string' && !this.allowsPassRoleTo(passes.service))
      throw new AwsServiceError(
        'AccessDenied',
        `AccessDenied (local policy check): ${this.documentName}'s policy does not allow iam:PassRole to ${passes.service}`,
        service,
        operation,
      );
    return action;
  }

  private checkAction(service: string, operation: string): string {
    const key = `${service} ${operation}`;
    const known = this.verdicts.get(key);
    if (known !== undefined) {
      if (known.allowed) return known.action;
      throw new AwsServiceError('AccessDenied', known.message, service, operation);
    }
    let action: string;
    try {
      action = this.actionFor(service, operation);
    } catch (err) {
      throw new AwsServiceError('AccessDenied', `AccessDenied (local policy check): ${(err as Error).message}`, service, operation);
    }
    const allowed = this.allows(action);
    const message = `AccessDenied (local policy check): ${action} is not in ${this.documentName}'s policy`;
    this.verdicts.set(key, { action, allowed, message });
    if (!allowed) throw new AwsServiceError('AccessDenied', message, service, operation);
    return action;
  }
}
