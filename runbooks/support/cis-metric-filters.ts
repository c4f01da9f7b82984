/**
 * The CIS AWS Foundations 1.2.0 metric filters Security Hub looks for, one per CloudWatch.N control,
 * as data. Security Hub's check compares the filter pattern on the trail's log group with these
 * texts: "This control fails if the exact metric filters prescribed by CIS are not used.
 * Additional fields or terms cannot be added to the metric filters." Keep them character-exact.
 *
 * Source: the Security Hub user guide, "CIS AWS Foundations Benchmark v1.2.0" controls 3.1–3.14
 * (doc_source/securityhub-cis-controls.md) and "Amazon CloudWatch controls"
 * (doc_source/cloudwatch-controls.md), both in awsdocs/aws-security-hub-user-guide. They agree on
 * every pattern except 3.2 (CloudWatch.3): the CIS 1.2.0 page has the two-term pattern below, the
 * consolidated page shows the four-term CIS 1.4.0 form; CloudWatch.3 belongs to CIS 1.2.0 only.
 */
export interface CisMetricFilter {
  /** Consolidated Security Hub control id. */
  control: string;
  /** CIS 1.2.0 recommendations the control answers. */
  cis: string[];
  /** Metric, filter and alarm name stem (`UnauthorizedAPICalls`). */
  name: string;
  /** What the alarm watches, for people. */
  watches: string;
  pattern: string;
}

const events = (names: string[]) => names.map((n) => `($.eventName=${n})`).join(' || ');

export const CIS_METRIC_FILTERS: readonly CisMetricFilter[] = [
  {
    control: 'CloudWatch.1',
    cis: ['1.1', '3.3'],
    name: 'RootAccountUsage',
    watches: 'usage of the root user',
    pattern: '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
  },
  {
    control: 'CloudWatch.2',
    cis: ['3.1'],
    name: 'UnauthorizedAPICalls',
    watches: 'unauthorized API calls',
    pattern: '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
  },
  {
    control: 'CloudWatch.3',
    cis: ['3.2'],
    name: 'ConsoleSigninWithoutMFA',
    watches: 'console sign-in without MFA',
    pattern: '{($.eventName="ConsoleLogin") && ($.additionalEventData.MFAUsed !="Yes")}',
  },
  {
    control: 'CloudWatch.4',
    cis: ['3.4'],
    name: 'IAMPolicyChanges',
    watches: 'IAM policy changes',
    pattern: `{${events([
      'DeleteGroupPolicy',
      'DeleteRolePolicy',
      'DeleteUserPolicy',
      'PutGroupPolicy',
      'PutRolePolicy',
      'PutUserPolicy',
      'CreatePolicy',
      'DeletePolicy',
      'CreatePolicyVersion',
      'DeletePolicyVersion',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'AttachUserPolicy',
      'DetachUserPolicy',
      'AttachGroupPolicy',
      'DetachGroupPolicy',
    ])}}`,
  },
  {
    control: 'CloudWatch.5',
    cis: ['3.5'],
    name: 'CloudTrailChanges',
    watches: 'CloudTrail configuration changes',
    pattern: `{${events(['CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging'])}}`,
  },
  {
    control: 'CloudWatch.6',
    cis: ['3.6'],
    name: 'ConsoleAuthenticationFailure',
    watches: 'console authentication failures',
    pattern: '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
  },
  {
    control: 'CloudWatch.7',
    cis: ['3.7'],
    name: 'DisableOrDeleteCMK',
    watches: 'disabling or scheduled deletion of customer managed keys',
    pattern: `{($.eventSource=kms.amazonaws.com) && (${events(['DisableKey', 'ScheduleKeyDeletion'])})}`,
  },
  {
    control: 'CloudWatch.8',
    cis: ['3.8'],
    name: 'S3BucketPolicyChanges',
    watches: 'S3 bucket policy changes',
    pattern: `{($.eventSource=s3.amazonaws.com) && (${events([
      'PutBucketAcl',
      'PutBucketPolicy',
      'PutBucketCors',
      'PutBucketLifecycle',
      'PutBucketReplication',
      'DeleteBucketPolicy',
      'DeleteBucketCors',
      'DeleteBucketLifecycle',
      'DeleteBucketReplication',
    ])})}`,
  },
  {
    control: 'CloudWatch.9',
    cis: ['3.9'],
    name: 'AWSConfigChanges',
    watches: 'AWS Config configuration changes',
    pattern: `{($.eventSource=config.amazonaws.com) && (${events([
      'StopConfigurationRecorder',
      'DeleteDeliveryChannel',
      'PutDeliveryChannel',
      'PutConfigurationRecorder',
    ])})}`,
  },
  {
    control: 'CloudWatch.10',
    cis: ['3.10'],
    name: 'SecurityGroupChanges',
    watches: 'security group changes',
    pattern: `{${events([
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupEgress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupEgress',
      'CreateSecurityGroup',
      'DeleteSecurityGroup',
    ])}}`,
  },
  {
    control: 'CloudWatch.11',
    cis: ['3.11'],
    name: 'NetworkACLChanges',
    watches: 'network ACL changes',
    pattern: `{${events([
      'CreateNetworkAcl',
      'CreateNetworkAclEntry',
      'DeleteNetworkAcl',
      'DeleteNetworkAclEntry',
      'ReplaceNetworkAclEntry',
      'ReplaceNetworkAclAssociation',
    ])}}`,
  },
  {
    control: 'CloudWatch.12',
    cis: ['3.12'],
    name: 'NetworkGatewayChanges',
    watches: 'network gateway changes',
    pattern: `{${events([
      'CreateCustomerGateway',
      'DeleteCustomerGateway',
      'AttachInternetGateway',
      'CreateInternetGateway',
      'DeleteInternetGateway',
      'DetachInternetGateway',
    ])}}`,
  },
  {
    control: 'CloudWatch.13',
    cis: ['3.13'],
    name: 'RouteTableChanges',
    watches: 'route table changes',
    pattern: `{${events([
      'CreateRoute',
      'CreateRouteTable',
      'ReplaceRoute',
      'ReplaceRouteTableAssociation',
      'DeleteRouteTable',
      'DeleteRoute',
      'DisassociateRouteTable',
    ])}}`,
  },
  {
    control: 'CloudWatch.14',
    cis: ['3.14'],
    name: 'VPCChanges',
    watches: 'VPC changes',
    pattern: `{${events([
      'CreateVpc',
      'DeleteVpc',
      'ModifyVpcAttribute',
      'AcceptVpcPeeringConnection',
      'CreateVpcPeeringConnection',
      'DeleteVpcPeeringConnection',
      'RejectVpcPeeringConnection',
      'AttachClassicLinkVpc',
      'DetachClassicLinkVpc',
      'DisableVpcClassicLink',
      'EnableVpcClassicLink',
    ])}}`,
  },
];

/** The metric filter of one control, or undefined for a control outside the family. Pure. */
export function cisMetricFilter(control: string): CisMetricFilter | undefined {
  return CIS_METRIC_FILTERS.find((f) => f.control === control);
}
