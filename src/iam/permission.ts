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
} as const;

/** Template parameters that may be empty, and the condition that is true when they are given. */
export const OPTIONAL_PLACEHOLDERS: Readonly<Record<string, string>> = {
  [PLACEHOLDERS.organizationId]: 'HasOrganizationId',
};

/** `arn:${AWS::Partition}:<service>:<region>:<account>:<resource>` */
export function arnPattern(service: string, region: string, account: string, resource: string): string {
  return `arn:${PLACEHOLDERS.partition}:${service}:${region}:${account}:${resource}`;
}
