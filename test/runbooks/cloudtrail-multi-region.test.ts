import { expect } from 'chai';
import {
  type TrailView,
  chooseTrail,
  cloudTrailMultiRegionRunbook,
  managementCoverage,
  mergeTrailBucketPolicy,
  withManagementEvents,
} from '../../runbooks/cloudtrail-multi-region';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { compileRunbook } from '../../src/compiler/compile';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TABLE = 'cloudtrail-multi-region';
const MAIN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main';
const NEW_TRAIL = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/hubfix-trail';
const BUCKET = 'hubfix-cloudtrail-111122223333-us-east-1';

function view(over: Partial<TrailView> & { arn?: string; multi?: boolean }): TrailView {
  const arn = over.arn ?? MAIN;
  return {
    trail: { Name: arn.split('/')[1], TrailARN: arn, HomeRegion: 'us-east-1', IsMultiRegionTrail: over.multi ?? true },
    owned: true,
    logging: true,
    selectors: { EventSelectors: [], AdvancedEventSelectors: [] },
    ...over,
  };
}

describe('CloudTrail.1 multi-Region trail: decisions (pure)', () => {
  it('reads management coverage from basic and advanced selectors', () => {
    const none = { EventSelectors: [], AdvancedEventSelectors: [] };
    expect(managementCoverage(none), 'the default selector').to.equal('all');
    expect(managementCoverage({ ...none, EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] })).to.equal(
      'missing',
    );
    expect(managementCoverage({ ...none, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] })).to.equal('missing');
    expect(managementCoverage({ ...none, EventSelectors: [{ IncludeManagementEvents: true }] })).to.equal('all');
    const mgmt = { Field: 'eventCategory', Equals: ['Management'] };
    expect(managementCoverage({ ...none, AdvancedEventSelectors: [{ FieldSelectors: [mgmt] }] })).to.equal('all');
    expect(
      managementCoverage({ ...none, AdvancedEventSelectors: [{ FieldSelectors: [mgmt, { Field: 'readOnly', Equals: ['true'] }] }] }),
    ).to.equal('advanced-partial');
    expect(
      managementCoverage({ ...none, AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }] }),
    ).to.equal('missing');
  });

  it('adds a management selector and keeps the existing ones', () => {
    const data = { ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object' }] };
    expect(withManagementEvents({ EventSelectors: [data], AdvancedEventSelectors: [] })).to.deep.equal({
      EventSelectors: [data, { ReadWriteType: 'All', IncludeManagementEvents: true }],
    });
    const adv = { Name: 'data', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] };
    expect(withManagementEvents({ EventSelectors: [], AdvancedEventSelectors: [adv] }).AdvancedEventSelectors).to.have.length(2);
  });

  it('is compliant with any trail that meets the control, an organization trail included', () => {
    const org = view({ arn: 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org', owned: false });
    expect(chooseTrail([view({ multi: false }), org]).kind).to.equal('compliant');
  });

  it('reuses an owned multi-Region trail before a single-Region one and never another account’s', () => {
    const single = view({ arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/a-single', multi: false });
    const stopped = view({ arn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/z-multi', logging: false });
    const foreign = view({ arn: 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org', owned: false, logging: false });
    const c = chooseTrail([foreign, single, stopped]);
    expect(c.kind).to.equal('reuse');
    if (c.kind === 'reuse') {
      expect(c.trail.trail.Name).to.equal('z-multi');
      expect(c.fixes).to.deep.equal(['start logging (StartLogging)']);
    }
    expect(chooseTrail([foreign]).kind).to.equal('create');
  });

  it('leaves a trail whose advanced selectors limit management events to a person', () => {
    const limited = view({
      logging: false,
      selectors: {
        EventSelectors: [],
        AdvancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['false'] },
            ],
          },
        ],
      },
    });
    const c = chooseTrail([limited]);
    expect(c).to.deep.equal({
      kind: 'create',
      skipped: ['trail main uses advanced event selectors that limit management events; change them by hand'],
    });
  });

  it('lets CloudTrail deliver for this trail only, keeps other statements, adds TLS-only on a new bucket', () => {
    const c = {
      partition: 'aws-us-gov',
      account: '111122223333',
      bucket: 'b',
      trailArn: 'arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/t',
    };
    const { doc } = mergeTrailBucketPolicy(null, { ...c, requireTls: true });
    expect(doc.Statement.map((s) => s.Sid)).to.deep.equal([
      'HubfixCloudTrailAclCheck',
      'HubfixCloudTrailWrite',
      'HubfixDenyInsecureTransport',
    ]);
    expect(doc.Statement[1]).to.deep.include({
      Resource: 'arn:aws-us-gov:s3:::b/AWSLogs/111122223333/*',
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': c.trailArn } },
    });
    const other = {
      Sid: 'Theirs',
      Effect: 'Allow' as const,
      Principal: { AWS: 'x' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
    };
    const merged = mergeTrailBucketPolicy(
      { Version: '2012-10-17', Statement: [other, doc.Statement[0]] },
      { ...c, trailArn: 'arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/u', requireTls: false },
    );
    expect(merged.changed).to.equal(true);
    expect(merged.doc.Statement[0]).to.deep.equal(other);
    expect(merged.doc.Statement[1].Condition?.StringEquals?.['aws:SourceArn']).to.deep.equal([
      c.trailArn,
      'arn:aws-us-gov:cloudtrail:us-gov-west-1:111122223333:trail/u',
    ]);
    expect(mergeTrailBucketPolicy(doc, { ...c, requireTls: true }).changed).to.equal(false);
  });

  it('has no wildcard action, and is a class B control previewed by default', () => {
    const { policy } = compileRunbook(cloudTrailMultiRegionRunbook);
    for (const s of policy.Statement) for (const a of s.Action) expect(a).to.match(/^[a-z0-9]+:[A-Za-z0-9]+$/);
    expect(cloudTrailMultiRegionRunbook.class).to.equal('B');
    expect(cloudTrailMultiRegionRunbook.defaultMode).to.equal('dry-run');
  });
});

describe('CloudTrail.1 multi-Region trail runbook in the local engine', () => {
  it('makes no change when a multi-Region trail logs all management events', async () => {
    const run = await runRunbook(cloudTrailMultiRegionRunbook, `${TABLE}/compliant.yaml`, {});
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('reuses the account’s single-Region trail: multi-Region, management events added (data selector kept), logging started', async () => {
    const run = await runRunbook(cloudTrailMultiRegionRunbook, `${TABLE}/reuse.yaml`, {});
    expect(run.result.status).to.equal('Success');
    expect(mapOutput(run, 'Plan', 'Before').Trails).to.contain(
      `${MAIN} (not multi-Region, not logging, does not log all read and write management events)`,
    );
    expect(output(run, 'Plan', 'Summary')).to.equal(
      `reuse trail ${MAIN}: make it multi-Region (UpdateTrail IsMultiRegionTrail=true); add an event selector for all read and write management events; start logging (StartLogging)`,
    );
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['UpdateTrail', 'PutEventSelectors', 'StartLogging']);
    expect(callsTo(run, 'PutEventSelectors')[0].input.EventSelectors).to.deep.equal([
      {
        ReadWriteType: 'WriteOnly',
        IncludeManagementEvents: true,
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::payroll/'] }],
      },
      { ReadWriteType: 'All', IncludeManagementEvents: true },
    ]);
    expect(callsTo(run, 'CreateTrail')).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureBucket', 'EnsureTrail', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('creates the hardened bucket (access logged) and the multi-Region trail when the account has none', async () => {
    const run = await runRunbook(cloudTrailMultiRegionRunbook, `${TABLE}/none.yaml`, {});
    expect(run.result.status).to.equal('Success');
    expect(mutatingCalls(run).map((c) => `${c.operation} ${c.input.Bucket ?? c.input.Name ?? ''}`)).to.deep.equal([
      `CreateBucket ${BUCKET}`,
      `PutPublicAccessBlock ${BUCKET}`,
      `PutBucketEncryption ${BUCKET}`,
      `PutBucketPolicy ${BUCKET}`,
      'CreateBucket hubfix-access-logs-111122223333-us-east-1',
      'PutPublicAccessBlock hubfix-access-logs-111122223333-us-east-1',
      'PutBucketEncryption hubfix-access-logs-111122223333-us-east-1',
      'PutBucketPolicy hubfix-access-logs-111122223333-us-east-1',
      `PutBucketLogging ${BUCKET}`,
      'CreateTrail hubfix-trail',
      `StartLogging ${NEW_TRAIL}`,
    ]);
    const policy = parsePolicyDocument(callsTo(run, 'PutBucketPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => [s.Sid, s.Condition?.StringEquals?.['aws:SourceArn'] ?? ''])).to.deep.equal([
      ['HubfixCloudTrailAclCheck', NEW_TRAIL],
      ['HubfixCloudTrailWrite', NEW_TRAIL],
      ['HubfixDenyInsecureTransport', ''],
    ]);
    expect(callsTo(run, 'PutPublicAccessBlock')[0].input.PublicAccessBlockConfiguration).to.deep.equal({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(callsTo(run, 'CreateTrail')[0].input).to.deep.equal({
      Name: 'hubfix-trail',
      S3BucketName: BUCKET,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
    });
    expect(callsTo(run, 'PutBucketLogging')[0].input.BucketLoggingStatus).to.deep.equal({
      LoggingEnabled: { TargetBucket: 'hubfix-access-logs-111122223333-us-east-1', TargetPrefix: `${BUCKET}/` },
    });
    expect(output(run, 'EnsureTrail', 'Changed')).to.match(/^created bucket .*; created log bucket .*; created the multi-Region trail/);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no write in a dry run and says what it would create', async () => {
    const run = await runRunbook(cloudTrailMultiRegionRunbook, `${TABLE}/none.yaml`, { DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain(`create the hardened bucket ${BUCKET} with access logging`);
  });

  it('starts a stopped trail in its home Region and does not call it resolved while it stays stopped', async () => {
    const run = await runRunbook(cloudTrailMultiRegionRunbook, `${TABLE}/stopped-elsewhere.yaml`, {});
    const start = callsTo(run, 'StartLogging');
    expect(start.map((c) => c.region)).to.deep.equal(['eu-west-1']);
    expect(
      awsCalls(run)
        .filter((c) => c.service === 'cloudtrail' && c.operation !== 'DescribeTrails')
        .every((c) => c.region === 'eu-west-1'),
    ).to.equal(true);
    expect(output(run, 'Verify', 'Unmet')).to.contain('arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu (not logging)');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
  });
});
