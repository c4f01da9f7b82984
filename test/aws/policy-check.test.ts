import { expect } from 'chai';
import type { AwsServiceError } from '../../src/aws/invoker';
import { PolicyCheck } from '../../src/aws/policy-check';

function denial(fn: () => unknown): AwsServiceError {
  try {
    fn();
  } catch (err) {
    return err as AwsServiceError;
  }
  throw new Error('expected AccessDenied');
}

describe('PolicyCheck', () => {
  const check = new PolicyCheck(
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy', 'lambda:InvokeFunction'], Resource: ['*'] }],
    },
    'Hubfix-X',
  );

  it('allows the actions of its Allow statements, mapping API names to IAM actions', () => {
    expect(check.check('iam', 'GetAccountPasswordPolicy')).to.equal('iam:GetAccountPasswordPolicy');
    expect(check.check('lambda', 'Invoke')).to.equal('lambda:InvokeFunction');
  });

  it("denies anything else with AccessDenied (local policy check): <action> is not in <Document>'s policy", () => {
    const err = denial(() => check.check('iam', 'UpdateAccountPasswordPolicy'));
    expect(err.code).to.equal('AccessDenied');
    expect(err.message).to.equal("AccessDenied (local policy check): iam:UpdateAccountPasswordPolicy is not in Hubfix-X's policy");
    // the verdict is cached: asking again gives the same answer
    expect(denial(() => check.check('iam', 'UpdateAccountPasswordPolicy')).message).to.equal(err.message);
  });

  it('matches actions case-insensitively and with wildcards, and lets Deny win', () => {
    const p = new PolicyCheck(
      {
        Statement: [
          { Effect: 'Allow', Action: ['IAM:get*', 'ec2:Describe?ecurityGroups'] },
          { Effect: 'Deny', Action: 'iam:GetUser' },
        ],
      },
      'D',
    );
    expect(p.allows('iam:GetAccountPasswordPolicy')).to.equal(true);
    expect(p.allows('ec2:DescribeSecurityGroups')).to.equal(true);
    expect(p.allows('iam:GetUser')).to.equal(false);
    expect(p.allows('iam:ListUsers')).to.equal(false);
  });

  it('a service hubfix does not know is denied with a clear message', () => {
    expect(denial(() => check.check('rds', 'DescribeDBInstances')).message).to.match(
      /AccessDenied \(local policy check\): unknown service "rds"/,
    );
  });

  it('ofActions builds the policy of a document from outside the build', () => {
    const p = PolicyCheck.ofActions(['s3:GetBucketPolicy'], 'Other');
    expect(p.allows('s3:GetBucketPolicy')).to.equal(true);
    expect(p.allows('s3:PutBucketPolicy')).to.equal(false);
  });
});

describe('PolicyCheck: conditions', () => {
  const flowLogs = new PolicyCheck(
    {
      Statement: [
        { Effect: 'Allow', Action: ['ec2:CreateFlowLogs', 'cloudtrail:UpdateTrail'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: 'arn:aws:iam::*:role/hubfix-vpc-flow-logs-*',
          Condition: { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
        },
        {
          Effect: 'Allow',
          Action: ['iam:CreateRole'],
          Resource: '*',
          Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } },
        },
      ],
    },
    'Hubfix-Flow',
  );

  it('lets a call pass its role only to the service iam:PassedToService names', () => {
    expect(flowLogs.check('ec2', 'CreateFlowLogs', { DeliverLogsPermissionArn: 'arn:aws:iam::1:role/hubfix-vpc-flow-logs-x' })).to.equal(
      'ec2:CreateFlowLogs',
    );
    const err = denial(() => flowLogs.check('cloudtrail', 'UpdateTrail', { Name: 't', CloudWatchLogsRoleArn: 'arn:aws:iam::1:role/r' }));
    expect(err.code).to.equal('AccessDenied');
    expect(err.message).to.equal(
      "AccessDenied (local policy check): Hubfix-Flow's policy does not allow iam:PassRole to cloudtrail.amazonaws.com",
    );
    // the same call that passes no role needs no PassRole
    expect(flowLogs.check('cloudtrail', 'UpdateTrail', { Name: 't', EnableLogFileValidation: true })).to.equal('cloudtrail:UpdateTrail');
  });

  it('carries the conditions it cannot evaluate instead of dropping them', () => {
    expect(flowLogs.check('iam', 'CreateRole')).to.equal('iam:CreateRole');
    expect(flowLogs.carriedConditions()).to.deep.equal([
      { actions: ['iam:CreateRole'], condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } } },
    ]);
  });

  it('refuses to pass a role when no statement grants iam:PassRole', () => {
    const bare = new PolicyCheck({ Statement: [{ Effect: 'Allow', Action: ['ec2:CreateFlowLogs'] }] }, 'Hubfix-Bare');
    expect(denial(() => bare.check('ec2', 'CreateFlowLogs', { DeliverLogsPermissionArn: 'arn:aws:iam::1:role/r' })).code).to.equal(
      'AccessDenied',
    );
  });
});
