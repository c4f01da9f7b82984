import { expect } from 'chai';
import {
  CLOUDTRAIL_DELIVERY_ROLE,
  cloudTrailCloudWatchLogsRunbook,
  defaultTrailLogGroup,
  explainTrailError,
  sendsToCloudWatchLogs,
  trailLogGroupArn,
  trailStatusProblems,
} from '../../runbooks/cloudtrail-cloudwatch-logs';
import { trustKeysNeverSent, trustPolicyFor } from '../../runbooks/support/log-delivery';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { compileRunbook } from '../../src/compiler/compile';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail';
const ROLE = 'arn:aws:iam::111122223333:role/hubfix-cloudtrail-logs-us-east-1';
const TABLE = 'cloudtrail-cloudwatch-logs';

describe('CloudTrail to CloudWatch Logs: decisions and policies (pure)', () => {
  it('treats a trail with any log group as compliant', () => {
    expect(sendsToCloudWatchLogs({ CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:1:log-group:x:*' })).to.equal(true);
    expect(sendsToCloudWatchLogs({ CloudWatchLogsLogGroupArn: '' })).to.equal(false);
    expect(sendsToCloudWatchLogs({})).to.equal(false);
  });

  it('names the default group after the trail and hands CloudTrail the ARN with :*', () => {
    expect(defaultTrailLogGroup('main-trail')).to.equal('hubfix/cloudtrail/main-trail');
    expect(trailLogGroupArn('arn:aws:logs:us-east-1:111122223333:log-group:g')).to.equal(
      'arn:aws:logs:us-east-1:111122223333:log-group:g:*',
    );
    expect(trailLogGroupArn('arn:aws:logs:us-east-1:111122223333:log-group:g:*')).to.equal(
      'arn:aws:logs:us-east-1:111122223333:log-group:g:*',
    );
  });

  it('lets the delivery role write log streams and events of its groups only', () => {
    const [s] = CLOUDTRAIL_DELIVERY_ROLE.statements([
      'arn:aws:logs:us-east-1:111122223333:log-group:a',
      'arn:aws:logs:us-east-1:111122223333:log-group:b',
    ]);
    expect(s.Action).to.deep.equal(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(s.Resource).to.deep.equal([
      'arn:aws:logs:us-east-1:111122223333:log-group:a:log-stream:*',
      'arn:aws:logs:us-east-1:111122223333:log-group:b:log-stream:*',
    ]);
  });

  it('creates the delivery role trusted by cloudtrail.amazonaws.com without aws:SourceArn/aws:SourceAccount, which CloudTrail does not send for it', () => {
    const trust = trustPolicyFor(CLOUDTRAIL_DELIVERY_ROLE, { partition: 'aws-cn', account: '111122223333', region: 'cn-north-1' });
    expect(trust.Statement).to.deep.equal([
      { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // and hubfix's own trust is one the service can meet
    expect(trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, trust)).to.deep.equal([]);
  });

  it('tells a trust CloudTrail can meet from one it cannot: IfExists, Null and a second unconditioned statement can be met', () => {
    const stmt = (Condition?: Record<string, Record<string, string>>) => ({
      Effect: 'Allow' as const,
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'sts:AssumeRole',
      ...(Condition ? { Condition } : {}),
    });
    const doc = (...Statement: ReturnType<typeof stmt>[]) => ({ Version: '2012-10-17' as const, Statement });
    const account = { StringEquals: { 'aws:SourceAccount': '111122223333' } };
    expect(trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, doc(stmt(account)))).to.deep.equal(['aws:SourceAccount']);
    expect(
      trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, doc(stmt({ ArnLike: { 'AWS:SOURCEARN': 'arn:aws:cloudtrail:*:1:trail/*' } }))),
    ).to.deep.equal(['AWS:SOURCEARN']);
    expect(trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, doc(stmt({ StringEqualsIfExists: { 'aws:SourceAccount': '1' } })))).to.deep.equal(
      [],
    );
    expect(trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, doc(stmt({ Null: { 'aws:SourceArn': 'true' } })))).to.deep.equal([]);
    expect(trustKeysNeverSent(CLOUDTRAIL_DELIVERY_ROLE, doc(stmt(account), stmt()))).to.deep.equal([]);
  });

  it('scopes the automation role: IAM writes and PassRole only on hubfix-cloudtrail-logs-* roles', () => {
    const { policy } = compileRunbook(cloudTrailCloudWatchLogsRunbook);
    const iam = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('iam:')));
    // reads, boundary-conditioned writes and the service-conditioned PassRole: three statements, one resource
    expect(iam.map((s) => s.Action)).to.have.deep.members([
      ['iam:GetRole', 'iam:GetRolePolicy'],
      ['iam:CreateRole', 'iam:PutRolePolicy'],
      ['iam:PassRole'],
    ]);
    for (const s of iam) expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/hubfix-cloudtrail-logs-*']);
    expect(cloudTrailCloudWatchLogsRunbook.defaultMode).to.equal('notify-only');
  });
});

