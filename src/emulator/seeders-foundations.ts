import { hasErrorCode } from '../aws/invoker';
import type { ResourceSpec } from './asff';
import { type Aws, type Seeder, trailFixture, trailResource } from './seeders';

/**
 * Seeders for the account foundations (issue 14): the multi-Region trail (CloudTrail.1), trail
 * encryption (CloudTrail.2), the support role (IAM.18). Each checks the
 * result by reading the emulator directly, not through the runbook's code.
 */

function accountResource(account: string, region: string): ResourceSpec {
  return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region };
}

const SUPPORT_POLICY = 'arn:aws:iam::aws:policy/AWSSupportAccess';

/** Roles with AWSSupportAccess attached whose trust policy names this account. */
async function supportRoleProblems(aws: Aws, account: string): Promise<string[]> {
  const out = await aws<{ PolicyRoles?: Array<{ RoleName: string }> }>('iam', 'ListEntitiesForPolicy', {
    PolicyArn: SUPPORT_POLICY,
    EntityFilter: 'Role',
  });
  const roles = out.PolicyRoles ?? [];
  if (roles.length === 0) return ['no role has AWSSupportAccess attached'];
  for (const r of roles) {
    const role = (await aws<{ Role: { AssumeRolePolicyDocument?: string } }>('iam', 'GetRole', { RoleName: r.RoleName })).Role;
    const trust = decodeURIComponent(role.AssumeRolePolicyDocument ?? '');
    if (trust.includes(`arn:aws:iam::${account}:root`)) return [];
  }
  return [`roles with AWSSupportAccess (${roles.map((r) => r.RoleName).join(', ')}) are not trusted by account ${account}`];
}

const supportRole: Seeder = {
  document: 'Hubfix-IAM-SupportRole',
  where: 'account',
  async seed({ account, region, aws }) {
    // a role trusted by the account but without the policy: not a support role, and not hubfix's to change
    await aws('iam', 'CreateRole', {
      RoleName: 'hubfix-e2e-ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
      }),
    });
    return [
      {
        document: this.document,
        account,
        region,
        label: `support role of ${account} (none has AWSSupportAccess)`,
        resource: accountResource(account, region),
        async problems(a) {
          const out = await supportRoleProblems(a, account);
          try {
            const attached = await a<{ AttachedPolicies?: unknown[] }>('iam', 'ListAttachedRolePolicies', { RoleName: 'hubfix-e2e-ops' });
            if ((attached.AttachedPolicies ?? []).length > 0) out.push('hubfix-e2e-ops was changed: it had no policy attached');
          } catch (err) {
            if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
            out.push('hubfix-e2e-ops was deleted');
          }
          return out;
        },
      },
    ];
  },
};

interface TrailListing {
  trailList?: Array<{ Name: string; TrailARN: string; HomeRegion: string; IsMultiRegionTrail?: boolean }>;
}

/** What keeps every trail of the account from meeting CloudTrail.1, read from the emulator (empty: one meets it). */
async function multiRegionTrailProblems(a: Aws, account: string): Promise<string[]> {
  const trails = (await a<TrailListing>('cloudtrail', 'DescribeTrails', { includeShadowTrails: true })).trailList ?? [];
  const seen: string[] = [];
  for (const t of trails.filter((x) => x.TrailARN.split(':')[4] === account)) {
    const gaps: string[] = [];
    if (t.IsMultiRegionTrail !== true) gaps.push('single-Region');
    const status = await a<{ IsLogging?: boolean }>('cloudtrail', 'GetTrailStatus', { Name: t.TrailARN });
    if (status.IsLogging !== true) gaps.push('not logging');
    const sel = await a<{ EventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }> }>(
      'cloudtrail',
      'GetEventSelectors',
      { TrailName: t.TrailARN },
    );
    const selectors = sel.EventSelectors ?? [];
    // no selector is CloudTrail's default: all management events (moto answers [] for it)
    if (selectors.length > 0 && !selectors.some((e) => e.IncludeManagementEvents !== false && (e.ReadWriteType ?? 'All') === 'All'))
      gaps.push('not all management events');
    if (gaps.length === 0) return [];
    seen.push(`${t.Name}: ${gaps.join(', ')}`);
  }
  return [seen.length ? `no compliant trail (${seen.join('; ')})` : 'no trail'];
}

