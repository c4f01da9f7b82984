import { expect } from 'chai';
import type * as sinon from 'sinon';
import {
  type Addition,
  opensPermission,
  orphanVerdict,
  orphanedAdditions,
  replaceAdminPorts,
  ruleCoversPort,
  verifyAdminPorts,
} from '../../runbooks/ec2-admin-ports';
import { emptyDefaultGroup, verifyDefaultGroup } from '../../runbooks/ec2-default-security-group';
import type { IpPermission, SecurityGroupRule } from '../../runbooks/support/security-group';
import { AwsServiceError } from '../../src/aws/invoker';
import type { ScriptContext } from '../../src/model/handlers';
import { stubContext } from '../finalizer/fixtures';
import { type Turn, interleave } from './interleave';

/**
 * Two runbooks on one security group, their findings in different batches: the run under test is
 * stopped before one of its calls while another actor (EC2.2's real change handler, a sibling
 * admin-ports run, a person) acts on the same group, then goes on. The group is one in-memory
 * state behind sinon-stubbed EC2 calls, answering as AWS does: Authorize adds all or nothing
 * (InvalidPermission.Duplicate), a revoke of an unknown rule id fails as a whole.
 */

const GROUP = 'sg-0123456789abcdef0';
const WORLD = '0.0.0.0/0';
const EC2_13 = { GroupId: GROUP, Ports: '22', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' } as const;
const EC2_14 = { ...EC2_13, Ports: '3389' } as const;

class FakeGroup {
  rules: SecurityGroupRule[];
  /** Ids of the rules each AuthorizeSecurityGroupIngress created, by whom. */
  readonly created: Array<{ by: string; ids: string[] }> = [];
  private next = 100;

  constructor(
    readonly name: string,
    rules: Array<Omit<SecurityGroupRule, 'SecurityGroupRuleId' | 'GroupId'>>,
  ) {
    this.rules = rules.map((r) => this.make(r));
  }

  private make(r: Omit<SecurityGroupRule, 'SecurityGroupRuleId' | 'GroupId'>): SecurityGroupRule {
    this.next += 1;
    return { SecurityGroupRuleId: `sgr-${String(this.next).padStart(17, '0')}`, GroupId: GROUP, ...r };
  }

  ids(): string[] {
    return this.rules.map((r) => r.SecurityGroupRuleId);
  }

  /** Adds ingress rules as a person or another tool would, outside any run. */
  add(perms: IpPermission[]): string[] {
    return this.authorize(perms, 'a person');
  }

  revokeAll(): void {
    this.rules = [];
  }

  private authorize(perms: readonly IpPermission[], by: string): string[] {
    const rows = perms.flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => ({ IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, CidrIpv4: r.CidrIp })),
      ...(p.Ipv6Ranges ?? []).map((r) => ({ IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, CidrIpv6: r.CidrIpv6 })),
    ]);
    const dup = perms.find((p) => this.rules.some((r) => opensPermission(r, p)));
    if (dup) throw new AwsServiceError('InvalidPermission.Duplicate', `the specified rule ${JSON.stringify(dup)} already exists`);
    const made = rows.map((row) => this.make({ IsEgress: false, ...row }));
    this.rules.push(...made);
    const ids = made.map((r) => r.SecurityGroupRuleId);
    this.created.push({ by, ids });
    return ids;
  }

  private revoke(ids: readonly string[], egress: boolean): void {
    const unknown = ids.find((id) => !this.rules.some((r) => r.SecurityGroupRuleId === id && r.IsEgress === egress));
    if (unknown) throw new AwsServiceError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${unknown}' does not exist`);
    this.rules = this.rules.filter((r) => !ids.includes(r.SecurityGroupRuleId));
  }

  /** A context for one actor (`by` names it in `created`); `interleave` lets others act before its calls. */
  context(by: string, turns: Turn[] = []): { ctx: ScriptContext; aws: sinon.SinonStub } {
    const { ctx, aws } = stubContext({
      'ec2:DescribeSecurityGroups': () => ({
        SecurityGroups: [{ GroupId: GROUP, GroupName: this.name, VpcId: 'vpc-0123456789abcdef0' }],
      }),
      'ec2:DescribeSecurityGroupRules': () => ({ SecurityGroupRules: structuredClone(this.rules) }),
      'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: [] },
      'ec2:AuthorizeSecurityGroupIngress': (input) => {
        this.authorize(input.IpPermissions as IpPermission[], by);
        return { Return: true };
      },
      'ec2:RevokeSecurityGroupIngress': (input) => {
        this.revoke(input.SecurityGroupRuleIds as string[], false);
        return { Return: true };
      },
      'ec2:RevokeSecurityGroupEgress': (input) => {
        this.revoke(input.SecurityGroupRuleIds as string[], true);
        return { Return: true };
      },
    });
    return { ctx: interleave(ctx, turns), aws };
  }
}