describe('CloudTrail to CloudWatch Logs: the trail status (pure)', () => {
  const now = new Date('2024-06-01T00:00:00Z');

  it('accepts a logging trail with no delivery yet, or a delivery within a day', () => {
    expect(trailStatusProblems({ IsLogging: true }, now)).to.deep.equal([]);
    expect(trailStatusProblems({ IsLogging: true, LatestCloudWatchLogsDeliveryTime: new Date('2024-05-31T01:00:00Z') }, now)).to.deep.equal(
      [],
    );
  });

  it('does not call fixed a trail that is not logging', () => {
    expect(trailStatusProblems({ IsLogging: false }, now)).to.deep.equal([
      'the trail is not logging, so nothing reaches CloudWatch Logs: turn logging on (aws cloudtrail start-logging)',
    ]);
    expect(trailStatusProblems({}, now), 'a status without IsLogging').to.have.length(1);
  });

  it('does not call fixed a trail whose CloudWatch Logs delivery reports an error, or delivered last more than a day ago', () => {
    expect(trailStatusProblems({ IsLogging: true, LatestCloudWatchLogsDeliveryError: 'AccessDenied' }, now)).to.deep.equal([
      'CloudWatch Logs delivery reports an error: AccessDenied',
    ]);
    expect(trailStatusProblems({ IsLogging: true, LatestCloudWatchLogsDeliveryTime: 1717027200 }, now)).to.deep.equal([
      'the newest delivery to CloudWatch Logs was at 2024-05-30T00:00:00.000Z, more than 24 hours ago',
    ]);
  });

  it('explains InsufficientS3BucketPolicyException in words, naming the bucket', () => {
    expect(explainTrailError('InsufficientS3BucketPolicyException', 'trail-logs')).to.match(
      /^InsufficientS3BucketPolicyException: the policy of trail bucket trail-logs does not let cloudtrail\.amazonaws\.com run s3:GetBucketAcl and s3:PutObject/,
    );
    expect(explainTrailError('SomethingElse', 'b')).to.equal('SomethingElse');
  });
});

