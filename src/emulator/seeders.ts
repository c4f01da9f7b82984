import { type AwsOutput, hasErrorCode } from '../aws/invoker';
import type { ResourceSpec } from './asff';
import { metricAlarmsSeeder } from './seeders-alarms';
import { FOUNDATION_SEEDERS } from './seeders-foundations';

/**
 * Non-compliant resources, one seeder per runbook (by document name), made through the emulator's
 * own APIs in a member account and Region, and each with an independent compliance check that
 * reads the resource back (it does not reuse the runbook's code, so it can disagree with it).
 * A runbook without a seeder here is a gap the scenario reports by name.
 */

export type Aws = <T = AwsOutput>(service: string, operation: string, input?: Record<string, unknown>) => Promise<T>;

export interface SeedEnv {
  account: string;
  region: string;
  /** Calls in this account and Region (IAM is global: any Region reaches it). */
  aws: Aws;
  /** One shared fixture per key in this account and Region (a trail several runbooks look at). */
  once<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface SeededResource {
  document: string;
  account: string;
  region: string;
  /** A short name for people: `security group sg-0123 (hubfix-e2e-admin-ports)`. */
  label: string;
  resource: ResourceSpec;
  /** Only these of the runbook's controls (default: all of them). */
  controls?: string[];
  /** What is still wrong, read back from the emulator (empty: compliant). */
  problems(aws: Aws): Promise<string[]>;
  /**
   * Why the resource is already compliant when the pipeline runs, when the shared world makes it so
   * (its runbook must then find it compliant and change nothing); the fix itself is exercised elsewhere.
   */
  compliantAtStart?: string;
}

export interface Seeder {
  document: string;
  /** `account`: once per account, in the home Region (IAM); `region`: in every Region. */
  where: 'account' | 'region';
  /**
   * moto cannot back-date a credential (CreateDate and last use are set by the emulator): a runbook
   * that judges age runs on a clock this many days ahead, so fresh credentials are old to it.
   */
  clockAheadDays?: number;
  seed(env: SeedEnv): Promise<SeededResource[]>;
}

/** How old the seeded credentials look to the runbooks that judge age (CIS: 90 days). */
export const CREDENTIAL_AGE_DAYS = 120;
const WORLD_V4 = '0.0.0.0/0';
const WORLD_V6 = '::/0';
const ADMIN_PORTS = [22, 3389];

function accountResource(account: string, region: string): ResourceSpec {
  return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region };
}

async function notFound(p: Promise<unknown>, ...codes: string[]): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if (hasErrorCode(err, ...codes)) return true;
    throw err;
  }
}

const passwordPolicy: Seeder = {
  document: 'Hubfix-IAM-PasswordPolicy',
  where: 'account',
  async seed({ account, region, aws }) {
    // weak, but with one setting stricter than CIS (max age 30) that the fix must keep
    await aws('iam', 'UpdateAccountPasswordPolicy', {
      MinimumPasswordLength: 8,
      RequireNumbers: true,
      MaxPasswordAge: 30,
      AllowUsersToChangePassword: true,
    });
    return [
      {
        document: this.document,
        account,
        region,
        label: `account password policy of ${account}`,
        resource: accountResource(account, region),
        async problems(a) {
          const out: string[] = [];
          let p: Record<string, unknown>;
          try {
            p = (await a<{ PasswordPolicy: Record<string, unknown> }>('iam', 'GetAccountPasswordPolicy')).PasswordPolicy;
          } catch (err) {
            if (hasErrorCode(err, 'NoSuchEntity')) return ['no password policy'];
            throw err;
          }
          if (Number(p.MinimumPasswordLength ?? 0) < 14) out.push(`MinimumPasswordLength ${p.MinimumPasswordLength}`);
          for (const f of ['RequireSymbols', 'RequireNumbers', 'RequireUppercaseCharacters', 'RequireLowercaseCharacters'])
            if (p[f] !== true) out.push(`${f} off`);
          if (Number(p.PasswordReusePrevention ?? 0) < 24) out.push(`PasswordReusePrevention ${p.PasswordReusePrevention ?? 'unset'}`);
          const age = Number(p.MaxPasswordAge ?? 0);
          if (age < 1 || age > 90) out.push(`MaxPasswordAge ${p.MaxPasswordAge ?? 'unset'}`);
          if (age !== 30) out.push(`MaxPasswordAge ${age}: the stricter 30 was not kept`);
          return out;
        },
      },
    ];
  },
};

