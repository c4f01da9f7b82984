import { expect } from 'chai';
import { cloudTrailMultiRegionRunbook } from '../../runbooks/cloudtrail-multi-region';
import type { AwsOutput } from '../../src/aws/invoker';
import { SdkInvoker } from '../../src/aws/sdk-invoker';
import { findCompiled } from '../../src/compiler';
import { type AutomationResult, RealClock, runAutomation } from '../../src/engine';
import { useEmulator } from './support';

/**
 * CloudTrail.1 against the emulator in accounts of its own: the shared world (multi-account.test.ts)
 * needs a compliant multi-Region trail for the CloudWatch alarms, so there CloudTrail.1 can only show
 * that it changes nothing. Here one account has no trail (create path) and one has a single-Region,
 * stopped trail recording write events only (reuse path); each result is read back from moto, and a
 * second run writes nothing. The runbook runs in the local engine with its compiled policy, as its
 * own role in the member account (moto answers every call; SSM executions are the engine).
 */

const CREATE_ACCOUNT = '333333333333';
const REUSE_ACCOUNT = '444444444444';
const REGION = 'us-east-1';
const MUTATING = /^(Create|Put|Update|Start|Stop|Delete|Attach|Enable)/;

type Call = <T = AwsOutput>(service: string, operation: string, input?: Record<string, unknown>, region?: string) => Promise<T>;