const wideTcp = { IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIpv4: WORLD };
const allTraffic = { IsEgress: false, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: WORLD, Description: 'web' };
const egressAll = { IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: WORLD };
const fromItself = { IsEgress: false, IpProtocol: '-1', FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: GROUP } };

/** The operations a stubbed context was asked for, each checked against the handler's declared permissions. */
function operationsWithin(aws: sinon.SinonStub, handler: { permissions: ReadonlyArray<{ action: string }> }): string[] {
  const ops = aws.getCalls().map((c) => String(c.args[1]));
  for (const op of ops)
    expect(
      handler.permissions.map((p) => p.action),
      op,
    ).to.include(`ec2:${op}`);
  return ops;
}

function revokedBy(aws: sinon.SinonStub): string[] {
  return aws
    .getCalls()
    .filter((c) => c.args[1] === 'RevokeSecurityGroupIngress')
    .flatMap((c) => (c.args[2] as { SecurityGroupRuleIds: string[] }).SecurityGroupRuleIds);
}

function opensTcp(rules: readonly SecurityGroupRule[], port: number): boolean {
  return rules.some((r) => !r.IsEgress && r.CidrIpv4 === WORLD && ruleCoversPort(r, port, 'tcp'));
}

describe('EC2 admin ports racing another actor on the same group', () => {
  it('EC2.2 empties the default group between the read and the add: the rules added are withdrawn, the group ends empty, Changed says why', async () => {
    const group = new FakeGroup('default', [wideTcp, fromItself, egressAll]);
    const wide = group.rules[0]?.SecurityGroupRuleId;
    let ec2dot2Verified: unknown;
    const ec2dot2 = group.context('EC2.2');
    const { ctx, aws } = group.context('EC2.13', [
      {
        before: 'AuthorizeSecurityGroupIngress',
        nth: 1,
        act: async () => {
          const changed = await emptyDefaultGroup.run({ GroupId: GROUP }, ec2dot2.ctx);
          expect(changed.Changed).to.equal(`revoked 2 ingress and 1 egress rule(s) of ${GROUP}`);
          ec2dot2Verified = (await verifyDefaultGroup.run({ GroupId: GROUP }, ec2dot2.ctx)).Verified;
        },
      },
    ]);

    const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

    expect(ec2dot2Verified, "EC2.2's finding is RESOLVED on an empty group").to.equal(true);
    expect(group.rules, 'no replacement left: the group EC2.2 emptied stays empty').to.deep.equal([]);
    const added = group.created.filter((c) => c.by === 'EC2.13').flatMap((c) => c.ids);
    expect(added).to.have.length(3);
    expect(revokedBy(aws), 'exactly the rules it added (the wide rule was gone when it read back)').to.deep.equal(added);
    expect(Changed).to.equal(
      `${wide} (tcp 0-65535 from 0.0.0.0/0) was removed by someone else after this run added tcp 0-21, 23-3388, 3390-65535 from 0.0.0.0/0 to replace it; ` +
        `withdrew ${added.join(', ')} again: default group ${GROUP} was emptied meanwhile (as EC2.2 does): kept, they would re-open it`,
    );
    expect(operationsWithin(aws, replaceAdminPorts)).to.include('DescribeSecurityGroups');
    expect((await verifyAdminPorts.run(EC2_13, ctx)).Verified).to.equal(true);
  });

  it('EC2.2 empties the group after the add, before the read-back: EC2.2 takes the rules added too; nothing left to withdraw', async () => {
    const group = new FakeGroup('default', [wideTcp, fromItself, egressAll]);
    const wide = group.ids()[0];
    const ec2dot2 = group.context('EC2.2');
    const { ctx, aws } = group.context('EC2.13', [
      {
        before: 'DescribeSecurityGroupRules',
        nth: 2,
        act: async () => void (await emptyDefaultGroup.run({ GroupId: GROUP }, ec2dot2.ctx)),
      },
    ]);

    const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

    expect(group.rules).to.deep.equal([]);
    expect(revokedBy(aws), 'it revokes nothing: the wide rule and its replacements were gone when it looked').to.deep.equal([]);
    expect(Changed, 'the wide rule is not "left alone": it is gone').to.equal(
      `${wide} (tcp 0-65535 from 0.0.0.0/0) was removed by someone else after this run added tcp 0-21, 23-3388, 3390-65535 from 0.0.0.0/0 to replace it; those rules are gone too`,
    );
    expect(operationsWithin(aws, replaceAdminPorts)).not.to.include('DescribeSecurityGroups');
  });

  it('the same interleaving on a group that is not a default group keeps the rules added, and says why', async () => {
    const group = new FakeGroup('web', [wideTcp, egressAll]);
    const wide = group.rules[0]?.SecurityGroupRuleId;
    const { ctx, aws } = group.context('EC2.13', [{ before: 'AuthorizeSecurityGroupIngress', nth: 1, act: async () => group.revokeAll() }]);

    const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

    const added = group.created.flatMap((c) => c.ids);
    expect(group.ids()).to.deep.equal(added);
    expect(revokedBy(aws), 'nothing: the wide rule was gone when it read back').to.deep.equal([]);
    expect(Changed).to.equal(
      `${wide} (tcp 0-65535 from 0.0.0.0/0) was removed by someone else after this run added tcp 0-21, 23-3388, 3390-65535 from 0.0.0.0/0 to replace it; ` +
        `kept: ${GROUP} was emptied meanwhile but is not a default group`,
    );
    operationsWithin(aws, replaceAdminPorts);
  });

  for (const name of ['default', 'web'])
    it(`a sibling run (EC2.14) narrowing the same rule meanwhile on a ${name} group: the replacements stay, 80 and 443 stay open, an identical rule that was there stays`, async () => {
      const group = new FakeGroup(name, [
        allTraffic,
        { IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 21, CidrIpv4: WORLD },
        fromItself,
        egressAll,
      ]);
      const [wide, identical, itself, egress] = group.ids();
      const sibling = group.context('EC2.14');
      let siblingChanged = '';
      const { ctx, aws } = group.context('EC2.13', [
        {
          // after this run added and read back its replacements, before it revokes the wide rule
          before: 'RevokeSecurityGroupIngress',
          nth: 1,
          act: async () => {
            siblingChanged = (await replaceAdminPorts.run(EC2_14, sibling.ctx)).Changed;
          },
        },
      ]);

      const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

      expect(siblingChanged).to.match(new RegExp(`^replaced ${wide} \\(all traffic from 0\\.0\\.0\\.0/0\\)`));
      expect(
        group.created.map((c) => c.by),
        'the sibling found the shared replacements there and added none',
      ).to.deep.equal(['EC2.13']);
      const added = group.created.flatMap((c) => c.ids);
      expect(added, 'tcp 23-3388, 3390-65535, udp x3, icmp: tcp 0-21 was there').to.have.length(6);
      expect(group.ids()).to.have.members([identical, itself, egress, ...added]);
      expect(revokedBy(aws)).to.deep.equal([wide]);
      for (const port of [21, 80, 443]) expect(opensTcp(group.rules, port), `tcp ${port}`).to.equal(true);
      for (const port of [22, 3389]) expect(opensTcp(group.rules, port), `tcp ${port}`).to.equal(false);
      expect(Changed).to.contain(
        `${wide} (all traffic from 0.0.0.0/0) was removed by someone else after this run added tcp 23-3388, 3390-65535; udp 0-21, 23-3388, 3390-65535; icmp all from 0.0.0.0/0 to replace it; kept: the group still has rules this run read before adding them`,
      );
      expect(operationsWithin(aws, replaceAdminPorts), 'the group is read only when it was emptied').not.to.include(
        'DescribeSecurityGroups',
      );
    });

  it('never revokes a rule it did not add: one identical to a replacement, added by a person after EC2.2 emptied the group, stays', async () => {
    const group = new FakeGroup('default', [
      wideTcp,
      { IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 21, CidrIpv4: WORLD },
      egressAll,
    ]);
    const [, identical] = group.ids();
    const ec2dot2 = group.context('EC2.2');
    let person: string[] = [];
    const { ctx, aws } = group.context('EC2.13', [
      {
        before: 'AuthorizeSecurityGroupIngress',
        nth: 1,
        act: async () => {
          await emptyDefaultGroup.run({ GroupId: GROUP }, ec2dot2.ctx);
          person = group.add([{ IpProtocol: 'tcp', FromPort: 0, ToPort: 21, IpRanges: [{ CidrIp: WORLD }] }]);
        },
      },
    ]);

    const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

    const added = group.created.filter((c) => c.by === 'EC2.13').flatMap((c) => c.ids);
    expect(added, 'tcp 23-3388 and 3390-65535: tcp 0-21 was there').to.have.length(2);
    expect(group.ids()).to.deep.equal(person);
    expect(revokedBy(aws)).to.deep.equal(added);
    expect(revokedBy(aws)).not.to.include(identical);
    expect(Changed).to.contain(`withdrew ${added.join(', ')} again`);
  });

  it('withdraws what is left when one of the rules it added is already gone (EC2.2 took it meanwhile)', async () => {
    const group = new FakeGroup('default', [wideTcp, egressAll]);
    const ec2dot2 = group.context('EC2.2');
    const { ctx, aws } = group.context('EC2.13', [
      {
        before: 'AuthorizeSecurityGroupIngress',
        nth: 1,
        act: async () => void (await emptyDefaultGroup.run({ GroupId: GROUP }, ec2dot2.ctx)),
      },
      {
        before: 'RevokeSecurityGroupIngress',
        nth: 1,
        act: async () => {
          group.rules = group.rules.slice(1);
        },
      },
    ]);

    const { Changed } = await replaceAdminPorts.run(EC2_13, ctx);

    const [first, ...rest] = group.created.flatMap((c) => c.ids);
    expect(group.rules).to.deep.equal([]);
    expect(revokedBy(aws)).to.deep.equal([first, ...rest, ...rest]);
    expect(Changed).to.contain(`withdrew ${rest.join(', ')} again`);
    expect(Changed).not.to.contain(String(first));
  });
});

