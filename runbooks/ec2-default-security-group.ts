import { defineHandler, type ScriptContext } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
import {
  CHANGE_OUTPUTS,
  type ChangeResult,
  PLAN_OUTPUTS,
  type PlanResult,
  VERIFY_OUTPUTS,
  type VerifyResult,
  scriptPhases,
} from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';
import {
  type GroupInfo,
  type SecurityGroupRule,
  SECURITY_GROUP_EXTRACT,
  describeRule,
  isDefaultGroup,
  isRuleGone,
  readGroup,
  readGroupRules,
  revokeRules,
  toIpPermission,
} from './support/security-group';
import { InvalidSettingError } from './support/settings';

/** A network interface that uses the group, as the summary names it. */
export interface InterfaceInfo {
  NetworkInterfaceId: string;
  InterfaceType?: string;
  Description?: string;
  InstanceId?: string;
}

/** Every network interface that has the group attached (DescribeNetworkInterfaces, group-id filter, paginated). */
export async function readInterfacesUsing(ctx: ScriptContext, groupId: string): Promise<InterfaceInfo[]> {
  const out: InterfaceInfo[] = [];
  let token: string | undefined;
  do {
    const input: Record<string, unknown> = { Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 };
    if (token) input.NextToken = token;
    const page = await ctx.aws<{ NetworkInterfaces?: Array<Record<string, unknown>>; NextToken?: string }>(
      'ec2',
      'DescribeNetworkInterfaces',
      input,
    );
    for (const n of page.NetworkInterfaces ?? []) {
      const info: InterfaceInfo = { NetworkInterfaceId: String(n.NetworkInterfaceId) };
      if (typeof n.InterfaceType === 'string') info.InterfaceType = n.InterfaceType;
      if (typeof n.Description === 'string' && n.Description) info.Description = n.Description;
      const attachment = n.Attachment as { InstanceId?: unknown } | undefined;
      if (typeof attachment?.InstanceId === 'string') info.InstanceId = attachment.InstanceId;
      out.push(info);
    }
    token = page.NextToken || undefined;
  } while (token);
  return out;
}

function describeInterface(n: InterfaceInfo): string {
  const what = [
    n.InstanceId ? `instance ${n.InstanceId}` : '',
    n.InterfaceType && n.InterfaceType !== 'interface' ? n.InterfaceType : '',
    n.Description ?? '',
  ]
    .filter(Boolean)
    .join(', ');
  return what ? `${n.NetworkInterfaceId} (${what})` : n.NetworkInterfaceId;
}

/** At most `max` items named, then how many more. Pure. */
export function listSome(items: readonly string[], max = 20): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export type DefaultGroupDecision =
  | { decision: 'skip'; reason: string }
  | { decision: 'compliant'; reason: string }
  | { decision: 'remediate'; reason: string };

/**
 * Decide for one group: not found or not a default group → skip; no rules → compliant; rules but
 * a network interface uses it → skip (revoking would cut that traffic; a person moves the
 * interfaces first); rules and unused → remediate. Pure.
 */
export function decideDefaultGroup(
  group: GroupInfo | null,
  rules: readonly SecurityGroupRule[],
  interfaces: readonly InterfaceInfo[],
  groupId: string,
): DefaultGroupDecision {
  if (!group) return { decision: 'skip', reason: `security group ${groupId} does not exist (deleted since the finding?); nothing to do` };
  if (!isDefaultGroup(group))
    return {
      decision: 'skip',
      reason: `${groupId} is not a default security group (its name is "${group.GroupName}"); this runbook only empties default groups`,
    };
  const ingress = rules.filter((r) => !r.IsEgress).length;
  const egress = rules.length - ingress;
  if (rules.length === 0)
    return { decision: 'compliant', reason: `default group ${groupId} of ${group.VpcId ?? 'its VPC'} has no rules; nothing to change` };
  if (interfaces.length > 0)
    return {
      decision: 'skip',
      reason: `default group ${groupId} has ${ingress} ingress and ${egress} egress rule(s) but is in use by ${interfaces.length} network interface(s): ${listSome(interfaces.map(describeInterface))}. Move them to a purpose-made security group, then run this again`,
    };
  return {
    decision: 'remediate',
    reason: `default group ${groupId} of ${group.VpcId ?? 'its VPC'}: revoke ${ingress} ingress and ${egress} egress rule(s): ${listSome(rules.map(describeRule))}`,
  };
}