/** The trail the CloudTrail.1 runbook creates when the account has none to reuse (its default TrailName). */
const NEW_TRAIL = 'hubfix-trail';

const multiRegionTrail: Seeder = {
  document: 'Hubfix-CloudTrail-MultiRegionTrail',
  where: 'account',
  async seed(env) {
    const t = await trailFixture(env);
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `account ${env.account} (the single-Region, stopped trail ${t.trailName}, and the alarms' multi-Region trail)`,
        resource: accountResource(env.account, env.region),
        compliantAtStart:
          "the CloudWatch alarms need a multi-Region, logging trail in the same world; CloudTrail.1's reuse and create paths run in test/e2e/foundations.test.ts",
        async problems(a) {
          const out = await multiRegionTrailProblems(a, env.account);
          // with a compliant trail present the runbook must change nothing: no new trail, the fixture left as it is
          const own = (await a<TrailListing>('cloudtrail', 'DescribeTrails', { includeShadowTrails: false })).trailList ?? [];
          if (own.some((x) => x.Name === NEW_TRAIL)) out.push(`trail ${NEW_TRAIL} was created although a compliant trail existed`);
          if (own.find((x) => x.TrailARN === t.trailArn)?.IsMultiRegionTrail === true)
            out.push(`${t.trailName} was changed although a compliant trail existed`);
          return out;
        },
      },
    ];
  },
};

const KEY_TAG = { TagKey: 'hubfix:purpose', TagValue: 'cloudtrail' };

