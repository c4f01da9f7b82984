import { expect } from 'chai';
import {
  NOT_CARRIED_BY_ALL_TRAFFIC,
  adminPortsRunbook,
  classifyIngress,
  closedPorts,
  describeAdminPorts,
  describePermissions,
  isPermissionPresent,
  parsePorts,
  planRule,
  ruleCoversPort,
  subtractPorts,
  worldOpenFamily,
} from '../../runbooks/ec2-admin-ports';
import { type SecurityGroupRule, toIpPermission } from '../../runbooks/support/security-group';
import { patterns } from '../../src/model/parameters';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

let n = 0;
function rule(over: Partial<SecurityGroupRule>): SecurityGroupRule {
  n += 1;
  return {
    SecurityGroupRuleId: `sgr-${String(n).padStart(17, '0')}`,
    GroupId: 'sg-0123456789abcdef0',
    IsEgress: false,
    IpProtocol: 'tcp',
    ...over,
  };
}

const ssh = { ports: [22], protocols: 'tcp' as const, sources: 'ipv4-and-ipv6' as const };

describe('EC2 admin ports (pure)', () => {
  describe('which rules cover a port', () => {
    it('a TCP rule covers the ports of its range, ends included', () => {
      expect(ruleCoversPort({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }, 22, 'tcp')).to.equal(true);
      expect(ruleCoversPort({ IpProtocol: 'tcp', FromPort: 0, ToPort: 1024 }, 22, 'tcp')).to.equal(true);
      expect(ruleCoversPort({ IpProtocol: 'tcp', FromPort: 3000, ToPort: 3389 }, 3389, 'tcp')).to.equal(true);
      expect(ruleCoversPort({ IpProtocol: 'tcp', FromPort: 23, ToPort: 3388 }, 22, 'tcp')).to.equal(false);
      expect(ruleCoversPort({ IpProtocol: 'tcp', FromPort: 23, ToPort: 3388 }, 3389, 'tcp')).to.equal(false);
    });

    it('protocol -1 (all traffic) covers every port', () => {
      expect(ruleCoversPort({ IpProtocol: '-1', FromPort: -1, ToPort: -1 }, 22, 'tcp')).to.equal(true);
      expect(ruleCoversPort({ IpProtocol: '-1' }, 3389, 'tcp')).to.equal(true);
    });

    it('protocol number 6 is TCP', () => {
      expect(ruleCoversPort({ IpProtocol: '6', FromPort: 20, ToPort: 30 }, 22, 'tcp')).to.equal(true);
    });

    it('UDP counts only when the control asks for it (CIS 3.0.0)', () => {
      const udp = { IpProtocol: 'udp', FromPort: 3389, ToPort: 3389 };
      expect(ruleCoversPort(udp, 3389, 'tcp')).to.equal(false);
      expect(ruleCoversPort(udp, 3389, 'tcp-and-udp')).to.equal(true);
      expect(ruleCoversPort({ IpProtocol: '17', FromPort: 1, ToPort: 65535 }, 22, 'tcp-and-udp')).to.equal(true);
    });

    it('ICMP and other protocols carry no TCP port', () => {
      expect(ruleCoversPort({ IpProtocol: 'icmp', FromPort: -1, ToPort: -1 }, 22, 'tcp-and-udp')).to.equal(false);
      expect(ruleCoversPort({ IpProtocol: '47' }, 22, 'tcp-and-udp')).to.equal(false);
    });
  });

  it('only a /0 CIDR is open to the world, for either family', () => {
    expect(worldOpenFamily({ CidrIpv4: '0.0.0.0/0' })).to.equal('ipv4');
    expect(worldOpenFamily({ CidrIpv6: '::/0' })).to.equal('ipv6');
    expect(worldOpenFamily({ CidrIpv4: '10.0.0.0/8' })).to.equal(null);
    expect(worldOpenFamily({ CidrIpv4: '0.0.0.0/1' })).to.equal(null);
    expect(worldOpenFamily({ CidrIpv6: '2001:db8::/32' })).to.equal(null);
  });

  describe('classifying the ingress rules of a group', () => {
    const open22 = rule({ FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' });
    const open22v6 = rule({ FromPort: 22, ToPort: 22, CidrIpv6: '::/0' });
    const allTraffic = rule({ IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' });
    const range = rule({ FromPort: 0, ToPort: 1024, CidrIpv6: '::/0' });
    const office = rule({ FromPort: 22, ToPort: 22, CidrIpv4: '203.0.113.0/24' });
    const prefixList = rule({ FromPort: 22, ToPort: 22, PrefixListId: 'pl-0123456789abcdef0' });
    const fromGroup = rule({ FromPort: 22, ToPort: 22, ReferencedGroupInfo: { GroupId: 'sg-0fedcba9876543210', UserId: '111122223333' } });
    const web = rule({ FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' });
    const egress = rule({ IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' });
    const rules = [open22, open22v6, allTraffic, range, office, prefixList, fromGroup, web, egress];

    it('revokes world-open rules covering the port: exact, ::/0, protocol -1 and ranges', () => {
      const c = classifyIngress(rules, ssh);
      expect(c.offending).to.deep.equal([open22, open22v6, allTraffic, range]);
    });

    it('leaves prefix-list, security-group and narrower-CIDR rules alone, with the reason', () => {
      const c = classifyIngress(rules, ssh);
      const reasons = Object.fromEntries(c.leftAlone.map((l) => [l.rule.SecurityGroupRuleId, l.reason]));
      expect(reasons[prefixList.SecurityGroupRuleId]).to.match(/prefix list pl-0123456789abcdef0/);
      expect(reasons[fromGroup.SecurityGroupRuleId]).to.match(/security group sg-0fedcba9876543210/);
      expect(reasons[office.SecurityGroupRuleId]).to.match(/203\.0\.113\.0\/24 is not the whole Internet/);
      expect(Object.keys(reasons)).to.have.length(3);
    });

    it('ignores rules on other ports and egress rules', () => {
      const c = classifyIngress(rules, ssh);
      const seen = [...c.offending, ...c.leftAlone.map((l) => l.rule)];
      expect(seen).not.to.include(web);
      expect(seen).not.to.include(egress);
    });

    it('takes only 0.0.0.0/0 for EC2.53 and only ::/0 for EC2.54', () => {
      const v4 = classifyIngress(rules, { ports: [22, 3389], protocols: 'tcp-and-udp', sources: 'ipv4' });
      expect(v4.offending).to.deep.equal([open22, allTraffic]);
      expect(v4.leftAlone.map((l) => l.rule)).to.include.members([open22v6, range]);
      const v6 = classifyIngress(rules, { ports: [22, 3389], protocols: 'tcp-and-udp', sources: 'ipv6' });
      expect(v6.offending).to.deep.equal([open22v6, range]);
    });

    it('finds nothing to do on a group without open admin ports', () => {
      const c = classifyIngress([office, web, egress], ssh);
      expect(c.offending).to.deep.equal([]);
      expect(describeAdminPorts('sg-0123456789abcdef0', c, ssh)).to.match(
        /^sg-0123456789abcdef0: no ingress rule opens port 22 \(TCP\) from 0\.0\.0\.0\/0 or ::\/0; nothing to change; left alone: /,
      );
    });
  });

  it('turns each rule into the IpPermission that puts it back', () => {
    expect(toIpPermission(rule({ FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', Description: 'ssh' }))).to.deep.equal({
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }],
    });
    expect(toIpPermission(rule({ IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv6: '::/0' }))).to.deep.equal({
      IpProtocol: '-1',
      FromPort: -1,
      ToPort: -1,
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
    });
    expect(
      toIpPermission(rule({ IpProtocol: '-1', ReferencedGroupInfo: { GroupId: 'sg-0fedcba9876543210', UserId: '111122223333' } }))
        .UserIdGroupPairs,
    ).to.deep.equal([{ GroupId: 'sg-0fedcba9876543210', UserId: '111122223333' }]);
    expect(toIpPermission(rule({ FromPort: 22, ToPort: 22, PrefixListId: 'pl-0123456789abcdef0' })).PrefixListIds).to.deep.equal([
      { PrefixListId: 'pl-0123456789abcdef0' },
    ]);
  });

  describe('keeping the ports that are not admin ports (ranges arithmetic)', () => {
    const both = { ports: [22, 3389], protocols: 'tcp-and-udp' as const, sources: 'ipv4' as const };

    it('subtracts ports from a range, ends and out-of-range ports included', () => {
      expect(subtractPorts([0, 65535], [22])).to.deep.equal([
        [0, 21],
        [23, 65535],
      ]);
      expect(subtractPorts([0, 65535], [3389, 22])).to.deep.equal([
        [0, 21],
        [23, 3388],
        [3390, 65535],
      ]);
      expect(subtractPorts([22, 22], [22])).to.deep.equal([]);
      expect(subtractPorts([22, 80], [22])).to.deep.equal([[23, 80]]);
      expect(subtractPorts([1, 22], [22])).to.deep.equal([[1, 21]]);
      expect(subtractPorts([20, 23], [21, 22])).to.deep.equal([
        [20, 20],
        [23, 23],
      ]);
      expect(subtractPorts([80, 443], [22, 3389])).to.deep.equal([[80, 443]]);
    });

    it('revokes a rule on nothing but admin ports', () => {
      expect(planRule(rule({ FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }), ssh).action).to.equal('revoke');
    });

    it('replaces tcp 0-65535 by the same rule without the admin ports, description and source kept (IPv4)', () => {
      const plan = planRule(rule({ FromPort: 0, ToPort: 65535, CidrIpv4: '0.0.0.0/0', Description: 'public' }), ssh);
      expect(plan).to.deep.include({
        action: 'replace',
        permissions: [
          { IpProtocol: 'tcp', FromPort: 0, ToPort: 21, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'public' }] },
          { IpProtocol: 'tcp', FromPort: 23, ToPort: 3388, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'public' }] },
          { IpProtocol: 'tcp', FromPort: 3390, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'public' }] },
        ],
      });
    });

    it('narrows a shared wide rule the same way whichever control found it, so concurrent fixes agree', () => {
      const all = rule({ IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' });
      const scopes = [ssh, { ...ssh, ports: [3389] }, both];
      const plans = scopes.map((sc) => planRule(all, sc)).map((p) => (p.action === 'replace' ? p.permissions : []));
      expect(plans[1]).to.deep.equal(plans[0]);
      expect(plans[2]).to.deep.equal(plans[0]);
      expect(closedPorts({ ports: [5900] }), 'an operator-given port is closed too').to.deep.equal([22, 3389, 5900]);
    });

    it('replaces a UDP range from ::/0 on the ports that remain (IPv6)', () => {
      const plan = planRule(rule({ IpProtocol: '17', FromPort: 3000, ToPort: 4000, CidrIpv6: '::/0' }), { ...both, sources: 'ipv6' });
      expect(plan).to.deep.include({
        action: 'replace',
        permissions: [
          { IpProtocol: 'udp', FromPort: 3000, ToPort: 3388, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
          { IpProtocol: 'udp', FromPort: 3390, ToPort: 4000, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
      });
    });

    it('treats a TCP rule without a port range as every port', () => {
      const plan = planRule(rule({ FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' }), ssh);
      expect(plan.action === 'replace' && describePermissions(plan.permissions)).to.equal('tcp 0-21, 23-3388, 3390-65535');
    });

    it('replaces all traffic by TCP and UDP without the admin ports and all ICMP, and says other protocols are dropped', () => {
      const plan = planRule(rule({ IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' }), ssh);
      expect(plan.action).to.equal('replace');
      if (plan.action !== 'replace') return;
      expect(describePermissions(plan.permissions)).to.equal('tcp 0-21, 23-3388, 3390-65535; udp 0-21, 23-3388, 3390-65535; icmp all');
      expect(plan.permissions.at(-1)).to.deep.equal({ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
      expect(plan.notCarried).to.equal(NOT_CARRIED_BY_ALL_TRAFFIC);
    });

    it('for EC2.53/54 an all-traffic rule loses the admin ports on UDP too; ::/0 keeps ICMPv6', () => {
      const plan = planRule(rule({ IpProtocol: '-1', CidrIpv6: '::/0', Description: 'd' }), { ...both, sources: 'ipv6' });
      expect(plan.action === 'replace' && describePermissions(plan.permissions)).to.equal(
        'tcp 0-21, 23-3388, 3390-65535; udp 0-21, 23-3388, 3390-65535; icmpv6 all',
      );
      if (plan.action === 'replace')
        expect(plan.permissions.every((p) => p.Ipv6Ranges?.[0]?.CidrIpv6 === '::/0' && p.Ipv6Ranges[0].Description === 'd')).to.equal(true);
    });

    it("keeps 80 and 443 open: no replacement of a web group's all-traffic rule covers 22 or 3389", () => {
      const all = rule({ IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' });
      for (const scope of [ssh, { ...ssh, ports: [3389] }, both]) {
        const plan = planRule(all, scope);
        if (plan.action !== 'replace') throw new Error('expected a replacement');
        const opens = (port: number, proto: string) =>
          plan.permissions.some((p) => p.IpProtocol === proto && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 0));
        expect(opens(80, 'tcp') && opens(443, 'tcp'), 'web ports kept').to.equal(true);
        for (const port of scope.ports) expect(opens(port, 'tcp'), `tcp ${port} closed`).to.equal(false);
      }
    });

    it('knows a replacement that is already there (protocol number or name, same ports and CIDR)', () => {
      const rules = [rule({ IpProtocol: '6', FromPort: 23, ToPort: 65535, CidrIpv4: '0.0.0.0/0' })];
      expect(isPermissionPresent(rules, { IpProtocol: 'tcp', FromPort: 23, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).to.equal(
        true,
      );
      expect(isPermissionPresent(rules, { IpProtocol: 'tcp', FromPort: 23, ToPort: 65535, Ipv6Ranges: [{ CidrIpv6: '::/0' }] })).to.equal(
        false,
      );
      expect(isPermissionPresent(rules, { IpProtocol: 'udp', FromPort: 23, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).to.equal(
        false,
      );
    });
  });

  describe('the Ports parameter', () => {
    const re = new RegExp(patterns.portList);
    it('accepts 1 to 10 ports from 1 to 65535, comma-separated', () => {
      for (const ok of ['22', '3389', '22,3389', '1', '65535', '1,2,3,4,5,6,7,8,9,10']) expect(re.test(ok), ok).to.equal(true);
      expect(parsePorts('3389,22,22')).to.deep.equal([22, 3389]);
    });
    it('refuses 0, 65536, spaces, ranges, leading zeros and more than ten ports', () => {
      for (const bad of ['0', '65536', '70000', '22, 3389', '22-23', '022', '', '22,', '1,2,3,4,5,6,7,8,9,10,11', '-1'])
        expect(re.test(bad), bad).to.equal(false);
      expect(() => parsePorts('22-23')).to.throw(/Ports "22-23" must be 1 to 10 ports/);
    });
  });
});

describe('EC2 admin ports runbook in the local engine', () => {
  const GROUP = 'sg-0123456789abcdef0';
  const implied = (id: string) => adminPortsRunbook.controls.find((c) => c.id === id)?.parameters ?? {};

  it('sets the ports, protocols and sources each control implies', () => {
    expect(implied('EC2.13')).to.deep.equal({ Ports: '22', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' });
    expect(implied('EC2.14')).to.deep.equal({ Ports: '3389', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' });
    expect(implied('EC2.53')).to.deep.equal({ Ports: '22,3389', Protocols: 'tcp-and-udp', Sources: 'ipv4' });
    expect(implied('EC2.54')).to.deep.equal({ Ports: '22,3389', Protocols: 'tcp-and-udp', Sources: 'ipv6' });
  });

  it('EC2.13: revokes the exact rule, replaces a wide range and all traffic on the other ports first, and verifies', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/open-ssh.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Revoke', 'Verify', 'Finalize']);
    const order = mutatingCalls(run).map((c) => c.operation);
    expect(order, 'added before anything is revoked').to.deep.equal([
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
    ]);
    const added = callsTo(run, 'AuthorizeSecurityGroupIngress').map((c) => c.input.IpPermissions);
    expect(added[0]).to.deep.equal([
      { IpProtocol: 'tcp', FromPort: 0, ToPort: 21, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      { IpProtocol: 'tcp', FromPort: 23, ToPort: 1024, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ]);
    expect(added[1], 'all traffic: 443 kept through tcp 23-3388, description kept').to.deep.include({
      IpProtocol: 'tcp',
      FromPort: 23,
      ToPort: 3388,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'web and admin' }],
    });
    expect(callsTo(run, 'RevokeSecurityGroupIngress').map((c) => c.input)).to.deep.equal([
      { GroupId: GROUP, SecurityGroupRuleIds: ['sgr-00000000000000001', 'sgr-00000000000000002', 'sgr-00000000000000003'] },
    ]);
    const changed = String(output(run, 'Revoke', 'Changed'));
    expect(changed).to.contain('revoked sgr-00000000000000001 (tcp 22 from 0.0.0.0/0)');
    expect(changed).to.contain(
      'replaced sgr-00000000000000003 (all traffic from 0.0.0.0/0) by tcp 0-21, 23-3388, 3390-65535; udp 0-21, 23-3388, 3390-65535; icmp all',
    );
    expect(changed).to.contain(NOT_CARRIED_BY_ALL_TRAFFIC);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('leaves a wide rule alone when its replacement cannot be added, and names it: NOT_VERIFIED, never RESOLVED', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/quota.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    expect(callsTo(run, 'RevokeSecurityGroupIngress').map((c) => c.input.SecurityGroupRuleIds)).to.deep.equal([['sgr-00000000000000001']]);
    expect(String(output(run, 'Revoke', 'Changed'))).to.contain(
      'left alone sgr-00000000000000002: the rules on the remaining ports could not be added (RulesPerSecurityGroupLimitExceeded)',
    );
    const outcome = finalStatus(run);
    expect(outcome).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(outcome.summary).to.contain('sgr-00000000000000002 (tcp 0-65535 from 0.0.0.0/0) is still open');
    expectPolicyClean(run);
  });

  it('captures the offending rules in full, ready to authorize again, and the replacements it will add', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/open-ssh.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    const before = mapOutput(run, 'Plan', 'Before');
    expect(before).to.include({ GroupId: GROUP, GroupName: 'web', VpcId: 'vpc-0123456789abcdef0' });
    const offending = JSON.parse(String(before.OffendingRules)) as SecurityGroupRule[];
    expect(offending.map((r) => r.SecurityGroupRuleId)).to.deep.equal([
      'sgr-00000000000000001',
      'sgr-00000000000000002',
      'sgr-00000000000000003',
    ]);
    expect(offending[0]).to.include({ Description: 'ssh from anywhere', CidrIpv4: '0.0.0.0/0', FromPort: 22 });
    expect(JSON.parse(String(before.ReauthorizeIpPermissions))).to.deep.equal([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }] },
      { IpProtocol: 'tcp', FromPort: 0, ToPort: 1024, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      { IpProtocol: '-1', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'web and admin' }] },
    ]);
    expect(JSON.parse(String(before.Replacements))).to.have.length(9);
    expect(String(output(run, 'Plan', 'Summary'))).to.contain(
      'replace sgr-00000000000000002 (tcp 0-1024 from ::/0) by tcp 0-21, 23-1024 from ::/0',
    );
  });

  it('leaves rules from a prefix list, a security group and a narrower CIDR alone, saying why', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/open-ssh.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    const summary = String(output(run, 'Plan', 'Summary'));
    expect(summary).to.contain(
      'sgr-00000000000000004 (tcp 22 from prefix list pl-0123456789abcdef0) — source is prefix list pl-0123456789abcdef0: review its entries by hand',
    );
    expect(summary).to.contain(
      'sgr-00000000000000005 (tcp 22 from security group sg-0fedcba9876543210) — source is security group sg-0fedcba9876543210',
    );
    expect(summary).to.contain('sgr-00000000000000006 (tcp 22 from 203.0.113.0/24) — source 203.0.113.0/24 is not the whole Internet');
    expect(summary, 'UDP does not carry SSH for EC2.13').not.to.contain('sgr-00000000000000007');
  });

  it('writes nothing when no rule opens the port to the world', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/compliant.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/open-ssh.yaml', {
      GroupId: GROUP,
      ...implied('EC2.13'),
      DryRun: true,
    });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('revoke sgr-00000000000000001');
    expectPolicyClean(run);
  });

  it('EC2.53: revokes TCP and UDP admin-port rules from 0.0.0.0/0 only', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/ec2-53.yaml', {
      GroupId: 'sg-0aaaaaaaaaaaaaaa1',
      ...implied('EC2.53'),
    });
    expect(callsTo(run, 'RevokeSecurityGroupIngress').map((c) => c.input.SecurityGroupRuleIds)).to.deep.equal([
      ['sgr-00000000000000011', 'sgr-00000000000000013'],
    ]);
    expect(output(run, 'Plan', 'Summary')).to.contain(
      'sgr-00000000000000012 (tcp 3389 from ::/0) — ipv6 source is outside this control (ipv4 only)',
    );
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('EC2.54: revokes only the ::/0 admin-port rule', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/ec2-54.yaml', {
      GroupId: 'sg-0aaaaaaaaaaaaaaa1',
      ...implied('EC2.54'),
    });
    expect(callsTo(run, 'RevokeSecurityGroupIngress').map((c) => c.input.SecurityGroupRuleIds)).to.deep.equal([['sgr-00000000000000012']]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('revokes what is left when a rule disappears between the read and the revoke', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/race.yaml', { GroupId: GROUP, ...implied('EC2.13') });
    expect(callsTo(run, 'RevokeSecurityGroupIngress').map((c) => [c.input.SecurityGroupRuleIds, c.outcome])).to.deep.equal([
      [['sgr-00000000000000001', 'sgr-00000000000000002'], 'error'],
      [['sgr-00000000000000002'], 'ok'],
    ]);
    expect(output(run, 'Revoke', 'Changed')).to.equal('revoked sgr-00000000000000002 (tcp 22 from ::/0)');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('skips a group that no longer exists', async () => {
    const run = await runRunbook(adminPortsRunbook, 'ec2-admin-ports/not-found.yaml', { GroupId: GROUP, ...implied('EC2.14') });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('does not exist');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('NOT_VERIFIED');
    expectPolicyClean(run);
  });
});