async function userWithKey(aws: Aws, userName: string, withLogin: boolean): Promise<void> {
  await aws('iam', 'CreateUser', { UserName: userName });
  await aws('iam', 'CreateAccessKey', { UserName: userName });
  if (withLogin) await aws('iam', 'CreateLoginProfile', { UserName: userName, Password: 'Seeded-Passw0rd-For-Emulator!' });
}

function iamUser(account: string, region: string, userName: string): ResourceSpec {
  return {
    Type: 'AwsIamUser',
    Id: `arn:aws:iam::${account}:user/${userName}`,
    Region: region,
    Details: { AwsIamUser: { UserName: userName } },
  };
}

async function activeKeys(aws: Aws, userName: string): Promise<string[]> {
  const out = await aws<{ AccessKeyMetadata?: Array<{ AccessKeyId: string; Status: string }> }>('iam', 'ListAccessKeys', {
    UserName: userName,
  });
  return (out.AccessKeyMetadata ?? []).filter((k) => k.Status === 'Active').map((k) => k.AccessKeyId);
}

const unusedCredentials: Seeder = {
  document: 'Hubfix-IAM-UnusedCredentials',
  where: 'account',
  clockAheadDays: CREDENTIAL_AGE_DAYS,
  async seed({ account, region, aws }) {
    const userName = 'hubfix-e2e-stale-user';
    await userWithKey(aws, userName, true);
    return [
      {
        document: this.document,
        account,
        region,
        label: `IAM user ${userName} (key and console password never used)`,
        resource: iamUser(account, region, userName),
        async problems(a) {
          const out = (await activeKeys(a, userName)).map((k) => `access key ${k} still active`);
          if (!(await notFound(a('iam', 'GetLoginProfile', { UserName: userName }), 'NoSuchEntity')))
            out.push('console password still present');
          return out;
        },
      },
    ];
  },
};

const accessKeyRotation: Seeder = {
  document: 'Hubfix-IAM-AccessKeyRotation',
  where: 'account',
  clockAheadDays: CREDENTIAL_AGE_DAYS,
  async seed({ account, region, aws }) {
    const userName = 'hubfix-e2e-old-key-user';
    await userWithKey(aws, userName, false);
    return [
      {
        document: this.document,
        account,
        region,
        label: `IAM user ${userName} (active access key)`,
        resource: iamUser(account, region, userName),
        async problems(a) {
          return (await activeKeys(a, userName)).map((k) => `access key ${k} still active`);
        },
      },
    ];
  },
};

