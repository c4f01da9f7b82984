import { hasErrorCode } from '../../src/aws/invoker';
import type { ScriptContext } from '../../src/model/handlers';
import { patterns } from '../../src/model/parameters';
import type { Extraction } from '../../src/model/runbook';

/** Security groups and their rules as the EC2 runbooks (admin ports, default group) read, describe and revoke them. */

/** A security group rule as DescribeSecurityGroupRules returns it. */
export interface SecurityGroupRule {
  SecurityGroupRuleId: string;
  GroupId?: string;
  GroupOwnerId?: string;
  IsEgress: boolean;
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  ReferencedGroupInfo?: { GroupId?: string; UserId?: string; VpcId?: string; VpcPeeringConnectionId?: string; PeeringStatus?: string };
  Description?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

/** The rule in the shape AuthorizeSecurityGroupIngress/Egress takes (`--ip-permissions`), to put it back by hand. */
export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: Array<{ CidrIp: string; Description?: string }>;
  Ipv6Ranges?: Array<{ CidrIpv6: string; Description?: string }>;
  PrefixListIds?: Array<{ PrefixListId: string; Description?: string }>;
  UserIdGroupPairs?: Array<{ GroupId?: string; UserId?: string; VpcId?: string; VpcPeeringConnectionId?: string; Description?: string }>;
}

/** The protocol as a name: `6` is tcp, `17` udp, `1` icmp, `58` icmpv6; `-1` (all) stays. Pure. */
export function normalProtocol(p: string): string {
  const s = String(p).toLowerCase();
  if (s === '6') return 'tcp';
  if (s === '17') return 'udp';
  if (s === '1') return 'icmp';
  if (s === '58') return 'icmpv6';
  return s;
}

/** Where a rule lets traffic in from (or out to), in words. Pure. */
export function sourceOf(rule: SecurityGroupRule): string {
  if (rule.CidrIpv4) return rule.CidrIpv4;
  if (rule.CidrIpv6) return rule.CidrIpv6;
  if (rule.PrefixListId) return `prefix list ${rule.PrefixListId}`;
  if (rule.ReferencedGroupInfo?.GroupId) return `security group ${rule.ReferencedGroupInfo.GroupId}`;
  return 'unknown source';
}

export function describeRule(rule: SecurityGroupRule): string {
  const p = normalProtocol(rule.IpProtocol);
  const ports =
    p === '-1' ? 'all traffic' : rule.FromPort === rule.ToPort ? `${p} ${rule.FromPort}` : `${p} ${rule.FromPort}-${rule.ToPort}`;
  return `${rule.SecurityGroupRuleId} (${ports} from ${sourceOf(rule)})`;
}

/** The rule as one IpPermission for `aws ec2 authorize-security-group-ingress --ip-permissions`. Pure. */
export function toIpPermission(rule: SecurityGroupRule): IpPermission {
  const perm: IpPermission = { IpProtocol: rule.IpProtocol };
  if (rule.FromPort !== undefined) perm.FromPort = rule.FromPort;
  if (rule.ToPort !== undefined) perm.ToPort = rule.ToPort;
  const d = rule.Description ? { Description: rule.Description } : {};
  if (rule.CidrIpv4) perm.IpRanges = [{ CidrIp: rule.CidrIpv4, ...d }];
  else if (rule.CidrIpv6) perm.Ipv6Ranges = [{ CidrIpv6: rule.CidrIpv6, ...d }];
  else if (rule.PrefixListId) perm.PrefixListIds = [{ PrefixListId: rule.PrefixListId, ...d }];
  else if (rule.ReferencedGroupInfo) {
    const g = rule.ReferencedGroupInfo;
    const pair: NonNullable<IpPermission['UserIdGroupPairs']>[number] = {};
    if (g.GroupId) pair.GroupId = g.GroupId;
    if (g.UserId) pair.UserId = g.UserId;
    if (g.VpcId) pair.VpcId = g.VpcId;
    if (g.VpcPeeringConnectionId) pair.VpcPeeringConnectionId = g.VpcPeeringConnectionId;
    perm.UserIdGroupPairs = [{ ...pair, ...d }];
  }
  return perm;
}

export interface GroupInfo {
  GroupId: string;
  GroupName: string;
  VpcId?: string;
  OwnerId?: string;
}

