import { expect } from 'chai';
import { replaceAdminPorts, verifyAdminPorts } from '../../runbooks/ec2-admin-ports';
import { emptyDefaultGroup, verifyDefaultGroup } from '../../runbooks/ec2-default-security-group';
import { readGroupRules } from '../../runbooks/support/security-group';
import { SdkInvoker } from '../../src/aws/sdk-invoker';
import type { ScriptContext } from '../../src/model/handlers';
import { interleave } from '../runbooks/interleave';
import { useEmulator } from './support';

/**
 * EC2.2 and an admin-ports run on one VPC default security group, their findings in different
 * batches, against moto's EC2 (its rule ids, its error codes, its Authorize answer): EC2.2 empties
 * the group after admin-ports read the wide rule and before it adds the replacements.
 */
describe('e2e: EC2.2 and admin ports racing on one default security group (emulator)', () => {
  const emu = useEmulator();
  const region = 'us-east-1';

  function context(): ScriptContext {
    const sdk = new SdkInvoker({ endpoint: emu.current().endpoint });
    return {
      aws: async <T>(service: string, operation: string, input: Record<string, unknown> = {}) =>
        (await sdk.call({ service, operation, region, input })) as T,
      region,
      account: '123456789012',
      partition: 'aws',
      executionId: 'e2e-security-group-race',
      now: () => new Date(),
      sleep: async () => {},
    };
  }

  /** A new VPC's default group with tcp 0-65535 open to the world (the wide rule) beside AWS's own default rules. */
  async function openDefaultGroup(ctx: ScriptContext): Promise<string> {
    const { Vpc } = await ctx.aws<{ Vpc: { VpcId: string } }>('ec2', 'CreateVpc', { CidrBlock: '10.42.0.0/16' });
    const { SecurityGroups } = await ctx.aws<{ SecurityGroups: Array<{ GroupId: string }> }>('ec2', 'DescribeSecurityGroups', {
      Filters: [
        { Name: 'vpc-id', Values: [Vpc.VpcId] },
        { Name: 'group-name', Values: ['default'] },
      ],
    });
    const groupId = SecurityGroups[0]?.GroupId;
    if (!groupId) throw new Error(`moto made no default group for ${Vpc.VpcId}`);
    await ctx.aws('ec2', 'AuthorizeSecurityGroupIngress', {
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: groupId }] },
      ],
    });
    return groupId;
  }

  it('EC2.2 empties the group between the read and the add: admin ports takes its rules back and the group ends empty', async () => {
    const ctx = context();
    const GroupId = await openDefaultGroup(ctx);
    let ec2dot2Verified: unknown;
    const run = interleave(ctx, [
      {
        before: 'AuthorizeSecurityGroupIngress',
        nth: 1,
        act: async () => {
          await emptyDefaultGroup.run({ GroupId }, ctx);
          ec2dot2Verified = (await verifyDefaultGroup.run({ GroupId }, ctx)).Verified;
        },
      },
    ]);
    const input = { GroupId, Ports: '22', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' } as const;

    const { Changed } = await replaceAdminPorts.run(input, run);

    expect(ec2dot2Verified).to.equal(true);
    expect(await readGroupRules(ctx, GroupId), 'the group EC2.2 emptied stays empty').to.deep.equal([]);
    expect(Changed).to.match(
      new RegExp(
        `was removed by someone else after this run added tcp 0-21, 23-3388, 3390-65535 from 0\\.0\\.0\\.0/0 to replace it; withdrew sgr-[0-9a-f]+, sgr-[0-9a-f]+, sgr-[0-9a-f]+ again: default group ${GroupId} was emptied meanwhile`,
      ),
    );
    expect((await verifyAdminPorts.run(input, ctx)).Verified).to.equal(true);
  });
});