describe('EC2 admin ports: rules added for a wide rule somebody else removed (pure)', () => {
  const rule = (id: string, over: Partial<SecurityGroupRule> = {}): SecurityGroupRule => ({
    SecurityGroupRuleId: id,
    IsEgress: false,
    IpProtocol: 'tcp',
    FromPort: 23,
    ToPort: 65535,
    CidrIpv4: WORLD,
    ...over,
  });
  const wide = rule('sgr-wide', { FromPort: 0 });
  const perm: IpPermission = { IpProtocol: 'tcp', FromPort: 23, ToPort: 65535, IpRanges: [{ CidrIp: WORLD }] };
  const egress = rule('sgr-egress', { IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1 });
  const addition: Addition = { wide, permissions: [perm], seen: new Set(['sgr-wide', 'sgr-egress']) };

  it('an addition whose wide rule is still there, or that this run revoked, is no orphan', () => {
    expect(orphanedAdditions([addition], new Set(), [wide, egress, rule('sgr-new')])).to.deep.equal([]);
    expect(orphanedAdditions([addition], new Set(['sgr-wide']), [rule('sgr-new')])).to.deep.equal([]);
  });

  it('counts as added only rules opening an added permission that were not in the read before adding', () => {
    const before = { ...addition, seen: new Set(['sgr-wide', 'sgr-egress', 'sgr-old']) };
    const [o] = orphanedAdditions([before], new Set(), [rule('sgr-old'), rule('sgr-new'), rule('sgr-other', { FromPort: 80, ToPort: 80 })]);
    expect(o?.added.map((r) => r.SecurityGroupRuleId)).to.deep.equal(['sgr-new']);
  });

  it('calls the group emptied only when no rule read before adding is left', () => {
    expect(orphanedAdditions([addition], new Set(), [egress, rule('sgr-new')])[0]?.emptied).to.equal(false);
    expect(orphanedAdditions([addition], new Set(), [rule('sgr-new')])[0]?.emptied).to.equal(true);
  });

  it('withdraws only on an emptied default group, and only when something it added is left', () => {
    const [emptied] = orphanedAdditions([addition], new Set(), [rule('sgr-new')]);
    const [narrowed] = orphanedAdditions([addition], new Set(), [egress, rule('sgr-new')]);
    const [gone] = orphanedAdditions([addition], new Set(), []);
    if (!emptied || !narrowed || !gone) throw new Error('expected orphans');
    expect(orphanVerdict(emptied, GROUP, true).withdraw).to.equal(true);
    expect(orphanVerdict(emptied, GROUP, false)).to.deep.equal({
      withdraw: false,
      why: `kept: ${GROUP} was emptied meanwhile but is not a default group`,
    });
    expect(orphanVerdict(narrowed, GROUP, true).withdraw).to.equal(false);
    expect(orphanVerdict(gone, GROUP, true)).to.deep.equal({ withdraw: false, why: 'those rules are gone too' });
  });
});
