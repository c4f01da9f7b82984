import { serviceInfo } from '../aws/services';
import type { Permission } from '../model/handlers';

/**
 * Map an API call (boto3 service name + PascalCase operation) to the IAM action that authorizes
 * it, and to the narrowest resource pattern the action allows. Most actions are `prefix:Api`;
 * the exceptions below are the ones AWS names differently.
 */
const ACTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:DeletePublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:GetBucketOwnershipControls': 's3:GetBucketOwnershipControls',
  's3:PutBucketOwnershipControls': 's3:PutBucketOwnershipControls',
  's3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3:PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  's3:PutBucketLifecycleConfiguration': 's3:PutLifecycleConfiguration',
  's3:HeadObject': 's3:GetObject',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  'lambda:Invoke': 'lambda:InvokeFunction',
  'events:PutEvents': 'events:PutEvents',
};

export class UnknownServiceError extends Error {
  constructor(readonly service: string) {
    super(
      `unknown service "${service}": hubfix knows ${'iam, ec2, s3, cloudtrail, kms, logs, cloudwatch, sns, sts, ssm, securityhub, events, config, lambda'}`,
    );
    this.name = 'UnknownServiceError';
  }
}

export function iamActionFor(service: string, api: string): string {
  const info = serviceInfo(service);
  if (!info) throw new UnknownServiceError(service);
  const plain = `${info.iamPrefix}:${api}`;
  return ACTION_EXCEPTIONS[plain] ?? plain;
}

/**
 * Resource patterns for actions that support resource-level permissions. Account and Region stay
 * `*` because one policy serves every member account; the resource type is pinned. Actions not
 * listed have no resource-level permission (or hubfix does not scope them yet) and get `*`.
 */
const RESOURCE_BY_ACTION: ReadonlyArray<[RegExp, string]> = [
  [/^lambda:InvokeFunction$/, 'arn:aws:lambda:*:*:function:hubfix-step-runner'],
  [
    /^ec2:(RevokeSecurityGroupIngress|RevokeSecurityGroupEgress|AuthorizeSecurityGroupIngress|AuthorizeSecurityGroupEgress)$/,
    'arn:aws:ec2:*:*:security-group/*',
  ],
  [/^ec2:CreateFlowLogs$/, '*'],
  [/^cloudtrail:(UpdateTrail|GetTrail|GetTrailStatus|StartLogging|GetEventSelectors)$/, 'arn:aws:cloudtrail:*:*:trail/*'],
  [/^kms:(EnableKeyRotation|GetKeyRotationStatus|DescribeKey)$/, 'arn:aws:kms:*:*:key/*'],
  [
    /^s3:(Get|Put)Bucket\w*$|^s3:ListBucket$|^s3:(Get|Put)(EncryptionConfiguration|LifecycleConfiguration)$|^s3:CreateBucket$/,
    'arn:aws:s3:::*',
  ],
  [/^iam:(UpdateAccessKey|ListAccessKeys|GetAccessKeyLastUsed|DeleteLoginProfile|GetLoginProfile|GetUser)$/, 'arn:aws:iam::*:user/*'],
  [/^iam:(GetRole|CreateRole|PutRolePolicy|GetRolePolicy|AttachRolePolicy|PassRole)$/, 'arn:aws:iam::*:role/hubfix-*'],
  // DescribeLogGroups lists across groups: it is not scoped to one, so it keeps `*`
  [/^logs:(CreateLogGroup|PutRetentionPolicy|PutMetricFilter|DescribeMetricFilters)$/, 'arn:aws:logs:*:*:log-group:*'],
  [/^sns:Publish$/, 'arn:aws:sns:*:*:*'],
  [/^securityhub:BatchUpdateFindings$/, 'arn:aws:securityhub:*:*:hub/default'],
  [/^ssm:GetAutomationExecution$/, 'arn:aws:ssm:*:*:automation-execution/*'],
];

export function resourceFor(action: string): string {
  for (const [re, resource] of RESOURCE_BY_ACTION) if (re.test(action)) return resource;
  return '*';
}

export function permissionFor(service: string, api: string): Required<Permission> {
  const action = iamActionFor(service, api);
  return { action, resource: resourceFor(action) };
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

const ACTION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * A least-privilege policy from a list of permissions: actions grouped by resource, sorted, so the
 * same permissions always give the same JSON. Wildcard actions are refused.
 */
export function policyFrom(permissions: readonly Permission[]): IamPolicy {
  const byResource = new Map<string, Set<string>>();
  for (const p of permissions) {
    if (!ACTION_PATTERN.test(p.action)) throw new Error(`permission "${p.action}" is not a single IAM action (no wildcards)`);
    const resource = p.resource ?? resourceFor(p.action);
    const set = byResource.get(resource) ?? new Set<string>();
    set.add(p.action);
    byResource.set(resource, set);
  }
  const statements = [...byResource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([resource, actions], i) => ({
      Sid: `Hubfix${i + 1}`,
      Effect: 'Allow' as const,
      Action: [...actions].sort(),
      Resource: [resource],
    }));
  return { Version: '2012-10-17', Statement: statements };
}

/** Every action a policy allows. */
export function policyActions(policy: IamPolicy): Set<string> {
  const out = new Set<string>();
  for (const s of policy.Statement) for (const a of s.Action) out.add(a);
  return out;
}