const kmsRotation: Seeder = {
  document: 'Hubfix-KMS-KeyRotation',
  where: 'region',
  async seed({ account, region, aws }) {
    const key = await aws<{ KeyMetadata: { KeyId: string; Arn: string } }>('kms', 'CreateKey', {
      Description: 'hubfix e2e: customer key without rotation',
    });
    const { KeyId, Arn } = key.KeyMetadata;
    return [
      {
        document: this.document,
        account,
        region,
        label: `KMS key ${KeyId}`,
        resource: {
          Type: 'AwsKmsKey',
          Id: Arn,
          Region: region,
          Details: { AwsKmsKey: { KeyId, KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER' } },
        },
        async problems(a) {
          const s = await a<{ KeyRotationEnabled?: boolean }>('kms', 'GetKeyRotationStatus', { KeyId });
          return s.KeyRotationEnabled ? [] : ['key rotation off'];
        },
      },
    ];
  },
};

interface RuleView {
  SecurityGroupRuleId: string;
  IsEgress: boolean;
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  ReferencedGroupInfo?: { GroupId?: string };
}

async function groupRules(aws: Aws, groupId: string): Promise<RuleView[]> {
  const out = await aws<{ SecurityGroupRules?: RuleView[] }>('ec2', 'DescribeSecurityGroupRules', {
    Filters: [{ Name: 'group-id', Values: [groupId] }],
  });
  return out.SecurityGroupRules ?? [];
}

function coversPort(r: RuleView, port: number): boolean {
  if (r.IpProtocol === '-1') return true;
  const from = r.FromPort ?? -1;
  const to = r.ToPort ?? -1;
  return from === -1 || (from <= port && port <= to);
}

async function defaultVpc(aws: Aws): Promise<string> {
  const out = await aws<{ Vpcs?: Array<{ VpcId: string }> }>('ec2', 'DescribeVpcs', {
    Filters: [{ Name: 'is-default', Values: ['true'] }],
  });
  const id = out.Vpcs?.[0]?.VpcId;
  if (!id) throw new Error('the emulator account has no default VPC');
  return id;
}

function securityGroup(account: string, region: string, groupId: string, groupName: string, vpcId: string): ResourceSpec {
  return {
    Type: 'AwsEc2SecurityGroup',
    Id: `arn:aws:ec2:${region}:${account}:security-group/${groupId}`,
    Region: region,
    Details: { AwsEc2SecurityGroup: { GroupId: groupId, GroupName: groupName, VpcId: vpcId, OwnerId: account } },
  };
}

const adminPorts: Seeder = {
  document: 'Hubfix-EC2-AdminPortsIngress',
  where: 'region',
  async seed({ account, region, aws }) {
    const vpcId = await defaultVpc(aws);
    const groupName = 'hubfix-e2e-admin-ports';
    const { GroupId } = await aws<{ GroupId: string }>('ec2', 'CreateSecurityGroup', {
      GroupName: groupName,
      Description: 'hubfix e2e: SSH and RDP open to the world',
      VpcId: vpcId,
    });
    await aws('ec2', 'AuthorizeSecurityGroupIngress', {
      GroupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: WORLD_V4 }] },
        { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: WORLD_V6 }] },
        // rules the fix must leave alone: admin ports from a private range, HTTPS from anywhere
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: WORLD_V4 }] },
      ],
    });
    return [
      {
        document: this.document,
        account,
        region,
        label: `security group ${GroupId} (${groupName})`,
        resource: securityGroup(account, region, GroupId, groupName, vpcId),
        async problems(a) {
          const rules = await groupRules(a, GroupId);
          const ingress = rules.filter((r) => !r.IsEgress);
          const out = ingress
            .filter((r) => (r.CidrIpv4 === WORLD_V4 || r.CidrIpv6 === WORLD_V6) && ADMIN_PORTS.some((p) => coversPort(r, p)))
            .map((r) => `${r.SecurityGroupRuleId} opens ${r.FromPort}-${r.ToPort} to ${r.CidrIpv4 ?? r.CidrIpv6}`);
          if (!ingress.some((r) => r.CidrIpv4 === '10.0.0.0/8' && r.FromPort === 22))
            out.push('the private SSH rule (10.0.0.0/8) was removed: more than the offending rules changed');
          if (!ingress.some((r) => r.CidrIpv4 === WORLD_V4 && r.FromPort === 443))
            out.push('the HTTPS rule was removed: more than the offending rules changed');
          return out;
        },
      },
      await seedWebFacingGroup({ account, region, aws }, vpcId),
    ];
  },
};

/**
 * A web-facing group whose only ingress is all traffic from 0.0.0.0/0 and ::/0: afterwards 22 and
 * 3389 must be closed to the world and 80/443 still open to it (the wide rule is split, not revoked).
 */
async function seedWebFacingGroup({ account, region, aws }: Omit<SeedEnv, 'once'>, vpcId: string): Promise<SeededResource> {
  const groupName = 'hubfix-e2e-web-all-traffic';
  const { GroupId } = await aws<{ GroupId: string }>('ec2', 'CreateSecurityGroup', {
    GroupName: groupName,
    Description: 'hubfix e2e: web server open to all traffic',
    VpcId: vpcId,
  });
  await aws('ec2', 'AuthorizeSecurityGroupIngress', {
    GroupId,
    IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: WORLD_V4, Description: 'web' }], Ipv6Ranges: [{ CidrIpv6: WORLD_V6 }] }],
  });
  const worldTcp = (r: RuleView) => (r.CidrIpv4 === WORLD_V4 || r.CidrIpv6 === WORLD_V6) && ['tcp', '6', '-1'].includes(r.IpProtocol);
  return {
    document: 'Hubfix-EC2-AdminPortsIngress',
    account,
    region,
    label: `security group ${GroupId} (${groupName})`,
    resource: securityGroup(account, region, GroupId, groupName, vpcId),
    async problems(a) {
      const ingress = (await groupRules(a, GroupId)).filter((r) => !r.IsEgress && worldTcp(r));
      const out: string[] = [];
      for (const cidr of [WORLD_V4, WORLD_V6]) {
        const from = ingress.filter((r) => (r.CidrIpv4 ?? r.CidrIpv6) === cidr);
        for (const p of ADMIN_PORTS) if (from.some((r) => coversPort(r, p))) out.push(`tcp ${p} is open to ${cidr}`);
        for (const p of [80, 443])
          if (!from.some((r) => coversPort(r, p))) out.push(`tcp ${p} is no longer open to ${cidr}: more than the admin ports changed`);
      }
      return out;
    },
  };
}