interface DefaultGroupInput {
  GroupId: string;
}

function checkInput(input: DefaultGroupInput): void {
  if (typeof input.GroupId !== 'string' || !new RegExp(patterns.securityGroupId).test(input.GroupId))
    throw new InvalidSettingError(`GroupId ${JSON.stringify(input.GroupId)} is not a security group id`);
}

function ruleState(rules: readonly SecurityGroupRule[]): Record<string, unknown> {
  const ingress = rules.filter((r) => !r.IsEgress);
  const egress = rules.filter((r) => r.IsEgress);
  return {
    IngressRules: JSON.stringify(ingress),
    EgressRules: JSON.stringify(egress),
    ReauthorizeIngressIpPermissions: JSON.stringify(ingress.map(toIpPermission)),
    ReauthorizeEgressIpPermissions: JSON.stringify(egress.map(toIpPermission)),
  };
}

const readPermissions = [
  { action: 'ec2:DescribeSecurityGroups' },
  { action: 'ec2:DescribeSecurityGroupRules' },
  { action: 'ec2:DescribeNetworkInterfaces' },
];

export const planDefaultGroup = defineHandler<DefaultGroupInput, PlanResult>({
  id: 'ec2DefaultSecurityGroup.plan',
  description: 'Check the group is a default group, read its rules and the network interfaces that use it.',
  permissions: readPermissions,
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    checkInput(input);
    const group = await readGroup(ctx, input.GroupId);
    if (!group) {
      const d = decideDefaultGroup(null, [], [], input.GroupId);
      return { Decision: d.decision, Before: { GroupId: input.GroupId, Group: 'not found' }, Summary: d.reason };
    }
    const rules = isDefaultGroup(group) ? await readGroupRules(ctx, input.GroupId) : [];
    const interfaces = rules.length ? await readInterfacesUsing(ctx, input.GroupId) : [];
    const d = decideDefaultGroup(group, rules, interfaces, input.GroupId);
    const before = {
      GroupId: group.GroupId,
      GroupName: group.GroupName,
      VpcId: group.VpcId ?? '',
      ...ruleState(rules),
      NetworkInterfaces: JSON.stringify(interfaces.map((n) => n.NetworkInterfaceId)),
    };
    return { Decision: d.decision, Before: before, Summary: d.reason };
  },
});

/** Rounds of revoke → read again while another run changes the group. */
const REVOKE_ROUNDS = 4;

export const emptyDefaultGroup = defineHandler<DefaultGroupInput, ChangeResult>({
  id: 'ec2DefaultSecurityGroup.revokeAll',
  description: 'Read the group again; if it is still a default group no interface uses, revoke all its ingress and egress rules by id.',
  permissions: [...readPermissions, { action: 'ec2:RevokeSecurityGroupIngress' }, { action: 'ec2:RevokeSecurityGroupEgress' }],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    checkInput(input);
    // read again right before writing: an interface attached since the plan stops the change
    const group = await readGroup(ctx, input.GroupId);
    const rules = isDefaultGroup(group) ? await readGroupRules(ctx, input.GroupId) : [];
    const interfaces = rules.length ? await readInterfacesUsing(ctx, input.GroupId) : [];
    const d = decideDefaultGroup(group, rules, interfaces, input.GroupId);
    if (d.decision !== 'remediate') return { Changed: `nothing: ${d.reason}` };
    const ingress = rules.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId);
    const egress = rules.filter((r) => r.IsEgress).map((r) => r.SecurityGroupRuleId);
    // another run may change the group meanwhile (EC2.13 replacing a rule): a rule gone before its
    // revoke is read again, and whatever is there then is revoked, for a few rounds
    let left = rules;
    for (let round = 0; round < REVOKE_ROUNDS && left.length > 0; round++) {
      try {
        const inIds = left.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId);
        const outIds = left.filter((r) => r.IsEgress).map((r) => r.SecurityGroupRuleId);
        if (inIds.length) await revokeRules(ctx, input.GroupId, inIds, 'ingress');
        if (outIds.length) await revokeRules(ctx, input.GroupId, outIds, 'egress');
      } catch (err) {
        if (!isRuleGone(err)) throw err;
      }
      left = await readGroupRules(ctx, input.GroupId);
    }
    return { Changed: `revoked ${ingress.length} ingress and ${egress.length} egress rule(s) of ${input.GroupId}` };
  },
});

