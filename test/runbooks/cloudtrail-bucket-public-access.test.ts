import { expect } from 'chai';
import {
  type Grant,
  cloudTrailBucketPublicAccessRunbook,
  describeGrant,
  PUBLIC_POLICY_PROBLEM,
  exposureProblems,
  isPublicGrant,
  mergePublicAccessBlock,
  splitGrants,
} from '../../runbooks/cloudtrail-bucket-public-access';
import type { OutcomeStatus } from '../../src/finalizer/contract';
import { workflowFor } from '../../src/finalizer/record';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const BUCKET = 'trail-logs-111122223333';
const TABLE = 'cloudtrail-bucket-public-access';
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

const owner: Grant = { Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' };
const allUsers: Grant = { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' };
const authenticated: Grant = {
  Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' },
  Permission: 'WRITE',
};
const logDelivery: Grant = { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' };

describe('CloudTrail bucket public access: merge and grants (pure)', () => {
  it('turns every setting on when the bucket has no public access block', () => {
    expect(mergePublicAccessBlock(null)).to.deep.equal({
      config: ALL_ON,
      turnedOn: ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'],
    });
  });

  it('keeps a setting that is already on even when it is not wanted', () => {
    const { config, turnedOn } = mergePublicAccessBlock(
      { BlockPublicAcls: true, RestrictPublicBuckets: true },
      { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    );
    expect(config).to.deep.equal({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true });
    expect(turnedOn).to.deep.equal(['IgnorePublicAcls']);
  });

  it('changes nothing on a fully blocked bucket', () => {
    expect(mergePublicAccessBlock(ALL_ON).turnedOn).to.deep.equal([]);
  });

  it('counts only AllUsers and AuthenticatedUsers grants as public', () => {
    expect(isPublicGrant(allUsers)).to.equal(true);
    expect(isPublicGrant(authenticated)).to.equal(true);
    expect(
      isPublicGrant({ ...allUsers, Grantee: { Type: 'Group', URI: 'https://acs.amazonaws.com/groups/global/AllUsers' } }),
      'https form',
    ).to.equal(true);
    expect(isPublicGrant(logDelivery)).to.equal(false);
    expect(isPublicGrant(owner)).to.equal(false);
    expect(
      isPublicGrant({ Grantee: { Type: 'CanonicalUser', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' } }),
      'not a group',
    ).to.equal(false);
  });

  it('splits an ACL keeping every other grant in order', () => {
    expect(splitGrants([owner, allUsers, logDelivery, authenticated])).to.deep.equal({
      kept: [owner, logDelivery],
      removed: [allUsers, authenticated],
    });
    expect(describeGrant(allUsers)).to.equal('AllUsers:READ');
  });

  it('ignores ACL grants when ACLs are disabled (BucketOwnerEnforced)', () => {
    expect(exposureProblems({ pab: ALL_ON, ownership: 'BucketOwnerEnforced', grants: [allUsers] })).to.deep.equal([]);
    expect(exposureProblems({ pab: ALL_ON, ownership: 'ObjectWriter', grants: [allUsers] })).to.deep.equal([
      'public ACL grants AllUsers:READ',
    ]);
    expect(exposureProblems({ pab: { ...ALL_ON, BlockPublicPolicy: false }, ownership: 'none', grants: [] })).to.deep.equal([
      'BlockPublicPolicy is off',
    ]);
  });

  it('counts a public bucket policy as still open, even with all four settings on', () => {
    expect(exposureProblems({ pab: ALL_ON, ownership: 'BucketOwnerEnforced', grants: [], policyIsPublic: true })).to.deep.equal([
      PUBLIC_POLICY_PROBLEM,
    ]);
    expect(exposureProblems({ pab: ALL_ON, ownership: 'BucketOwnerEnforced', grants: [], policyIsPublic: false })).to.deep.equal([]);
  });

  it('takes the bucket name from the finding ARN', () => {
    const re = new RegExp(cloudTrailBucketPublicAccessRunbook.extract[0].pattern);
    expect(re.exec(`arn:aws:s3:::${BUCKET}`)?.[1]).to.equal(BUCKET);
    expect(re.test(`arn:aws:s3:::${BUCKET}/key`)).to.equal(false);
  });
});

describe('CloudTrail bucket public access runbook in the local engine', () => {
  it('blocks public access (keeping what was on) and removes only the public grants, then verifies', async () => {
    const run = await runRunbook(cloudTrailBucketPublicAccessRunbook, `${TABLE}/public.yaml`, { BucketName: BUCKET });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Apply', 'Verify', 'Finalize']);
    const before = mapOutput(run, 'Plan', 'Before');
    expect(before).to.include({
      BlockPublicAcls: 'true',
      IgnorePublicAcls: 'false',
      ObjectOwnership: 'ObjectWriter',
      BucketPolicyIsPublic: 'false',
    });
    expect(JSON.parse(String(before.PublicGrants)).map(describeGrant)).to.deep.equal(['AllUsers:READ', 'AuthenticatedUsers:READ_ACP']);
    expect(callsTo(run, 'PutPublicAccessBlock').map((c) => c.input.PublicAccessBlockConfiguration)).to.deep.equal([ALL_ON]);
    const acl = callsTo(run, 'PutBucketAcl').map((c) => c.input.AccessControlPolicy as { Grants: Grant[] });
    expect(acl).to.have.length(1);
    expect(acl[0].Grants.map(describeGrant)).to.deep.equal(['owner-canonical-id:FULL_CONTROL', 'LogDelivery:WRITE']);
    expect(
      awsCalls(run)
        .filter((c) => c.service === 's3' && c.operation !== 'ListBuckets')
        .every((c) => c.input.ExpectedBucketOwner === '111122223333'),
    ).to.equal(true);
    expect(output(run, 'Apply', 'Changed')).to.equal(
      'turned on IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets; removed public ACL grants AllUsers:READ, AuthenticatedUsers:READ_ACP',
    );
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('writes nothing on a bucket that is already private', async () => {
    const run = await runRunbook(cloudTrailBucketPublicAccessRunbook, `${TABLE}/private.yaml`, { BucketName: BUCKET });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(cloudTrailBucketPublicAccessRunbook, `${TABLE}/public.yaml`, { BucketName: BUCKET, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('remove public ACL grants AllUsers:READ, AuthenticatedUsers:READ_ACP');
    expectPolicyClean(run);
  });

  it('a public bucket policy keeps the finding failing: the settings are fixed, but it is NOTIFIED with the guidance, not RESOLVED', async () => {
    const run = await runRunbook(cloudTrailBucketPublicAccessRunbook, `${TABLE}/owner-enforced.yaml`, { BucketName: BUCKET });
    expect(mapOutput(run, 'Plan', 'Before')).to.include({
      PublicAccessBlock: 'none',
      ObjectOwnership: 'BucketOwnerEnforced',
      BucketPolicyIsPublic: 'true',
    });
    expect(output(run, 'Plan', 'Summary')).to.match(/its bucket policy is public and stays so .*NOTIFIED/);
    expect(callsTo(run, 'GetBucketAcl')).to.deep.equal([]);
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutPublicAccessBlock']);
    expect(output(run, 'Apply', 'Changed')).to.contain('ACL left alone: ACLs are disabled (BucketOwnerEnforced)');
    expect(mapOutput(run, 'Verify', 'After')).to.include({ RestrictPublicBuckets: 'true', BucketPolicyIsPublic: 'true' });
    const outcome = finalStatus(run);
    expect(outcome).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(outcome.summary).to.contain(PUBLIC_POLICY_PROBLEM.slice(0, 60));
    expect(workflowFor(outcome.status as OutcomeStatus, outcome.verified === true), 'what the finding gets').to.equal('NOTIFIED');
    expectPolicyClean(run);
  });

  const skips: Array<[string, string, RegExp]> = [
    [
      'a bucket of another account',
      'org-trail-logs-999988887777',
      /bucket org-trail-logs-999988887777 belongs to another account, not 111122223333/,
    ],
    [
      'a bucket S3 will not show this account',
      'locked-trail-logs',
      /is not owned by account 111122223333 \(S3 answered Forbidden for it\)/,
    ],
    ['a bucket that does not exist', 'no-such-trail-logs', /bucket no-such-trail-logs does not exist/],
    ['a bucket of this account in another Region', 'eu-trail-logs-111122223333', /is in Region eu-west-1; run this runbook in eu-west-1/],
  ];
  for (const [what, bucket, reason] of skips) {
    it(`skips ${what} with the reason, touching nothing`, async () => {
      const run = await runRunbook(cloudTrailBucketPublicAccessRunbook, `${TABLE}/elsewhere.yaml`, { BucketName: bucket });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(output(run, 'Plan', 'Summary')).to.match(reason);
      expect(mutatingCalls(run)).to.deep.equal([]);
      expect(callsTo(run, 'GetPublicAccessBlock')).to.deep.equal([]);
      expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
      expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
      expectPolicyClean(run);
    });
  }
});