const defaultSecurityGroup: Seeder = {
  document: 'Hubfix-EC2-DefaultSecurityGroupClosed',
  where: 'region',
  async seed({ account, region, aws }) {
    const vpcId = await defaultVpc(aws);
    const groups = await aws<{ SecurityGroups?: Array<{ GroupId: string }> }>('ec2', 'DescribeSecurityGroups', {
      Filters: [
        { Name: 'group-name', Values: ['default'] },
        { Name: 'vpc-id', Values: [vpcId] },
      ],
    });
    const groupId = groups.SecurityGroups?.[0]?.GroupId;
    if (!groupId) throw new Error(`no default security group in ${vpcId}`);
    // AWS's default group also allows all traffic from itself; moto's lacks that rule: add it
    await aws('ec2', 'AuthorizeSecurityGroupIngress', {
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: groupId }] }],
    });
    return [
      {
        document: this.document,
        account,
        region,
        label: `default security group ${groupId} of ${vpcId}`,
        resource: securityGroup(account, region, groupId, 'default', vpcId),
        async problems(a) {
          return (await groupRules(a, groupId)).map((r) => `${r.IsEgress ? 'egress' : 'ingress'} rule ${r.SecurityGroupRuleId} remains`);
        },
      },
    ];
  },
};

const vpcFlowLogs: Seeder = {
  document: 'Hubfix-EC2-VpcFlowLogs',
  where: 'region',
  async seed({ account, region, aws }) {
    const vpc = await aws<{ Vpc: { VpcId: string } }>('ec2', 'CreateVpc', { CidrBlock: '10.42.0.0/16' });
    const vpcId = vpc.Vpc.VpcId;
    return [
      {
        document: this.document,
        account,
        region,
        label: `VPC ${vpcId} (no flow log)`,
        resource: {
          Type: 'AwsEc2Vpc',
          Id: `arn:aws:ec2:${region}:${account}:vpc/${vpcId}`,
          Region: region,
          Details: { AwsEc2Vpc: { CidrBlockAssociationSet: [{ CidrBlock: '10.42.0.0/16' }] } },
        },
        async problems(a) {
          const out = await a<{ FlowLogs?: Array<{ TrafficType?: string; FlowLogStatus?: string }> }>('ec2', 'DescribeFlowLogs', {
            Filters: [{ Name: 'resource-id', Values: [vpcId] }],
          });
          const ok = (out.FlowLogs ?? []).some(
            (f) => (f.TrafficType === 'REJECT' || f.TrafficType === 'ALL') && f.FlowLogStatus === 'ACTIVE',
          );
          return ok ? [] : ['no active flow log capturing rejected traffic'];
        },
      },
    ];
  },
};

export interface TrailFixture {
  trailName: string;
  trailArn: string;
  bucket: string;
}

/** One trail and its log bucket per account and Region, shared by the CloudTrail runbooks. */
export async function trailFixture(env: SeedEnv): Promise<TrailFixture> {
  return env.once('trail', async () => {
    const { aws, account, region } = env;
    const bucket = `hubfix-e2e-trail-${account}-${region}`;
    await aws('s3', 'CreateBucket', {
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region } }),
    });
    // world-readable, no public access block, no access logging
    await aws('s3', 'PutBucketAcl', { Bucket: bucket, ACL: 'public-read' });
    const trailName = 'hubfix-e2e-trail';
    const t = await aws<{ TrailARN: string }>('cloudtrail', 'CreateTrail', { Name: trailName, S3BucketName: bucket });
    // a trail made by the API records nothing until started; CloudTrail.5's verify asks for a logging trail
    await aws('cloudtrail', 'StartLogging', { Name: t.TrailARN });
    return { trailName, trailArn: t.TrailARN, bucket };
  });
}

export function trailResource(region: string, t: TrailFixture): ResourceSpec {
  return {
    Type: 'AwsCloudTrailTrail',
    Id: t.trailArn,
    Region: region,
    Details: { AwsCloudTrailTrail: { Name: t.trailName, S3BucketName: t.bucket, HomeRegion: region } },
  };
}

function bucketResource(region: string, t: TrailFixture): ResourceSpec {
  return { Type: 'AwsS3Bucket', Id: `arn:aws:s3:::${t.bucket}`, Region: region, Details: { AwsS3Bucket: { Name: t.bucket } } };
}

