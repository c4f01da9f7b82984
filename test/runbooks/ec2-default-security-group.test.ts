import { expect } from 'chai';
import type { GroupInfo, SecurityGroupRule } from '../../runbooks/support/security-group';
import { decideDefaultGroup, defaultSecurityGroupRunbook, listSome } from '../../runbooks/ec2-default-security-group';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const id = 'sg-0123456789abcdef0';
const group: GroupInfo = { GroupId: id, GroupName: 'default', VpcId: 'vpc-0123456789abcdef0' };
const selfIngress: SecurityGroupRule = {
  SecurityGroupRuleId: 'sgr-00000000000000001',
  IsEgress: false,
  IpProtocol: '-1',
  ReferencedGroupInfo: { GroupId: id },
};
const allEgress: SecurityGroupRule = {
  SecurityGroupRuleId: 'sgr-00000000000000002',
  IsEgress: true,
  IpProtocol: '-1',
  CidrIpv4: '0.0.0.0/0',
};

describe('EC2 default security group (pure)', () => {
  it('revokes when the default group has rules and no interface uses it', () => {
    const d = decideDefaultGroup(group, [selfIngress, allEgress], [], id);
    expect(d.decision).to.equal('remediate');
    expect(d.reason).to.contain('revoke 1 ingress and 1 egress rule(s)');
  });

  it('skips a group in use, naming the interfaces', () => {
    const d = decideDefaultGroup(
      group,
      [selfIngress],
      [
        { NetworkInterfaceId: 'eni-0aaa', InstanceId: 'i-0bbb' },
        { NetworkInterfaceId: 'eni-0ccc', InterfaceType: 'lambda', Description: 'AWS Lambda VPC ENI' },
      ],
      id,
    );
    expect(d.decision).to.equal('skip');
    expect(d.reason).to.contain('in use by 2 network interface(s): eni-0aaa (instance i-0bbb), eni-0ccc (lambda, AWS Lambda VPC ENI)');
  });

  it('is compliant when the group has no rules, in use or not', () => {
    expect(decideDefaultGroup(group, [], [{ NetworkInterfaceId: 'eni-0aaa' }], id).decision).to.equal('compliant');
  });

  it('skips a group that is not a default group, or that no longer exists', () => {
    const d = decideDefaultGroup({ ...group, GroupName: 'web' }, [allEgress], [], id);
    expect(d.decision).to.equal('skip');
    expect(d.reason).to.contain('is not a default security group (its name is "web")');
    expect(decideDefaultGroup(null, [], [], id).reason).to.contain('does not exist');
  });

  it('names at most twenty items, then how many more', () => {
    const items = Array.from({ length: 23 }, (_, i) => `eni-${i}`);
    expect(listSome(items)).to.match(/eni-19 and 3 more$/);
    expect(listSome(items.slice(0, 2))).to.equal('eni-0, eni-1');
  });
});

describe('EC2 default security group runbook in the local engine', () => {
  const GROUP = 'sg-0ddddddddddddddd1';

  it('revokes every ingress and egress rule of an unused default group by id, and verifies', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/unused.yaml', { GroupId: GROUP });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'RevokeAll', 'Verify', 'Finalize']);
    expect(mutatingCalls(run).map((c) => [c.operation, c.input])).to.deep.equal([
      ['RevokeSecurityGroupIngress', { GroupId: GROUP, SecurityGroupRuleIds: ['sgr-0000000000000000a', 'sgr-0000000000000000b'] }],
      ['RevokeSecurityGroupEgress', { GroupId: GROUP, SecurityGroupRuleIds: ['sgr-0000000000000000c', 'sgr-0000000000000000d'] }],
    ]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expect(mapOutput(run, 'Verify', 'After')).to.include({ RuleCount: 0 });
    expectPolicyClean(run);
  });

  it('another run changing the group meanwhile: a rule gone before its revoke is read again, and every rule there then is revoked', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/race.yaml', { GroupId: GROUP });
    expect(run.result.status).to.equal('Success');
    expect(mutatingCalls(run).map((c) => c.input.SecurityGroupRuleIds)).to.deep.equal([
      ['sgr-0000000000000000a', 'sgr-0000000000000000b'],
      ['sgr-0000000000000000b', 'sgr-0000000000000000e'],
      ['sgr-0000000000000000f'],
    ]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('captures every rule, ready to authorize again', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/unused.yaml', { GroupId: GROUP });
    const before = mapOutput(run, 'Plan', 'Before');
    expect(JSON.parse(String(before.ReauthorizeIngressIpPermissions))).to.deep.equal([
      { IpProtocol: '-1', FromPort: -1, ToPort: -1, UserIdGroupPairs: [{ GroupId: GROUP, UserId: '111122223333' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.7/32', Description: 'admin' }] },
    ]);
    expect(JSON.parse(String(before.ReauthorizeEgressIpPermissions))).to.deep.equal([
      { IpProtocol: '-1', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: '-1', FromPort: -1, ToPort: -1, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ]);
    expect(JSON.parse(String(before.IngressRules))).to.have.length(2);
  });

  it('skips a default group in use and names its network interfaces for the notification', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/in-use.yaml', { GroupId: GROUP });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    const summary = String(output(run, 'Plan', 'Summary'));
    expect(summary).to.contain(
      'in use by 2 network interface(s): eni-0aaaaaaaaaaaaaaa1 (instance i-0bbbbbbbbbbbbbbb1), eni-0aaaaaaaaaaaaaaa2 (lambda, AWS Lambda VPC ENI-orders)',
    );
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('NOT_VERIFIED');
    expect(finalStatus(run).summary).to.contain('eni-0aaaaaaaaaaaaaaa1');
    expect(JSON.parse(String(mapOutput(run, 'Plan', 'Before').NetworkInterfaces))).to.deep.equal([
      'eni-0aaaaaaaaaaaaaaa1',
      'eni-0aaaaaaaaaaaaaaa2',
    ]);
    expectPolicyClean(run);
  });

  it('writes nothing to a default group that has no rules', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/no-rules.yaml', { GroupId: GROUP });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(callsTo(run, 'DescribeNetworkInterfaces')).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/unused.yaml', { GroupId: GROUP, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('revoke 2 ingress and 2 egress rule(s)');
    expectPolicyClean(run);
  });

  it('skips a group that is not a default group', async () => {
    const run = await runRunbook(defaultSecurityGroupRunbook, 'ec2-default-security-group/not-default.yaml', {
      GroupId: 'sg-0123456789abcdef0',
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('is not a default security group (its name is "web")');
    expect(callsTo(run, 'DescribeSecurityGroupRules')).to.deep.equal([]);
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });
});