describe('end to end against the emulator: CloudTrail.1 creates or reuses a multi-Region trail', function () {
  this.timeout(120_000);
  const emulator = useEmulator();
  let sdk: SdkInvoker;
  const compiled = findCompiled(cloudTrailMultiRegionRunbook.document);

  /** Calls in `account` with the credentials of a role there (moto: the role need not exist). */
  async function inAccount(account: string): Promise<Call> {
    const assumed = await sdk.call({
      service: 'sts',
      operation: 'AssumeRole',
      region: REGION,
      input: { RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'hubfix-e2e-foundations' },
    });
    const c = assumed.Credentials as Record<string, string>;
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    return (service, operation, input = {}, region = REGION) => sdk.call({ service, operation, region, input, credentials }) as never;
  }

  async function runIn(account: string): Promise<AutomationResult> {
    if (!compiled) throw new Error('Hubfix-CloudTrail-MultiRegionTrail is not in the catalog');
    return runAutomation(
      { name: compiled.name, document: compiled.document, policy: compiled.policy, handlers: compiled.handlers },
      { AutomationAssumeRole: `arn:aws:iam::${account}:role/hubfix-Hubfix-CloudTrail-MultiRegionTrail` },
      {
        invoker: sdk,
        region: REGION,
        clock: new RealClock(),
        handlers: compiled.handlers,
        undecided: 'fail',
        retryBaseDelaySeconds: 0.05,
        retryMaxDelaySeconds: 0.5,
      },
    );
  }

  function writes(r: AutomationResult): string[] {
    return r.record.Calls.filter((c) => c.step !== undefined && c.step !== 'Finalize' && MUTATING.test(c.operation)).map(
      (c) => `${c.service}.${c.operation}`,
    );
  }

  before(() => {
    sdk = new SdkInvoker({ endpoint: emulator.current().endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  });

  describe('an account without a trail', () => {
    let first: AutomationResult;
    let aws: Call;
    before(async () => {
      aws = await inAccount(CREATE_ACCOUNT);
      first = await runIn(CREATE_ACCOUNT);
    });

    it('ends Success, verified, having created the bucket, its access logging and the trail', () => {
      expect(first.status, first.record.FailureMessage).to.equal('Success');
      expect(first.outputs['Finalize.Verified']).to.equal(true);
      expect(writes(first)).to.include.members([
        's3.CreateBucket',
        's3.PutBucketPolicy',
        's3.PutBucketLogging',
        'cloudtrail.CreateTrail',
        'cloudtrail.StartLogging',
      ]);
    });

    it('the emulator holds a multi-Region trail that is logging, delivering to a private, encrypted, access-logged bucket', async () => {
      const trails = (
        await aws<{ trailList: Array<Record<string, unknown>> }>('cloudtrail', 'DescribeTrails', { includeShadowTrails: false })
      ).trailList;
      expect(trails.map((t) => [t.Name, t.IsMultiRegionTrail, t.LogFileValidationEnabled])).to.deep.equal([['hubfix-trail', true, true]]);
      const arn = String(trails[0].TrailARN);
      expect((await aws<{ IsLogging: boolean }>('cloudtrail', 'GetTrailStatus', { Name: arn })).IsLogging).to.equal(true);
      const bucket = String(trails[0].S3BucketName);
      expect(bucket).to.equal(`hubfix-cloudtrail-${CREATE_ACCOUNT}-${REGION}`);
      const pab = await aws<{ PublicAccessBlockConfiguration: Record<string, boolean> }>('s3', 'GetPublicAccessBlock', { Bucket: bucket });
      expect(pab.PublicAccessBlockConfiguration).to.deep.equal({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      const policy = JSON.parse((await aws<{ Policy: string }>('s3', 'GetBucketPolicy', { Bucket: bucket })).Policy);
      const write = policy.Statement.find((s: { Sid: string }) => s.Sid === 'HubfixCloudTrailWrite');
      expect(write.Condition.StringEquals['aws:SourceArn']).to.equal(arn);
      expect(
        policy.Statement.some(
          (s: { Effect: string; Condition?: { Bool?: Record<string, string> } }) =>
            s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
      ).to.equal(true);
      const sse = await aws<{
        ServerSideEncryptionConfiguration: { Rules: Array<{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: string } }> };
      }>('s3', 'GetBucketEncryption', { Bucket: bucket });
      expect(sse.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm).to.equal('AES256');
      const logging = await aws<{ LoggingEnabled?: { TargetBucket: string } }>('s3', 'GetBucketLogging', { Bucket: bucket });
      expect(logging.LoggingEnabled?.TargetBucket).to.equal(`hubfix-access-logs-${CREATE_ACCOUNT}-${REGION}`);
    });

    it('a second run finds it compliant and writes nothing', async () => {
      const again = await runIn(CREATE_ACCOUNT);
      expect(again.outputs['Finalize.Verified']).to.equal(true);
      expect(writes(again)).to.deep.equal([]);
    });
  });

  describe('an account with a single-Region, stopped trail that records write events only', () => {
    let first: AutomationResult;
    let aws: Call;
    let arn: string;
    before(async () => {
      aws = await inAccount(REUSE_ACCOUNT);
      const bucket = `hubfix-e2e-own-trail-${REUSE_ACCOUNT}`;
      await aws('s3', 'CreateBucket', { Bucket: bucket });
      arn = (await aws<{ TrailARN: string }>('cloudtrail', 'CreateTrail', { Name: 'own-trail', S3BucketName: bucket })).TrailARN;
      await aws('cloudtrail', 'PutEventSelectors', {
        TrailName: arn,
        EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
      });
      first = await runIn(REUSE_ACCOUNT);
    });

    it('ends Success, verified, having changed only that trail', () => {
      expect(first.status, first.record.FailureMessage).to.equal('Success');
      expect(first.outputs['Finalize.Verified']).to.equal(true);
      expect(writes(first)).to.deep.equal(['cloudtrail.UpdateTrail', 'cloudtrail.PutEventSelectors', 'cloudtrail.StartLogging']);
    });

    it('the emulator shows the same trail multi-Region, logging, with a selector for all management events kept beside the old one', async () => {
      const trails = (
        await aws<{ trailList: Array<Record<string, unknown>> }>('cloudtrail', 'DescribeTrails', { includeShadowTrails: false })
      ).trailList;
      expect(trails.map((t) => [t.TrailARN, t.IsMultiRegionTrail])).to.deep.equal([[arn, true]]);
      expect((await aws<{ IsLogging: boolean }>('cloudtrail', 'GetTrailStatus', { Name: arn })).IsLogging).to.equal(true);
      const sel = await aws<{ EventSelectors: Array<Record<string, unknown>> }>('cloudtrail', 'GetEventSelectors', { TrailName: arn });
      expect(sel.EventSelectors).to.deep.include.members([
        { ReadWriteType: 'WriteOnly', IncludeManagementEvents: true },
        { ReadWriteType: 'All', IncludeManagementEvents: true },
      ]);
    });

    it('a multi-Region trail homed here is seen from the other Region too', async () => {
      const elsewhere = (
        await aws<{ trailList: Array<{ TrailARN: string }> }>('cloudtrail', 'DescribeTrails', { includeShadowTrails: true }, 'eu-west-1')
      ).trailList;
      expect(elsewhere.map((t) => t.TrailARN)).to.include(arn);
    });
  });
});
