import { expect } from 'chai';
import {
  LOG_DELIVERY_SID,
  TLS_ONLY_SID,
  cloudTrailBucketAccessLoggingRunbook,
  defaultLogBucketName,
  encryptionProblem,
  logDeliveryStatement,
  mergeLogBucketPolicy,
} from '../../runbooks/cloudtrail-bucket-access-logging';
import { type PolicyDocument, canonicalJson, parsePolicyDocument } from '../../runbooks/support/policy-document';
import { patterns } from '../../src/model/parameters';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const BUCKET = 'trail-logs-111122223333';
const LOG_BUCKET = 'hubfix-access-logs-111122223333-us-east-1';
const TABLE = 'cloudtrail-bucket-access-logging';
const C = { partition: 'aws', account: '111122223333', logBucket: 'logs-b' };

describe('CloudTrail bucket access logging: log bucket policy (pure)', () => {
  it('names a default log bucket that is a valid bucket name in every Region', () => {
    for (const region of ['us-east-1', 'ap-southeast-2', 'us-gov-west-1', 'ap-northeast-3']) {
      const name = defaultLogBucketName('111122223333', region);
      expect(new RegExp(patterns.bucketName).test(name), name).to.equal(true);
      expect(name.length).to.be.at.most(63);
    }
  });

  it("writes a new bucket policy with delivery for this account's buckets, and TLS only", () => {
    const { doc, changed } = mergeLogBucketPolicy(null, { ...C, requireTls: true });
    expect(changed).to.equal(true);
    expect(doc.Statement).to.deep.equal([
      {
        Sid: LOG_DELIVERY_SID,
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::logs-b/*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } },
      },
      {
        Sid: TLS_ONLY_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::logs-b', 'arn:aws:s3:::logs-b/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it("puts the account's delivery statement into an existing policy, replacing an older per-bucket one, keeping other statements, adding no TLS rule unasked", () => {
    const theirs = {
      Sid: 'Readers',
      Effect: 'Allow' as const,
      Principal: { AWS: 'arn:aws:iam::111122223333:role/R' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::logs-b/*',
    };
    const older = {
      ...logDeliveryStatement(C),
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': ['arn:aws:s3:::src-b'] } },
    };
    const { doc, changed } = mergeLogBucketPolicy({ Version: '2012-10-17', Statement: [theirs, older] }, { ...C, requireTls: false });
    expect(changed).to.equal(true);
    expect(doc.Statement).to.deep.equal([theirs, logDeliveryStatement(C)]);
  });

  it('is idempotent and the same for every run: two runs for different buckets write the same policy', () => {
    const once = mergeLogBucketPolicy(null, { ...C, requireTls: true }).doc;
    const again = mergeLogBucketPolicy(JSON.parse(JSON.stringify(once)) as PolicyDocument, { ...C, requireTls: true });
    expect(again.changed).to.equal(false);
    expect(canonicalJson(again.doc)).to.equal(canonicalJson(once));
  });

  it('refuses a log bucket whose default encryption is not SSE-S3', () => {
    expect(encryptionProblem('b', 'AES256')).to.equal(undefined);
    expect(encryptionProblem('b', undefined)).to.equal(undefined);
    expect(encryptionProblem('b', 'aws:kms')).to.match(/only to buckets encrypted with SSE-S3/);
    expect(encryptionProblem('b', 'aws:kms:dsse')).to.match(/aws:kms:dsse/);
  });
});

describe('CloudTrail bucket access logging runbook in the local engine', () => {
  it('creates a hardened log bucket, turns logging on into it and verifies', async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/no-logging.yaml`, { BucketName: BUCKET });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureLogBucket', 'EnableLogging', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.equal({
      Bucket: BUCKET,
      Logging: 'disabled',
      LogBucket: LOG_BUCKET,
      LogBucketAction: 'create',
    });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal([
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketEncryption',
      'PutBucketPolicy',
      'PutBucketLogging',
    ]);
    expect(callsTo(run, 'CreateBucket')[0].input, 'us-east-1 takes no LocationConstraint').to.deep.equal({
      Bucket: LOG_BUCKET,
      ObjectOwnership: 'BucketOwnerEnforced',
    });
    const policy = parsePolicyDocument(callsTo(run, 'PutBucketPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => s.Sid)).to.deep.equal([LOG_DELIVERY_SID, TLS_ONLY_SID]);
    expect(policy?.Statement[0].Condition).to.deep.equal({
      StringEquals: { 'aws:SourceAccount': '111122223333' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' },
    });
    expect(mapOutput(run, 'Verify', 'After')).to.deep.equal({
      Bucket: BUCKET,
      Logging: 'enabled',
      TargetBucket: LOG_BUCKET,
      TargetPrefix: `${BUCKET}/`,
    });
    expect(output(run, 'EnableLogging', 'Changed')).to.match(/^created log bucket .*; trail-logs-111122223333 now logs to /);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('leaves an existing logging configuration as it is', async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/logging-on.yaml`, { BucketName: BUCKET });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Verify', 'After')).to.include({ TargetBucket: 'central-s3-logs' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/no-logging.yaml`, { BucketName: BUCKET, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain(`create the hardened log bucket ${LOG_BUCKET}`);
    expectPolicyClean(run);
  });

  it("reuses an existing log bucket: only hubfix's delivery statement changes, nothing else of it", async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/reuse.yaml`, {
      BucketName: BUCKET,
      LogBucketName: 'central-access-logs-111122223333',
    });
    expect(run.result.status).to.equal('Success');
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutBucketPolicy', 'PutBucketLogging']);
    const policy = parsePolicyDocument(callsTo(run, 'PutBucketPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => s.Sid)).to.deep.equal(['ReadersRole', LOG_DELIVERY_SID]);
    expect(policy?.Statement[1].Condition?.ArnLike?.['aws:SourceArn']).to.equal('arn:aws:s3:::*');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('hardens a log bucket that a run for another bucket created a moment ago, keeps its policy, and turns logging on', async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/created-meanwhile.yaml`, { BucketName: BUCKET });
    expect(run.result.status).to.equal('Success');
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal([
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketEncryption',
      'PutBucketPolicy',
      'PutBucketLogging',
    ]);
    const policy = parsePolicyDocument(callsTo(run, 'PutBucketPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => s.Sid)).to.deep.equal([LOG_DELIVERY_SID, TLS_ONLY_SID]);
    expect(output(run, 'EnsureLogBucket', 'Changed')).to.match(/^hardened \(just created by another hubfix run\) log bucket /);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  const unusable: Array<[string, string, RegExp]> = [
    [
      'encrypted with SSE-KMS',
      'kms-access-logs-111122223333',
      /uses default encryption aws:kms; S3 delivers server access logs only to buckets encrypted with SSE-S3/,
    ],
    ['in another Region', 'eu-access-logs-111122223333', /is in Region eu-west-1; S3 delivers access logs only within a Region/],
    ['named like a bucket of another account', 'access-logs', /log bucket name access-logs is taken by another account/],
    ['that is the trail bucket itself', BUCKET, /the log bucket cannot be the bucket it logs/],
  ];
  for (const [what, logBucket, reason] of unusable) {
    it(`skips with the reason when the log bucket is ${what}`, async () => {
      const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/unusable-log-bucket.yaml`, {
        BucketName: BUCKET,
        LogBucketName: logBucket,
      });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(output(run, 'Plan', 'Summary')).to.match(reason);
      expect(mutatingCalls(run)).to.deep.equal([]);
      expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
      expectPolicyClean(run);
    });
  }

  it('skips a trail bucket of another account, reading nothing of it', async () => {
    const run = await runRunbook(cloudTrailBucketAccessLoggingRunbook, `${TABLE}/other-account.yaml`, {
      BucketName: 'org-trail-logs-999988887777',
    });
    expect(output(run, 'Plan', 'Summary')).to.match(
      /bucket org-trail-logs-999988887777 is not owned by account 111122223333 \(S3 answered Forbidden for it\)/,
    );
    expect(awsCalls(run).map((c) => c.operation)).to.deep.equal(['ListBuckets', 'HeadBucket']);
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expectPolicyClean(run);
  });
});
