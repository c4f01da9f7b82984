import { iamActionFor } from '../iam/actions';
import { AwsServiceError } from './invoker';

/**
 * The local least-privilege check: every AWS call a step makes must be allowed by the runbook's
 * policy, by action (resources are not evaluated locally). A call outside it fails like AWS
 * would, with AccessDenied, before it reaches the invoker.
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
}

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
  private cache = new Map<string, string>();
  private verdicts = new Map<string, { action: string; allowed: boolean; message: string }>();

  constructor(
    policy: PolicyDocument,
    readonly documentName: string,
  ) {
    for (const s of asList(policy.Statement)) {
      const target = s.Effect === 'Allow' ? this.allowed : s.Effect === 'Deny' ? this.denied : undefined;
      if (target) for (const a of asList(s.Action)) target.add(a);
    }
  }

  /** A check that allows exactly `actions` (the policy of a document from outside the build). */
  static ofActions(actions: Iterable<string>, documentName: string): PolicyCheck {
    return new PolicyCheck({ Statement: [{ Effect: 'Allow', Action: [...actions] }] }, documentName);
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

  /** Throws AccessDenied unless the policy allows the call. Returns the action checked. */
  check(service: string, operation: string): string {
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