const trailEncryption: Seeder = {
  document: 'Hubfix-CloudTrail-KmsEncryption',
  where: 'region',
  async seed(env) {
    const t = await trailFixture(env);
    // in one Region a key tagged for hubfix waits to be reused; in the other the runbook creates one
    let taggedKey = '';
    if (env.region !== 'us-east-1') {
      const key = await env.aws<{ KeyMetadata: { Arn: string } }>('kms', 'CreateKey', {
        Description: 'hubfix e2e: key tagged for CloudTrail, policy without CloudTrail',
        Tags: [KEY_TAG],
      });
      taggedKey = key.KeyMetadata.Arn;
    }
    return [
      {
        document: this.document,
        account: env.account,
        region: env.region,
        label: `trail ${t.trailName} (not encrypted${taggedKey ? `; tagged key ${taggedKey} to reuse` : ''})`,
        resource: trailResource(env.region, t),
        async problems(a) {
          const trail = (await a<{ Trail: { KmsKeyId?: string } }>('cloudtrail', 'GetTrail', { Name: t.trailArn })).Trail;
          const keyId = trail.KmsKeyId;
          if (!keyId) return ['trail not encrypted with KMS'];
          const out: string[] = [];
          if (taggedKey && keyId !== taggedKey) out.push(`trail uses ${keyId}, not the tagged key ${taggedKey} it should reuse`);
          const meta = (await a<{ KeyMetadata: { KeyState?: string; KeyManager?: string } }>('kms', 'DescribeKey', { KeyId: keyId }))
            .KeyMetadata;
          if (meta.KeyState !== 'Enabled' || meta.KeyManager !== 'CUSTOMER')
            out.push(`key ${keyId} is ${meta.KeyState} ${meta.KeyManager}`);
          const rotation = await a<{ KeyRotationEnabled?: boolean }>('kms', 'GetKeyRotationStatus', { KeyId: keyId });
          if (rotation.KeyRotationEnabled !== true) out.push(`key ${keyId} does not rotate`);
          const policy = JSON.parse(
            (await a<{ Policy: string }>('kms', 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy,
          ) as {
            Statement: Array<{
              Principal?: { Service?: string };
              Action?: string | string[];
              Condition?: Record<string, Record<string, unknown>>;
            }>;
          };
          const encrypt = policy.Statement.find(
            (s) => s.Principal?.Service === 'cloudtrail.amazonaws.com' && [s.Action].flat().includes('kms:GenerateDataKey*'),
          );
          const sources = [encrypt?.Condition?.StringEquals?.['aws:SourceArn']].flat();
          if (!sources.includes(t.trailArn)) out.push(`the key policy does not let CloudTrail encrypt for ${t.trailArn}`);
          if (!encrypt?.Condition?.StringLike?.['kms:EncryptionContext:aws:cloudtrail:arn'])
            out.push('the key policy does not limit the CloudTrail encryption context');
          return out;
        },
      },
    ];
  },
};

const CONFIG_SLR_PREFIX = (account: string) => `arn:aws:iam::${account}:role/aws-service-role/config.amazonaws.com/`;

const configRecorder: Seeder = {
  document: 'Hubfix-Config-Recorder',
  where: 'region',
  async seed({ account, region, aws }) {
    // the home Region has a stopped recorder with a custom role recording EC2 instances only (reused);
    // the other Region has no AWS Config at all (created)
    const reuse = region === 'us-east-1';
    const recorder = 'hubfix-e2e-recorder';
    if (reuse) {
      const bucket = `hubfix-e2e-config-${account}-${region}`;
      await aws('s3', 'CreateBucket', { Bucket: bucket });
      await aws('config', 'PutConfigurationRecorder', {
        ConfigurationRecorder: {
          name: recorder,
          roleARN: `arn:aws:iam::${account}:role/hubfix-e2e-config-role`,
          recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ['AWS::EC2::Instance'] },
        },
      });
      await aws('config', 'PutDeliveryChannel', { DeliveryChannel: { name: 'default', s3BucketName: bucket } });
    }
    return [
      {
        document: this.document,
        account,
        region,
        label: reuse ? `recorder ${recorder} in ${region} (stopped, EC2 only, custom role)` : `AWS Config in ${region} (never set up)`,
        resource: accountResource(account, region),
        async problems(a) {
          const out: string[] = [];
          const recs =
            (
              await a<{ ConfigurationRecorders?: Array<{ name: string; roleARN?: string; recordingGroup?: Record<string, unknown> }> }>(
                'config',
                'DescribeConfigurationRecorders',
                {},
              )
            ).ConfigurationRecorders ?? [];
          const r = recs[0];
          if (!r) return ['no configuration recorder'];
          if (reuse && r.name !== recorder) out.push(`recorder ${recorder} was replaced by ${r.name}`);
          if (r.recordingGroup?.allSupported !== true) out.push('not all supported resource types');
          if (region === 'us-east-1' && r.recordingGroup?.includeGlobalResourceTypes !== true) out.push('no global resources in us-east-1');
          if (region !== 'us-east-1' && r.recordingGroup?.includeGlobalResourceTypes === true)
            out.push(`global resources recorded in ${region} too`);
          if (!r.roleARN?.startsWith(CONFIG_SLR_PREFIX(account))) out.push(`role ${r.roleARN} is not the service-linked role`);
          const status =
            (
              await a<{ ConfigurationRecordersStatus?: Array<{ recording?: boolean }> }>(
                'config',
                'DescribeConfigurationRecorderStatus',
                {},
              )
            ).ConfigurationRecordersStatus ?? [];
          if (status[0]?.recording !== true) out.push('not recording');
          const channels =
            (await a<{ DeliveryChannels?: Array<{ s3BucketName?: string }> }>('config', 'DescribeDeliveryChannels', {})).DeliveryChannels ??
            [];
          const bucket = channels[0]?.s3BucketName;
          if (!bucket) out.push('no delivery channel');
          else if (!reuse) {
            const policy = (await a<{ Policy?: string }>('s3', 'GetBucketPolicy', { Bucket: bucket })).Policy ?? '';
            if (!policy.includes('config.amazonaws.com')) out.push(`bucket ${bucket} does not let AWS Config deliver`);
            const pab = await a<{ PublicAccessBlockConfiguration?: Record<string, boolean> }>('s3', 'GetPublicAccessBlock', {
              Bucket: bucket,
            });
            if (pab.PublicAccessBlockConfiguration?.BlockPublicPolicy !== true) out.push(`bucket ${bucket} does not block public access`);
          }
          return out;
        },
      },
    ];
  },
};

export const FOUNDATION_SEEDERS: readonly Seeder[] = [multiRegionTrail, trailEncryption, configRecorder, supportRole];