/**
 * True for a VPC's default security group. Its name is `default` and no other group of the VPC can
 * take that name (names are unique per VPC and the default group cannot be deleted). Pure.
 */
export function isDefaultGroup(group: GroupInfo | null): boolean {
  return group?.GroupName === 'default';
}

/** The group, or null when it does not exist (InvalidGroup.NotFound). */
export async function readGroup(ctx: ScriptContext, groupId: string): Promise<GroupInfo | null> {
  try {
    const out = await ctx.aws<{ SecurityGroups?: Array<Record<string, unknown>> }>('ec2', 'DescribeSecurityGroups', {
      GroupIds: [groupId],
    });
    const g = out.SecurityGroups?.find((s) => s.GroupId === groupId);
    if (!g) return null;
    const info: GroupInfo = { GroupId: groupId, GroupName: String(g.GroupName ?? '') };
    if (typeof g.VpcId === 'string') info.VpcId = g.VpcId;
    if (typeof g.OwnerId === 'string') info.OwnerId = g.OwnerId;
    return info;
  } catch (err) {
    if (hasErrorCode(err, 'InvalidGroup.NotFound')) return null;
    throw err;
  }
}

/** Every rule of the group, ingress and egress (DescribeSecurityGroupRules with a group-id filter, paginated). */
export async function readGroupRules(ctx: ScriptContext, groupId: string): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  let token: string | undefined;
  do {
    const input: Record<string, unknown> = { Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 };
    if (token) input.NextToken = token;
    const page = await ctx.aws<{ SecurityGroupRules?: SecurityGroupRule[]; NextToken?: string }>(
      'ec2',
      'DescribeSecurityGroupRules',
      input,
    );
    // the filter is the contract; a rule of another group is never acted on
    rules.push(...(page.SecurityGroupRules ?? []).filter((r) => r.GroupId === undefined || r.GroupId === groupId));
    token = page.NextToken || undefined;
  } while (token);
  return rules;
}

/**
 * True when a revoke failed because the rule is no longer there (another run, or a person, removed
 * it meanwhile). AWS documents both codes for an unknown rule; moto answers the second.
 */
export function isRuleGone(err: unknown): boolean {
  return hasErrorCode(err, 'InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound');
}

/** Revokes rules by id, in batches of 50; a `Return: false` answer fails the step. */
export async function revokeRules(
  ctx: ScriptContext,
  groupId: string,
  ids: readonly string[],
  direction: 'ingress' | 'egress',
): Promise<void> {
  const api = direction === 'ingress' ? 'RevokeSecurityGroupIngress' : 'RevokeSecurityGroupEgress';
  for (let i = 0; i < ids.length; i += 50) {
    const out = await ctx.aws<{ Return?: boolean }>('ec2', api, { GroupId: groupId, SecurityGroupRuleIds: ids.slice(i, i + 50) });
    if (out.Return === false) throw new Error(`${api} on ${groupId} returned false for ${ids.slice(i, i + 50).join(', ')}`);
  }
}

/**
 * Adds ingress permissions in one AuthorizeSecurityGroupIngress call: AWS adds all of them or none,
 * so a failure (a rule quota, say) leaves the group as it was. A `Return: false` answer fails.
 */
export async function authorizeIngress(ctx: ScriptContext, groupId: string, permissions: readonly IpPermission[]): Promise<void> {
  const out = await ctx.aws<{ Return?: boolean }>('ec2', 'AuthorizeSecurityGroupIngress', { GroupId: groupId, IpPermissions: permissions });
  if (out.Return === false) throw new Error(`AuthorizeSecurityGroupIngress on ${groupId} returned false`);
}

/** Where a finding names the security group: its ARN, or the details' group id. */
export const SECURITY_GROUP_EXTRACT: Extraction<'GroupId'>[] = [
  {
    parameter: 'GroupId',
    from: 'resourceId',
    resourceType: 'AwsEc2SecurityGroup',
    pattern: '^arn:aws(?:-cn|-us-gov)?:ec2:[a-z0-9-]+:\\d{12}:security-group/(sg-[0-9a-f]{8,17})$',
  },
  {
    parameter: 'GroupId',
    from: 'details',
    resourceType: 'AwsEc2SecurityGroup',
    path: 'AwsEc2SecurityGroup.GroupId',
    pattern: patterns.securityGroupId,
  },
];
