import { expect } from 'chai';
import { FLOW_LOGS_DELIVERY_ROLE, coversRejectedTraffic, describeFlowLog, vpcFlowLogsRunbook } from '../../runbooks/vpc-flow-logs';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { trustPolicyFor } from '../../runbooks/support/log-delivery';
import { compileRunbook } from '../../src/compiler/compile';
import { awsCalls, callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const VPC = 'vpc-0a1b2c3d4e5f67890';
const ROLE = 'arn:aws:iam::111122223333:role/hubfix-vpc-flow-logs-us-east-1';
const TABLE = 'vpc-flow-logs';

describe('VPC flow logs: coverage and role (pure)', () => {
  it('counts ALL and REJECT flow logs as covering rejected traffic, ACCEPT not', () => {
    expect(coversRejectedTraffic({ TrafficType: 'ALL' })).to.equal(true);
    expect(coversRejectedTraffic({ TrafficType: 'REJECT' })).to.equal(true);
    expect(coversRejectedTraffic({ TrafficType: 'ACCEPT' })).to.equal(false);
    expect(describeFlowLog({ FlowLogId: 'fl-1', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::b' })).to.equal(
      'fl-1 (ALL → s3:arn:aws:s3:::b)',
    );
  });

  it('trusts vpc-flow-logs.amazonaws.com only for flow logs of this account and Region', () => {
    const trust = trustPolicyFor(FLOW_LOGS_DELIVERY_ROLE, { partition: 'aws', account: '111122223333', region: 'us-east-1' });
    expect(trust.Statement).to.deep.equal([
      {
        Effect: 'Allow',
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111122223333' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/*' },
        },
      },
    ]);
  });

  it('lets the delivery role write only into its groups', () => {
    const [streams, lookup] = FLOW_LOGS_DELIVERY_ROLE.statements(['arn:aws:logs:us-east-1:111122223333:log-group:g']);
    expect(streams.Resource).to.deep.equal(['arn:aws:logs:us-east-1:111122223333:log-group:g:*']);
    expect(streams.Action).to.deep.equal(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(lookup.Action).to.equal('logs:DescribeLogGroups');
  });

  it('scopes the automation role: IAM writes and PassRole only on hubfix-vpc-flow-logs-* roles', () => {
    const { policy } = compileRunbook(vpcFlowLogsRunbook);
    const iam = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('iam:')));
    for (const s of iam) expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/hubfix-vpc-flow-logs-*']);
    expect(iam.flatMap((s) => s.Action)).to.include.members(['iam:PassRole', 'iam:CreateRole', 'iam:PutRolePolicy']);
  });

  it('takes the VPC id from the finding ARN', () => {
    const re = new RegExp(vpcFlowLogsRunbook.extract[0].pattern);
    expect(re.exec(`arn:aws:ec2:us-east-1:111122223333:vpc/${VPC}`)?.[1]).to.equal(VPC);
    expect(re.test(`arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0a1b2c3d`)).to.equal(false);
  });
});

