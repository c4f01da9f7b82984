import { expect } from 'chai';
import { type KeyMetadata, kmsKeyRotationRunbook, rotationEligibility } from '../../runbooks/kms-key-rotation';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const symmetric: KeyMetadata = {
  KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  KeyManager: 'CUSTOMER',
  KeySpec: 'SYMMETRIC_DEFAULT',
  KeyState: 'Enabled',
  Origin: 'AWS_KMS',
};

function reason(k: KeyMetadata): string {
  const e = rotationEligibility(k);
  return e.eligible ? 'eligible' : e.reason;
}

describe('KMS key rotation eligibility (pure)', () => {
  it('allows an enabled symmetric customer managed key with KMS key material', () => {
    expect(rotationEligibility(symmetric)).to.deep.equal({ eligible: true });
    expect(
      rotationEligibility({ ...symmetric, MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } }),
    ).to.deep.equal({ eligible: true });
  });

  it('skips AWS managed keys', () => {
    expect(reason({ ...symmetric, KeyManager: 'AWS' })).to.match(/AWS managed key: AWS rotates it every year/);
  });

  it('skips asymmetric and HMAC keys, naming the kind', () => {
    expect(reason({ ...symmetric, KeySpec: 'RSA_2048' })).to.match(/is an asymmetric key \(RSA_2048\)/);
    expect(reason({ ...symmetric, KeySpec: 'ECC_NIST_P256' })).to.match(/asymmetric/);
    expect(reason({ ...symmetric, KeySpec: 'HMAC_256' })).to.match(/is an HMAC key \(HMAC_256\)/);
  });

  it('skips imported key material and custom key stores', () => {
    expect(reason({ ...symmetric, Origin: 'EXTERNAL' })).to.match(/imported key material/);
    expect(reason({ ...symmetric, Origin: 'AWS_CLOUDHSM' })).to.match(/custom key store \(Origin AWS_CLOUDHSM\)/);
    expect(reason({ ...symmetric, Origin: 'EXTERNAL_KEY_STORE' })).to.match(/custom key store/);
  });

  it('sends a multi-Region replica to its primary', () => {
    const replica = {
      ...symmetric,
      MultiRegionConfiguration: {
        MultiRegionKeyType: 'REPLICA',
        PrimaryKey: { Arn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1', Region: 'us-east-1' },
      },
    };
    expect(reason(replica)).to.equal(
      `${symmetric.KeyId} is a multi-Region replica: rotation is set on its primary key arn:aws:kms:us-east-1:111122223333:key/mrk-1 in us-east-1`,
    );
  });

  it('skips keys pending deletion and disabled keys', () => {
    expect(reason({ ...symmetric, KeyState: 'PendingDeletion' })).to.match(/scheduled for deletion/);
    expect(reason({ ...symmetric, KeyState: 'Disabled' })).to.match(/is Disabled, not Enabled/);
  });
});

describe('KMS key rotation runbook in the local engine', () => {
  const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';

  it('turns rotation on for a symmetric customer managed key and verifies it', async () => {
    const run = await runRunbook(kmsKeyRotationRunbook, 'kms-key-rotation/rotation-off.yaml', { KeyId: KEY });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Enable', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ KeyId: KEY, KeySpec: 'SYMMETRIC_DEFAULT', KeyRotationEnabled: false });
    expect(callsTo(run, 'EnableKeyRotation').map((c) => c.input)).to.deep.equal([{ KeyId: KEY, RotationPeriodInDays: 365 }]);
    expect(mapOutput(run, 'Verify', 'After')).to.include({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('writes nothing when rotation is already on, and keeps its period', async () => {
    const run = await runRunbook(kmsKeyRotationRunbook, 'kms-key-rotation/rotation-on.yaml', { KeyId: KEY });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expect(output(run, 'Plan', 'Summary')).to.contain('every 180 days');
    expectPolicyClean(run);
  });

  it('leaves a rotation turned on meanwhile as it is (its period is not reset)', async () => {
    const run = await runRunbook(kmsKeyRotationRunbook, 'kms-key-rotation/turned-on-meanwhile.yaml', { KeyId: KEY });
    expect(output(run, 'Plan', 'Decision')).to.equal('remediate');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(output(run, 'Enable', 'Changed')).to.equal('nothing: rotation was turned on meanwhile');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(kmsKeyRotationRunbook, 'kms-key-rotation/rotation-off.yaml', { KeyId: KEY, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('turn on automatic rotation every 365 days');
    expectPolicyClean(run);
  });

  const skips: Array<[string, string, string, RegExp]> = [
    ['an asymmetric key', 'kms-key-rotation/asymmetric.yaml', '0f0e0d0c-0b0a-4000-8000-123456789abc', /asymmetric key \(RSA_2048\)/],
    ['an AWS managed key', 'kms-key-rotation/aws-managed.yaml', 'aaaabbbb-cccc-4ddd-8eee-ffff00001111', /AWS managed key/],
    [
      'a multi-Region replica',
      'kms-key-rotation/replica.yaml',
      'mrk-1234abcd12ab34cd56ef1234567890ab',
      /replica: rotation is set on its primary key .* in eu-west-1/,
    ],
    ['a key that does not exist', 'kms-key-rotation/not-found.yaml', KEY, /does not exist/],
  ];
  for (const [what, table, keyId, reason] of skips) {
    it(`skips ${what} with the reason, touching nothing`, async () => {
      const run = await runRunbook(kmsKeyRotationRunbook, table, { KeyId: keyId });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(output(run, 'Plan', 'Summary')).to.match(reason);
      expect(mutatingCalls(run)).to.deep.equal([]);
      expect(callsTo(run, 'GetKeyRotationStatus')).to.deep.equal([]);
      expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
      expect(finalStatus(run).summary).to.match(reason);
      expectPolicyClean(run);
    });
  }
});
