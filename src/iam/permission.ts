import { RUNTIME_ROLE_BOUNDARY } from './names';

/**
 * A permission of one of hubfix's own principals (the orchestrator role, the member role, the step
 * runner's execution role), declared beside the code that makes the call. Unlike a runbook's
 * permissions, which serve every member account through one policy, these are installed by the
 * templates, so their resources name exactly what the templates create.
 *
 * `resource` uses CloudFormation Fn::Sub syntax with the placeholders below; the build emits them as
 * written (dist/policies/hubfix-*.json) and the templates wrap each one in Fn::Sub.
 */
export interface PrincipalPermission {
  action: string;
  resource: string;
  /** IAM condition block: operator → key → value(s). Values may use the placeholders too. */
  condition?: Record<string, Record<string, string | string[]>>;
}

/** Placeholders a principal permission may use, and what the templates resolve them to. */
export const PLACEHOLDERS = {
  partition: '${AWS::Partition}',
  account: '${AWS::AccountId}',
  region: '${AWS::Region}',
  /** The name of the role the orchestrator assumes in every member account (template parameter). */
  memberRoleName: '${MemberRoleName}',
  /** The Organization id; a condition that uses it is dropped when the template is given none. */
  organizationId: '${OrganizationId}',
  /** The administrator account's notification topic (its ARN). */
  notificationTopic: '${NotificationTopic}',
  /** The queue the orchestrator's failed asynchronous invocations go to (its ARN). */
  failureQueue: '${FailureQueue.Arn}',
  /** The queue Security Hub's events reach the orchestrator through (its ARN). */
  eventsQueue: '${EventsQueue.Arn}',
  /** Member templates: the Security Hub administrator account (where the notification topic is). */
  administratorAccount: '${AdministratorAccountId}',
  /** Member templates: the name of the administrator account's notification topic the finalizer publishes to. */
  notificationTopicName: '${NotificationTopicName}',
  /** Member templates: the permissions boundary every role a runbook creates at run time carries. */
  runtimeRoleBoundary: `arn:${'${AWS::Partition}'}:iam::${'${AWS::AccountId}'}:policy/${RUNTIME_ROLE_BOUNDARY}`,
} as const;

/** What the placeholders stand for in one installation (the local engine and the emulator resolve them so). */
export interface PlaceholderValues {
  partition: string;
  account: string;
  region?: string;
  administratorAccount?: string;
  notificationTopicName?: string;
}

const PLACEHOLDER_TEXT = /\$\{([A-Za-z0-9:.]+)\}/g;

/**
 * A policy (or any JSON value) with its placeholders replaced by one installation's values, as
 * CloudFormation's Fn::Sub would. A placeholder without a value stays as written, so a condition
 * the caller cannot resolve is carried, never dropped.
 */
export function resolvePlaceholders<T>(value: T, v: PlaceholderValues): T {
  const table: Record<string, string | undefined> = {
    'AWS::Partition': v.partition,
    'AWS::AccountId': v.account,
    'AWS::Region': v.region,
    AdministratorAccountId: v.administratorAccount,
    NotificationTopicName: v.notificationTopicName,
  };
  const text = (s: string) => s.replace(PLACEHOLDER_TEXT, (m, k: string) => table[k] ?? m);
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return text(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [text(k), walk(y)]));
    return x;
  };
  return walk(value) as T;
}

/** Template parameters that may be empty, and the condition that is true when they are given. */
export const OPTIONAL_PLACEHOLDERS: Readonly<Record<string, string>> = {
  [PLACEHOLDERS.organizationId]: 'HasOrganizationId',
};

/** `arn:${AWS::Partition}:<service>:<region>:<account>:<resource>` */
export function arnPattern(service: string, region: string, account: string, resource: string): string {
  return `arn:${PLACEHOLDERS.partition}:${service}:${region}:${account}:${resource}`;
}