async function getTrail(aws: Aws, t: TrailFixture): Promise<Record<string, unknown>> {
  return (await aws<{ Trail: Record<string, unknown> }>('cloudtrail', 'GetTrail', { Name: t.trailArn })).Trail;
}

const logValidation: Seeder = {
  document: 'Hubfix-CloudTrail-LogFileValidation',
  where: 'region',
  async seed(env) {
    const t = await trailFixture(env);
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `trail ${t.trailName} (log file validation off)`,
        resource: trailResource(env.region, t),
        async problems(a) {
          return (await getTrail(a, t)).LogFileValidationEnabled === true ? [] : ['log file validation off'];
        },
      },
    ];
  },
};

const cloudWatchLogs: Seeder = {
  document: 'Hubfix-CloudTrail-CloudWatchLogs',
  where: 'region',
  async seed(env) {
    const t = await trailFixture(env);
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `trail ${t.trailName} (not sent to CloudWatch Logs)`,
        resource: trailResource(env.region, t),
        async problems(a) {
          const trail = await getTrail(a, t);
          const arn = typeof trail.CloudWatchLogsLogGroupArn === 'string' ? trail.CloudWatchLogsLogGroupArn : '';
          if (!arn) return ['no CloudWatch Logs group on the trail'];
          const name = /:log-group:(.+?)(:\*)?$/.exec(arn)?.[1] ?? '';
          const groups = await a<{ logGroups?: Array<{ logGroupName: string }> }>('logs', 'DescribeLogGroups', {
            logGroupNamePrefix: name,
          });
          const out: string[] = [];
          if (!(groups.logGroups ?? []).some((g) => g.logGroupName === name)) out.push(`log group ${name} does not exist`);
          if (!trail.CloudWatchLogsRoleArn) out.push('no delivery role on the trail');
          return out;
        },
      },
    ];
  },
};

const PUBLIC_GRANTEES = ['http://acs.amazonaws.com/groups/global/AllUsers', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'];

const bucketPublicAccess: Seeder = {
  document: 'Hubfix-CloudTrail-BucketPublicAccess',
  where: 'region',
  async seed(env) {
    const t = await trailFixture(env);
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `trail bucket ${t.bucket} (public-read, no public access block)`,
        resource: bucketResource(env.region, t),
        async problems(a) {
          const out: string[] = [];
          try {
            const pab = (
              await a<{ PublicAccessBlockConfiguration: Record<string, boolean> }>('s3', 'GetPublicAccessBlock', { Bucket: t.bucket })
            ).PublicAccessBlockConfiguration;
            for (const k of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])
              if (pab[k] !== true) out.push(`${k} off`);
          } catch (err) {
            if (!hasErrorCode(err, 'NoSuchPublicAccessBlockConfiguration')) throw err;
            out.push('no public access block');
          }
          const acl = await a<{ Grants?: Array<{ Grantee?: { URI?: string }; Permission?: string }> }>('s3', 'GetBucketAcl', {
            Bucket: t.bucket,
          });
          for (const g of acl.Grants ?? [])
            if (g.Grantee?.URI && PUBLIC_GRANTEES.includes(g.Grantee.URI)) out.push(`ACL grants ${g.Permission} to ${g.Grantee.URI}`);
          return out;
        },
      },
    ];
  },
};

const bucketAccessLogging: Seeder = {
  document: 'Hubfix-CloudTrail-BucketAccessLogging',
  where: 'region',
  async seed(env) {
    const t = await trailFixture(env);
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `trail bucket ${t.bucket} (no access logging)`,
        resource: bucketResource(env.region, t),
        async problems(a) {
          const l = await a<{ LoggingEnabled?: { TargetBucket?: string } }>('s3', 'GetBucketLogging', { Bucket: t.bucket });
          return l.LoggingEnabled?.TargetBucket ? [] : ['access logging off'];
        },
      },
    ];
  },
};

/** Every seeder, by document name. */
export const SEEDERS: ReadonlyMap<string, Seeder> = new Map(
  [
    passwordPolicy,
    unusedCredentials,
    accessKeyRotation,
    kmsRotation,
    adminPorts,
    defaultSecurityGroup,
    vpcFlowLogs,
    logValidation,
    cloudWatchLogs,
    bucketPublicAccess,
    bucketAccessLogging,
    metricAlarmsSeeder,
    ...FOUNDATION_SEEDERS,
  ].map((s) => [s.document, s]),
);