export const verifyDefaultGroup = defineHandler<DefaultGroupInput, VerifyResult>({
  id: 'ec2DefaultSecurityGroup.verify',
  description: 'Read the live rules of the group: a default group must have none.',
  permissions: [{ action: 'ec2:DescribeSecurityGroupRules' }],
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    checkInput(input);
    const rules = await readGroupRules(ctx, input.GroupId);
    return {
      Verified: rules.length === 0,
      After: { GroupId: input.GroupId, RuleCount: rules.length, Rules: JSON.stringify(rules.map((r) => r.SecurityGroupRuleId)) },
      Unmet: rules.length ? `still has ${rules.length} rule(s): ${listSome(rules.map(describeRule))}` : '',
    };
  },
});

export const defaultSecurityGroupRunbook = defineRunbook({
  document: 'Hubfix-EC2-DefaultSecurityGroupClosed',
  title: 'Close the VPC default security group',
  class: 'B',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsEc2SecurityGroup',
  changes:
    'Revokes every ingress and egress rule of a VPC default security group that no network interface uses; when one does, notifies with the list.',
  guidance:
    'Move every resource off the VPC default security group to purpose-made groups, then remove all inbound and outbound rules of the default group.',
  description: `# Hubfix: VPC default security group restricts all traffic (CIS 1.2.0 4.3, 1.4.0 5.3, 3.0.0 5.4; EC2.2)

Empties the default security group of a VPC — every inbound and every outbound rule — but only when no network interface uses it.

1. **Plan** reads the group (\`DescribeSecurityGroups\`): a group whose name is not \`default\` is skipped. It reads the group's rules (\`DescribeSecurityGroupRules\`, \`group-id\` filter) and the network interfaces that use it (\`DescribeNetworkInterfaces\`, \`group-id\` filter). \`Plan.Before\` keeps every rule in full and, ready to put back, \`ReauthorizeIngressIpPermissions\` and \`ReauthorizeEgressIpPermissions\`.
2. **Gate**: with \`DryRun\` true nothing is changed; a group without rules goes straight to verify. **A group in use by any network interface is skipped**: revoking its rules would cut that traffic. The summary lists the interfaces; move them to a purpose-made group and run this again.
3. **RevokeAll** reads the group, rules and interfaces again (an interface attached since the plan stops it), then revokes every ingress rule (\`RevokeSecurityGroupIngress\`) and egress rule (\`RevokeSecurityGroupEgress\`) by rule id; when another run changed the group meanwhile (a rule already gone), it reads the group again and revokes what is there, for up to four rounds.
4. **Verify** reads the live rules: there must be none.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws ec2 authorize-security-group-ingress --group-id <GroupId> --ip-permissions '<Plan.Before.ReauthorizeIngressIpPermissions>'\` and \`aws ec2 authorize-security-group-egress --group-id <GroupId> --ip-permissions '<Plan.Before.ReauthorizeEgressIpPermissions>'\`.`,
  controls: [
    {
      id: 'EC2.2',
      title: 'VPC default security groups should not allow inbound or outbound traffic',
      aliases: { 'cis-1.2.0': ['4.3'], 'cis-1.4.0': ['5.3'], 'cis-3.0.0': ['5.4'] },
      fsbp: true,
    },
  ],
  extract: SECURITY_GROUP_EXTRACT,
  parameters: {
    GroupId: param.string({ description: 'The VPC default security group to close.', pattern: patterns.securityGroupId }),
  },
  body(p) {
    const input = { GroupId: p.GroupId };
    return scriptPhases({
      input,
      plan: { handler: planDefaultGroup, description: 'Check the group, read its rules and users (before-state).' },
      change: { name: 'RevokeAll', handler: emptyDefaultGroup, description: 'Revoke every ingress and egress rule by id.' },
      verify: { handler: verifyDefaultGroup, description: 'Check that the group has no rules.' },
    });
  },
});