describe('CloudTrail to CloudWatch Logs runbook in the local engine', () => {
  it('verify reads GetTrailStatus: a trail that is not logging and reports a delivery error is not called fixed', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/not-logging.yaml`, { TrailName: ARN });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(callsTo(run, 'GetTrailStatus').map((c) => c.input)).to.deep.equal([{ Name: ARN }]);
    expect(mapOutput(run, 'Verify', 'After')).to.include({
      IsLogging: 'false',
      LatestCloudWatchLogsDeliveryError: 'Access denied: the role cannot write to the log group',
    });
    const outcome = finalStatus(run);
    expect(outcome).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(outcome.summary).to.contain('the trail is not logging');
    expect(outcome.summary).to.contain('CloudWatch Logs delivery reports an error: Access denied');
    expect(outcome.summary).to.contain('more than 24 hours ago');
    expectPolicyClean(run);
  });

  it('fails with the InsufficientS3BucketPolicyException explained when CloudTrail refuses the update', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/bucket-policy.yaml`, { TrailName: ARN });
    const outcome = finalStatus(run);
    expect(outcome.status, outcome.summary).to.equal('FAILED');
    expect(outcome.summary).to.contain(
      'UpdateTrail refused: InsufficientS3BucketPolicyException: the policy of trail bucket trail-logs-111122223333 does not let cloudtrail.amazonaws.com',
    );
    expect(outcome.summary, 'the whole explanation fits the note').to.contain('fix the bucket policy, then run again');
    expectPolicyClean(run);
  });

  it('creates the group and role, sends the trail to them and verifies', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/not-sending.yaml`, { TrailName: ARN });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureLogGroup', 'EnsureRole', 'Attach', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.include({
      CloudWatchLogsLogGroupArn: 'none',
      LogGroup: 'hubfix/cloudtrail/main-trail (missing)',
      DeliveryRole: 'hubfix-cloudtrail-logs-us-east-1 (missing)',
    });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal([
      'CreateLogGroup',
      'PutRetentionPolicy',
      'CreateRole',
      'PutRolePolicy',
      'UpdateTrail',
    ]);
    const trust = parsePolicyDocument(callsTo(run, 'CreateRole')[0].input.AssumeRolePolicyDocument);
    expect(trust?.Statement).to.deep.equal([
      { Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const policy = parsePolicyDocument(callsTo(run, 'PutRolePolicy')[0].input.PolicyDocument);
    expect(policy?.Statement).to.deep.equal([
      {
        Sid: 'HubfixCloudTrailLogDelivery',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ['arn:aws:logs:us-east-1:111122223333:log-group:hubfix/cloudtrail/main-trail:log-stream:*'],
      },
    ]);
    expect(callsTo(run, 'UpdateTrail').map((c) => c.input)).to.deep.equal([
      {
        Name: ARN,
        CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111122223333:log-group:hubfix/cloudtrail/main-trail:*',
        CloudWatchLogsRoleArn: ROLE,
      },
    ]);
    expect(output(run, 'Attach', 'Changed')).to.match(/^created log group .*; created role .*; trail main-trail now sends to /);
    expect(mapOutput(run, 'Verify', 'After')).to.include({ CloudWatchLogsRoleArn: ROLE });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('leaves a trail that already sends to a group alone', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/sending.yaml`, { TrailName: ARN });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(output(run, 'Plan', 'Summary')).to.contain('already sends to arn:aws:logs:us-east-1:111122223333:log-group:org/audit:*');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/not-sending.yaml`, { TrailName: ARN, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain(
      'create log group hubfix/cloudtrail/main-trail, create delivery role hubfix-cloudtrail-logs-us-east-1',
    );
    expectPolicyClean(run);
  });

  it('reuses an existing group (keeping its retention) and role, adding the group to the role policy without waiting', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/reuse.yaml`, {
      TrailName: ARN,
      LogGroupName: 'audit/cloudtrail',
    });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureLogGroup', 'EnsureRole', 'Attach', 'Verify', 'Finalize']);
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutRolePolicy', 'UpdateTrail']);
    const policy = parsePolicyDocument(callsTo(run, 'PutRolePolicy')[0].input.PolicyDocument);
    expect(policy?.Statement[0].Resource).to.deep.equal([
      'arn:aws:logs:us-east-1:111122223333:log-group:audit/cloudtrail:log-stream:*',
      'arn:aws:logs:us-east-1:111122223333:log-group:hubfix/cloudtrail/other-trail:log-stream:*',
    ]);
    expect(output(run, 'Attach', 'Changed')).to.equal(
      `trail main-trail now sends to arn:aws:logs:us-east-1:111122223333:log-group:audit/cloudtrail as ${ROLE}`,
    );
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it("skips when a role of hubfix's name exists without trusting CloudTrail, creating nothing", async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/untrusted-role.yaml`, { TrailName: ARN });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.match(
      /role hubfix-cloudtrail-logs-us-east-1 exists but does not trust cloudtrail.amazonaws.com; hubfix does not rewrite/,
    );
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expectPolicyClean(run);
  });

  it('skips, naming the keys, when the delivery role trusts CloudTrail only under aws:SourceAccount/aws:SourceArn, which CloudTrail does not send', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/source-conditioned-role.yaml`, { TrailName: ARN });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.match(
      /role hubfix-cloudtrail-logs-us-east-1 trusts cloudtrail.amazonaws.com only under aws:SourceAccount and aws:SourceArn, which cloudtrail.amazonaws.com does not send/,
    );
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expectPolicyClean(run);
  });

  it('skips an organization trail seen from a member account', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/elsewhere.yaml`, { TrailName: 'org-trail' });
    expect(output(run, 'Plan', 'Summary')).to.match(
      /belongs to account 999988887777 \(an organization trail seen from member account 111122223333\)/,
    );
    expect(awsCalls(run).map((c) => c.operation)).to.deep.equal(['GetTrail']);
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expectPolicyClean(run);
  });

  it('skips a trail ARN whose home Region is another, without a call', async () => {
    const run = await runRunbook(cloudTrailCloudWatchLogsRunbook, `${TABLE}/elsewhere.yaml`, {
      TrailName: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu-trail',
    });
    expect(output(run, 'Plan', 'Summary')).to.match(/home Region eu-west-1/);
    expect(awsCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });
});
