import { expect } from 'chai';
import { accessKeyRotationRunbook, describeRotation, keysToRotate } from '../../runbooks/iam-access-key-rotation';
import { expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const now = new Date('2024-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

describe('IAM access key rotation (pure)', () => {
  const keys = [
    { AccessKeyId: 'AKIAOLDUSED', Status: 'Active', CreateDate: daysAgo(200), LastUsedDate: daysAgo(1) },
    { AccessKeyId: 'AKIAOLDIDLE', Status: 'Active', CreateDate: daysAgo(120) },
    { AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: daysAgo(30), LastUsedDate: daysAgo(1) },
    { AccessKeyId: 'AKIAOLDOFF', Status: 'Inactive', CreateDate: daysAgo(900) },
  ];

  it('picks active keys created more than N days ago, used or not', () => {
    expect(keysToRotate(keys, 90, now).map((k) => k.AccessKeyId)).to.deep.equal(['AKIAOLDUSED', 'AKIAOLDIDLE']);
  });

  it('leaves a key of exactly N days alone', () => {
    expect(keysToRotate([{ AccessKeyId: 'AKIAEDGE', Status: 'Active', CreateDate: daysAgo(90) }], 90, now)).to.deep.equal([]);
  });

  it('warns about old keys still in use, since deactivating them breaks their callers', () => {
    const text = describeRotation('bob', keys, keysToRotate(keys, 90, now), 90, now);
    expect(text).to.contain('AKIAOLDUSED (created 2023-11-14, 200 days old, last used 2024-05-31, 1 days ago)');
    expect(text).to.contain('AKIAOLDIDLE (created 2024-02-02, 120 days old, never used)');
    expect(text).to.match(/WARNING: AKIAOLDUSED used in the last 7 days/);
    expect(text).not.to.match(/WARNING: .*AKIAOLDIDLE/);
  });

  it('says so when no active key is too old', () => {
    expect(describeRotation('bob', keys.slice(2), [], 90, now)).to.equal(
      'user bob: no active access key older than 90 days (1 active key(s)); nothing to change',
    );
  });
});

describe('IAM access key rotation runbook in the local engine', () => {
  it('is notify-only by default: deactivating a key in use breaks its callers', () => {
    expect(accessKeyRotationRunbook.defaultMode).to.equal('notify-only');
  });

  it('deactivates only the active key older than N days, and verifies', async () => {
    const run = await runRunbook(accessKeyRotationRunbook, 'iam-access-key-rotation/old-key.yaml', { UserName: 'carol' });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Deactivate', 'Verify', 'Finalize']);
    expect(mutatingCalls(run).map((c) => [c.operation, c.input])).to.deep.equal([
      ['UpdateAccessKey', { UserName: 'carol', AccessKeyId: 'AKIACAROLOLD', Status: 'Inactive' }],
    ]);
    expect(output(run, 'Plan', 'Summary')).to.match(/WARNING: AKIACAROLOLD used in the last 7 days/);
    expect(JSON.parse(String(mapOutput(run, 'Plan', 'Before').AccessKeys))[0]).to.include({
      AccessKeyId: 'AKIACAROLOLD',
      Status: 'Active',
      LastUsedDate: '2024-05-31T12:00:00.000Z',
    });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('writes nothing when every active key is young enough', async () => {
    const run = await runRunbook(accessKeyRotationRunbook, 'iam-access-key-rotation/compliant.yaml', { UserName: 'erin' });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(accessKeyRotationRunbook, 'iam-access-key-rotation/old-key.yaml', { UserName: 'carol', DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expectPolicyClean(run);
  });

  it('skips a user that no longer exists', async () => {
    const run = await runRunbook(accessKeyRotationRunbook, 'iam-access-key-rotation/not-found.yaml', { UserName: 'carol' });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });

  it('skips with the reason when no user has the unique id the finding names', async () => {
    const run = await runRunbook(accessKeyRotationRunbook, 'iam-unused-credentials/unknown-unique-id.yaml', {
      UserName: 'AIDAZZZZZZZZZZZZZZZZZ',
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('no IAM user has the unique id AIDAZZZZZZZZZZZZZZZZZ');
    expect(mutatingCalls(run)).to.deep.equal([]);
  });
});
