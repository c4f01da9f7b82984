import { serviceInfo } from '../aws/services';
import type { Permission, PolicyCondition } from '../model/handlers';
import { PLACEHOLDERS } from './permission';

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
  // API reference: the OCSF operations are authorized by the ASFF ones' actions ("GetFindings and
  // GetFindingsV2 both use securityhub:GetFindings"; likewise BatchUpdateFindings); IAM has no V2 action
  'securityhub:BatchUpdateFindingsV2': 'securityhub:BatchUpdateFindings',
  'securityhub:GetFindingsV2': 'securityhub:GetFindings',
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
 * Resource patterns for actions that support resource-level permissions. Region stays `*` because
 * one policy serves every Region; the account is `*` unless the resource is hubfix's own (the step
 * runner); the resource type is pinned. Actions not listed have no resource-level permission (or
 * hubfix does not scope them yet) and get `*`. Every ARN names the partition by placeholder
 * (`${AWS::Partition}`): the templates resolve it with Fn::Sub, the local engine and the emulator
 * with `resolvePlaceholders`, so one policy serves aws, aws-cn and aws-us-gov.
 */
const P = PLACEHOLDERS.partition;

const RESOURCE_BY_ACTION: ReadonlyArray<[RegExp, string]> = [
  [/^lambda:InvokeFunction$/, `arn:${P}:lambda:*:${PLACEHOLDERS.account}:function:hubfix-step-runner`],
  [
    /^ec2:(RevokeSecurityGroupIngress|RevokeSecurityGroupEgress|AuthorizeSecurityGroupIngress|AuthorizeSecurityGroupEgress)$/,
    `arn:${P}:ec2:*:*:security-group/*`,
  ],
  // ec2:CreateFlowLogs needs two resources (the flow log and the VPC): declared beside its handler (runbooks/vpc-flow-logs.ts)
  [/^cloudtrail:(UpdateTrail|GetTrail|GetTrailStatus|StartLogging|GetEventSelectors)$/, `arn:${P}:cloudtrail:*:*:trail/*`],
  [/^kms:(EnableKeyRotation|GetKeyRotationStatus|DescribeKey)$/, `arn:${P}:kms:*:*:key/*`],
  [
    /^s3:(Get|Put)Bucket\w*$|^s3:ListBucket$|^s3:(Get|Put)(EncryptionConfiguration|LifecycleConfiguration)$|^s3:CreateBucket$/,
    `arn:${P}:s3:::*`,
  ],
  [/^iam:(UpdateAccessKey|ListAccessKeys|GetAccessKeyLastUsed|DeleteLoginProfile|GetLoginProfile|GetUser)$/, `arn:${P}:iam::*:user/*`],
  [/^iam:(GetRole|CreateRole|PutRolePolicy|GetRolePolicy|AttachRolePolicy|PassRole)$/, `arn:${P}:iam::*:role/hubfix-*`],
  // DescribeLogGroups lists across groups: it is not scoped to one, so it keeps `*`
  [/^logs:(CreateLogGroup|PutRetentionPolicy|PutMetricFilter|DescribeMetricFilters)$/, `arn:${P}:logs:*:*:log-group:*`],
  // the finalizer publishes to the administrator account's notification topic (member template parameters)
  [/^sns:Publish$/, `arn:${P}:sns:*:${PLACEHOLDERS.administratorAccount}:${PLACEHOLDERS.notificationTopicName}`],
  [/^securityhub:BatchUpdateFindings$/, `arn:${P}:securityhub:*:*:hub/default`],
  [/^ssm:GetAutomationExecution$/, `arn:${P}:ssm:*:*:automation-execution/*`],
];

/** `arn:${AWS::Partition}:<rest>`: an ARN pattern for a derived policy, in whatever partition it is installed. */
export function partitionArn(rest: string): string {
  return `arn:${P}:${rest}`;
}

export function resourceFor(action: string): string {
  for (const [re, resource] of RESOURCE_BY_ACTION) if (re.test(action)) return resource;
  return '*';
}

/**
 * Conditions that go with an action wherever a runbook uses it. Bucket names reach the runbooks
 * from trails, findings and parameters (any name an account chose), so the resource of a bucket
 * policy or ACL write stays `arn:…:s3:::*`; `s3:ResourceAccount` confines it to buckets of the
 * account the run is in, whatever their name.
 */
const CONDITION_BY_ACTION: ReadonlyArray<[RegExp, PolicyCondition]> = [
  [/^s3:(PutBucketPolicy|PutBucketAcl)$/, { StringEquals: { 's3:ResourceAccount': PLACEHOLDERS.account } }],
];

export function conditionFor(action: string): PolicyCondition | undefined {
  for (const [re, condition] of CONDITION_BY_ACTION) if (re.test(action)) return condition;
  return undefined;
}

export function permissionFor(service: string, api: string): Permission & { resource: string } {
  const action = iamActionFor(service, api);
  const condition = conditionFor(action);
  return { action, resource: resourceFor(action), ...(condition ? { condition } : {}) };
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: PolicyCondition;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

const ACTION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** A condition block with its operators, keys and values in a stable order (the same condition gives the same JSON). */
function canonicalCondition(c: PolicyCondition): PolicyCondition {
  const out: PolicyCondition = {};
  for (const op of Object.keys(c).sort()) {
    const byKey: Record<string, string | string[]> = {};
    for (const key of Object.keys(c[op]).sort()) {
      const v = c[op][key];
      byKey[key] = Array.isArray(v) ? [...new Set(v)].sort() : v;
    }
    out[op] = byKey;
  }
  return out;
}

/**
 * A least-privilege policy from a list of permissions: actions grouped by resource and condition,
 * sorted, so the same permissions always give the same JSON. A permission with a condition never
 * shares a statement with one without (the condition would widen or narrow the other). Wildcard
 * actions are refused.
 */
export function policyFrom(permissions: readonly Permission[]): IamPolicy {
  const groups = new Map<string, { resource: string; condition?: PolicyCondition; actions: Set<string> }>();
  for (const p of permissions) {
    if (!ACTION_PATTERN.test(p.action)) throw new Error(`permission "${p.action}" is not a single IAM action (no wildcards)`);
    const resource = p.resource ?? resourceFor(p.action);
    const given = p.condition ?? conditionFor(p.action);
    const condition = given && Object.keys(given).length > 0 ? canonicalCondition(given) : undefined;
    const key = JSON.stringify([resource, condition ?? null]);
    const g = groups.get(key) ?? { resource, ...(condition ? { condition } : {}), actions: new Set<string>() };
    g.actions.add(p.action);
    groups.set(key, g);
  }
  const statements = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g], i) => ({
      Sid: `Hubfix${i + 1}`,
      Effect: 'Allow' as const,
      Action: [...g.actions].sort(),
      Resource: [g.resource],
      ...(g.condition ? { Condition: g.condition } : {}),
    }));
  return { Version: '2012-10-17', Statement: statements };
}

/** Every action a policy allows. */
export function policyActions(policy: IamPolicy): Set<string> {
  const out = new Set<string>();
  for (const s of policy.Statement) for (const a of s.Action) out.add(a);
  return out;
}
