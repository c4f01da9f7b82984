import { expect } from 'chai';
import { cloudTrailKmsEncryptionRunbook, encryptionDecision, mergeCloudTrailKeyPolicy } from '../../runbooks/cloudtrail-kms-encryption';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { compileRunbook } from '../../src/compiler/compile';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TABLE = 'cloudtrail-kms-encryption';
const ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main';
const NEW_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const HUBFIX_KEY = 'arn:aws:kms:us-east-1:111122223333:key/2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';
const CONTEXT = { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:111122223333:trail/*' };

describe('CloudTrail.2 KMS encryption: decisions and key policy (pure)', () => {
  it('writes the key policy CloudTrail documents for a new key, partition-aware', () => {
    const { doc } = mergeCloudTrailKeyPolicy(null, {
      partition: 'aws-cn',
      account: '111122223333',
      trailArn: 'arn:aws-cn:cloudtrail:cn-north-1:111122223333:trail/t',
    });
    expect(doc.Statement.map((s) => s.Sid)).to.deep.equal([
      'HubfixKeyAdministration',
      'HubfixCloudTrailEncrypt',
      'HubfixCloudTrailDescribeKey',
      'HubfixCloudTrailDecrypt',
    ]);
    expect(doc.Statement[0].Principal).to.deep.equal({ AWS: 'arn:aws-cn:iam::111122223333:root' });
    expect(doc.Statement[1]).to.deep.include({
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Condition: {
        StringEquals: { 'aws:SourceArn': 'arn:aws-cn:cloudtrail:cn-north-1:111122223333:trail/t' },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws-cn:cloudtrail:*:111122223333:trail/*' },
      },
    });
    expect(doc.Statement[3]).to.deep.include({
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Condition: {
        StringEquals: { 'kms:CallerAccount': '111122223333' },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws-cn:cloudtrail:*:111122223333:trail/*' },
      },
    });
  });

  it('on an existing key adds the trail to its statements, keeps the others and adds no administrator', () => {
    const existing = parsePolicyDocument(
      '{"Statement":[{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/KeyAdmins"},"Action":"kms:*","Resource":"*"}]}',
    );
    const c = { partition: 'aws', account: '111122223333', trailArn: ARN };
    const once = mergeCloudTrailKeyPolicy(existing, c);
    expect(once.changed).to.equal(true);
    expect(once.doc.Statement.map((s) => s.Sid)).to.deep.equal([
      'Admins',
      'HubfixCloudTrailEncrypt',
      'HubfixCloudTrailDescribeKey',
      'HubfixCloudTrailDecrypt',
    ]);
    expect(mergeCloudTrailKeyPolicy(once.doc, c).changed, 'idempotent').to.equal(false);
    const two = mergeCloudTrailKeyPolicy(once.doc, { ...c, trailArn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/b' });
    expect(two.doc.Statement[1].Condition?.StringEquals?.['aws:SourceArn']).to.deep.equal([
      'arn:aws:cloudtrail:us-east-1:111122223333:trail/b',
      ARN,
    ]);
  });

  it('decides compliant on a trail with a key, remediate otherwise', () => {
    expect(encryptionDecision({ Name: 'm', TrailARN: ARN, HomeRegion: 'us-east-1', KmsKeyId: 'k' }, null).decision).to.equal('compliant');
    expect(encryptionDecision({ Name: 'm', TrailARN: ARN, HomeRegion: 'us-east-1' }, { arn: HUBFIX_KEY }).summary).to.contain(
      `hubfix key ${HUBFIX_KEY}`,
    );
  });

  it('is class B, previewed by default, with no wildcard action in its own policy', () => {
    const { policy } = compileRunbook(cloudTrailKmsEncryptionRunbook);
    for (const s of policy.Statement) for (const a of s.Action) expect(a).to.match(/^[a-z0-9]+:[A-Za-z0-9]+$/);
    expect(policy.Statement.find((s) => s.Action.includes('kms:PutKeyPolicy'))?.Resource).to.deep.equal([
      'arn:${AWS::Partition}:kms:*:*:key/*',
    ]);
    expect(cloudTrailKmsEncryptionRunbook.class).to.equal('B');
    expect(cloudTrailKmsEncryptionRunbook.defaultMode).to.equal('dry-run');
  });
});

describe('CloudTrail.2 KMS encryption runbook in the local engine', () => {
  it('makes no change when the trail already has a key', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/encrypted.yaml`, { TrailName: ARN });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('creates a tagged key with the CloudTrail policy and rotation on, then encrypts the trail', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/create.yaml`, { TrailName: ARN });
    expect(run.result.status).to.equal('Success');
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ KmsKeyId: 'none' });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['CreateKey', 'EnableKeyRotation', 'UpdateTrail']);
    const create = callsTo(run, 'CreateKey')[0].input;
    expect(create.Tags).to.deep.equal([{ TagKey: 'hubfix:purpose', TagValue: 'cloudtrail' }]);
    const policy = parsePolicyDocument(create.Policy);
    expect(policy?.Statement.find((s) => s.Sid === 'HubfixCloudTrailEncrypt')?.Condition).to.deep.equal({
      StringEquals: { 'aws:SourceArn': ARN },
      StringLike: CONTEXT,
    });
    expect(callsTo(run, 'UpdateTrail')[0].input).to.deep.equal({ Name: ARN, KmsKeyId: NEW_KEY });
    expect(output(run, 'Encrypt', 'Changed')).to.match(
      /^created key .*; turned on its automatic rotation; trail main now encrypts its log files with /,
    );
    expect(mapOutput(run, 'Verify', 'After')).to.include({ KmsKeyId: NEW_KEY, KeyState: 'Enabled' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('reuses the hubfix-tagged key: its policy gains the trail, other statements kept, no new key', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/reuse.yaml`, { TrailName: ARN });
    expect(run.result.status).to.equal('Success');
    expect(output(run, 'Plan', 'Summary')).to.contain(`let CloudTrail use the hubfix key ${HUBFIX_KEY}`);
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutKeyPolicy', 'UpdateTrail']);
    const policy = parsePolicyDocument(callsTo(run, 'PutKeyPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => s.Sid)).to.deep.equal([
      'Admins',
      'HubfixCloudTrailEncrypt',
      'HubfixCloudTrailDescribeKey',
      'HubfixCloudTrailDecrypt',
    ]);
    expect(policy?.Statement[1].Condition?.StringEquals?.['aws:SourceArn']).to.deep.equal([
      'arn:aws:cloudtrail:us-east-1:111122223333:trail/audit',
      ARN,
    ]);
    expect(callsTo(run, 'UpdateTrail')[0].input.KmsKeyId).to.equal(HUBFIX_KEY);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no write in a dry run', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/create.yaml`, { TrailName: ARN, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('create a customer managed key for CloudTrail');
  });

  it('does not call the finding resolved when the trail still names no key', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/not-applied.yaml`, { TrailName: ARN });
    expect(callsTo(run, 'UpdateTrail')).to.have.length(1);
    expect(output(run, 'Verify', 'Unmet')).to.equal('the trail names no KMS key');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
  });

  it('skips a trail whose home Region is another, without a call', async () => {
    const run = await runRunbook(cloudTrailKmsEncryptionRunbook, `${TABLE}/encrypted.yaml`, {
      TrailName: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu-trail',
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(awsCalls(run)).to.deep.equal([]);
  });
});