describe('VPC flow logs runbook in the local engine', () => {
  it('creates the group, the role and a REJECT flow log, and verifies it', async () => {
    const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/no-flow-logs.yaml`, { VpcId: VPC });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureLogGroup', 'EnsureRole', 'CreateFlowLog', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.equal({
      VpcId: VPC,
      FlowLogs: 'none',
      LogGroup: 'hubfix/vpc-flow-logs (missing)',
      DeliveryRole: 'hubfix-vpc-flow-logs-us-east-1 (missing)',
    });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal([
      'CreateLogGroup',
      'PutRetentionPolicy',
      'CreateRole',
      'PutRolePolicy',
      'CreateFlowLogs',
    ]);
    const trust = parsePolicyDocument(callsTo(run, 'CreateRole')[0].input.AssumeRolePolicyDocument);
    expect(trust?.Statement[0].Condition?.StringEquals).to.deep.equal({ 'aws:SourceAccount': '111122223333' });
    // the role carries the member template's boundary and is trusted by the flow-logs service only
    expect(callsTo(run, 'CreateRole')[0].input.PermissionsBoundary).to.equal(
      'arn:aws:iam::111122223333:policy/hubfix-runtime-role-boundary',
    );
    expect(trust?.Statement.map((st) => st.Principal)).to.deep.equal([{ Service: 'vpc-flow-logs.amazonaws.com' }]);
    const policy = parsePolicyDocument(callsTo(run, 'PutRolePolicy')[0].input.PolicyDocument);
    expect(policy?.Statement[0].Resource).to.deep.equal(['arn:aws:logs:us-east-1:111122223333:log-group:hubfix/vpc-flow-logs:*']);
    const create = callsTo(run, 'CreateFlowLogs')[0].input;
    expect(create).to.include({
      ResourceType: 'VPC',
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: 'hubfix/vpc-flow-logs',
      DeliverLogsPermissionArn: ROLE,
    });
    expect(create.ClientToken).to.equal(run.result.executionId);
    expect(output(run, 'CreateFlowLog', 'FlowLogId')).to.equal('fl-0123456789abcdef0');
    expect(mapOutput(run, 'Verify', 'After')).to.deep.equal({
      VpcId: VPC,
      FlowLogs: 'fl-0123456789abcdef0 (REJECT → cloud-watch-logs:hubfix/vpc-flow-logs)',
    });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('writes nothing for a VPC whose flow log captures ALL traffic', async () => {
    const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/all-traffic.yaml`, { VpcId: VPC });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(callsTo(run, 'GetRole'), 'nothing else is looked at').to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/no-flow-logs.yaml`, { VpcId: VPC, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('create a REJECT flow log for the VPC');
    expectPolicyClean(run);
  });

  it('adds a REJECT flow log beside an ACCEPT-only one, reusing the group and role as they are', async () => {
    const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/accept-only.yaml`, { VpcId: VPC });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'EnsureLogGroup', 'EnsureRole', 'CreateFlowLog', 'Verify', 'Finalize']);
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ FlowLogs: 'fl-0aaaaaaaaaaaaaaaa (ACCEPT → s3:arn:aws:s3:::net-logs)' });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['CreateFlowLogs']);
    expect(output(run, 'CreateFlowLog', 'Changed')).to.equal(
      'created flow log fl-0123456789abcdef0 (REJECT) for vpc-0a1b2c3d4e5f67890 to hubfix/vpc-flow-logs',
    );
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('fails with the EC2 reason when CreateFlowLogs refuses the VPC, after its retries', async () => {
    const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/create-fails.yaml`, { VpcId: VPC });
    expect(run.result.status).to.equal('Failed');
    expect(callsTo(run, 'CreateFlowLogs')).to.have.length(3);
    expect(finalStatus(run).status).to.equal('FAILED');
    expect(finalStatus(run).summary).to.contain(
      'CreateFlowLogs did not create a flow log for vpc-0a1b2c3d4e5f67890: 400: LogDestination: hubfix/vpc-flow-logs is undeliverable',
    );
    expectPolicyClean(run);
  });

  const skips: Array<[string, string, RegExp]> = [
    [
      'a VPC shared with this account by another owner',
      'vpc-0f0f0f0f0f0f0f0f0',
      /is shared with this account by its owner 999988887777; flow logs for the VPC are created in account 999988887777/,
    ],
    [
      'a VPC not found in this account and Region',
      'vpc-0123456789abcdef0',
      /VPC vpc-0123456789abcdef0 was not found in account 111122223333, Region us-east-1/,
    ],
  ];
  for (const [what, vpc, reason] of skips) {
    it(`skips ${what} with the reason`, async () => {
      const run = await runRunbook(vpcFlowLogsRunbook, `${TABLE}/elsewhere.yaml`, { VpcId: vpc });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(output(run, 'Plan', 'Summary')).to.match(reason);
      expect(awsCalls(run).map((c) => c.operation)).to.deep.equal(['DescribeVpcs']);
      expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
      expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
      expectPolicyClean(run);
    });
  }
});
