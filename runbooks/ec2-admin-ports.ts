import { hasErrorCode } from '../src/aws/invoker';
import { defineHandler, type ScriptContext } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
import { defineRunbook } from '../src/model/runbook';
import { script } from '../src/model/steps';

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

/** Which protocols count: `tcp` (EC2.13/14: SSH and RDP over TCP) or `tcp-and-udp` (CIS 3.0.0 5.2/5.3, EC2.53/54). */
export const PROTOCOL_SCOPES = ['tcp', 'tcp-and-udp'] as const;
export type ProtocolScope = (typeof PROTOCOL_SCOPES)[number];

/** Which world-open sources count: EC2.13/14 both, EC2.53 only 0.0.0.0/0, EC2.54 only ::/0. */
export const SOURCE_SCOPES = ['ipv4-and-ipv6', 'ipv4', 'ipv6'] as const;
export type SourceScope = (typeof SOURCE_SCOPES)[number];

/** A run setting the runbook cannot act on (the step fails; nothing was changed). */
export class AdminPortsInputError extends Error {
  readonly code = 'InvalidSetting';
  constructor(message: string) {
    super(message);
    this.name = 'AdminPortsInputError';
  }
}

/** `22,3389` → [22, 3389]; anything else (spaces, 0, > 65535, duplicates kept once) is refused. Pure. */
export function parsePorts(value: string): number[] {
  if (typeof value !== 'string' || !new RegExp(patterns.portList).test(value))
    throw new AdminPortsInputError(`Ports ${JSON.stringify(value)} must be 1 to 10 ports from 1 to 65535, comma-separated (e.g. 22,3389)`);
  return [...new Set(value.split(',').map(Number))].sort((a, b) => a - b);
}

function normalProtocol(p: string): string {
  const s = String(p).toLowerCase();
  if (s === '6') return 'tcp';
  if (s === '17') return 'udp';
  return s;
}

/**
 * True when the rule lets traffic to `port` through. Protocol -1 (all) lets every port through.
 * TCP (or UDP when counted) lets the port through when it is in FromPort..ToPort; a missing or -1
 * range on TCP/UDP means every port. Other protocols (ICMP, GRE, ...) carry no TCP/UDP port. Pure.
 */
export function ruleCoversPort(
  rule: Pick<SecurityGroupRule, 'IpProtocol' | 'FromPort' | 'ToPort'>,
  port: number,
  protocols: ProtocolScope,
): boolean {
  const p = normalProtocol(rule.IpProtocol);
  if (p === '-1') return true;
  if (p !== 'tcp' && !(p === 'udp' && protocols === 'tcp-and-udp')) return false;
  const from = rule.FromPort;
  const to = rule.ToPort;
  if (from === undefined || to === undefined || from === -1 || to === -1) return true;
  return from <= port && port <= to;
}

/** The address family a rule opens to the whole Internet (a /0 CIDR), or null. Pure. */
export function worldOpenFamily(rule: Pick<SecurityGroupRule, 'CidrIpv4' | 'CidrIpv6'>): 'ipv4' | 'ipv6' | null {
  if (rule.CidrIpv4 && /\/0$/.test(rule.CidrIpv4.trim())) return 'ipv4';
  if (rule.CidrIpv6 && /\/0$/.test(rule.CidrIpv6.trim())) return 'ipv6';
  return null;
}

export interface RuleScope {
  ports: number[];
  protocols: ProtocolScope;
  sources: SourceScope;
}

export interface IngressClassification {
  /** World-open ingress rules covering one of the ports: the ones to revoke. */
  offending: SecurityGroupRule[];
  /** Ingress rules covering a port that are not revoked, each with the reason. */
  leftAlone: Array<{ rule: SecurityGroupRule; reason: string }>;
}

function sourceOf(rule: SecurityGroupRule): string {
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

/**
 * Sorts the ingress rules that cover a port: world-open CIDR rules of the counted family are
 * offending; rules from a prefix list, from a security group, from a narrower CIDR or from the
 * family the control does not cover are left alone, with the reason. Egress rules are ignored. Pure.
 */
export function classifyIngress(rules: readonly SecurityGroupRule[], scope: RuleScope): IngressClassification {
  const out: IngressClassification = { offending: [], leftAlone: [] };
  for (const rule of rules) {
    if (rule.IsEgress) continue;
    const port = scope.ports.find((p) => ruleCoversPort(rule, p, scope.protocols));
    if (port === undefined) continue;
    const family = worldOpenFamily(rule);
    if (rule.PrefixListId) out.leftAlone.push({ rule, reason: `source is prefix list ${rule.PrefixListId}: review its entries by hand` });
    else if (rule.ReferencedGroupInfo?.GroupId)
      out.leftAlone.push({ rule, reason: `source is security group ${rule.ReferencedGroupInfo.GroupId}` });
    else if (family === null) out.leftAlone.push({ rule, reason: `source ${sourceOf(rule)} is not the whole Internet` });
    else if (scope.sources !== 'ipv4-and-ipv6' && scope.sources !== family)
      out.leftAlone.push({ rule, reason: `${family} source is outside this control (${scope.sources} only)` });
    else out.offending.push(rule);
  }
  return out;
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

interface AdminPortsInput {
  GroupId: string;
  Ports: string;
  Protocols: ProtocolScope;
  Sources: SourceScope;
}

function checkInput(input: AdminPortsInput): RuleScope {
  if (typeof input.GroupId !== 'string' || !new RegExp(patterns.securityGroupId).test(input.GroupId))
    throw new AdminPortsInputError(`GroupId ${JSON.stringify(input.GroupId)} is not a security group id`);
  if (!PROTOCOL_SCOPES.includes(input.Protocols)) throw new AdminPortsInputError(`Protocols must be one of ${PROTOCOL_SCOPES.join(', ')}`);
  if (!SOURCE_SCOPES.includes(input.Sources)) throw new AdminPortsInputError(`Sources must be one of ${SOURCE_SCOPES.join(', ')}`);
  return { ports: parsePorts(input.Ports), protocols: input.Protocols, sources: input.Sources };
}

function scopeText(scope: RuleScope): string {
  const src = scope.sources === 'ipv4-and-ipv6' ? '0.0.0.0/0 or ::/0' : scope.sources === 'ipv4' ? '0.0.0.0/0' : '::/0';
  return `port ${scope.ports.join('/')} (${scope.protocols === 'tcp' ? 'TCP' : 'TCP or UDP'}) from ${src}`;
}

function leftAloneText(c: IngressClassification): string {
  return c.leftAlone.length ? `; left alone: ${c.leftAlone.map((l) => `${describeRule(l.rule)} — ${l.reason}`).join('; ')}` : '';
}

/** One line for the plan. Pure. */
export function describeAdminPorts(groupId: string, c: IngressClassification, scope: RuleScope): string {
  if (c.offending.length === 0) return `${groupId}: no ingress rule opens ${scopeText(scope)}; nothing to change${leftAloneText(c)}`;
  return `${groupId}: revoke ${c.offending.map(describeRule).join(', ')} (open ${scopeText(scope)})${leftAloneText(c)}`;
}

export const planAdminPorts = defineHandler<AdminPortsInput, { Decision: string; Before: Record<string, unknown>; Summary: string }>({
  id: 'ec2AdminPorts.plan',
  description: 'Read the group and its rules; list the ingress rules open to the Internet on the admin ports.',
  permissions: [{ action: 'ec2:DescribeSecurityGroups' }, { action: 'ec2:DescribeSecurityGroupRules' }],
  outputs: { Decision: 'String', Before: 'StringMap', Summary: 'String' },
  async run(input, ctx) {
    const scope = checkInput(input);
    const group = await readGroup(ctx, input.GroupId);
    if (!group)
      return {
        Decision: 'skip',
        Before: { GroupId: input.GroupId, Group: 'not found' },
        Summary: `security group ${input.GroupId} does not exist (deleted since the finding?); nothing to do`,
      };
    const c = classifyIngress(await readGroupRules(ctx, input.GroupId), scope);
    const before = {
      GroupId: group.GroupId,
      GroupName: group.GroupName,
      VpcId: group.VpcId ?? '',
      OffendingRules: JSON.stringify(c.offending),
      ReauthorizeIpPermissions: JSON.stringify(c.offending.map(toIpPermission)),
      LeftAlone: JSON.stringify(c.leftAlone.map((l) => ({ SecurityGroupRuleId: l.rule.SecurityGroupRuleId, Reason: l.reason }))),
    };
    return {
      Decision: c.offending.length ? 'remediate' : 'compliant',
      Before: before,
      Summary: describeAdminPorts(input.GroupId, c, scope),
    };
  },
});

export const revokeAdminPorts = defineHandler<AdminPortsInput, { Changed: string }>({
  id: 'ec2AdminPorts.revoke',
  description: 'Read the rules again and revoke, by rule id, only the world-open ingress rules covering the admin ports.',
  permissions: [{ action: 'ec2:DescribeSecurityGroupRules' }, { action: 'ec2:RevokeSecurityGroupIngress' }],
  outputs: { Changed: 'String' },
  async run(input, ctx) {
    const scope = checkInput(input);
    // read again right before writing: revoke exactly what is open now, by id
    let c = classifyIngress(await readGroupRules(ctx, input.GroupId), scope);
    if (c.offending.length === 0) return { Changed: 'nothing: no offending rule is left' };
    try {
      await revokeRules(
        ctx,
        input.GroupId,
        c.offending.map((r) => r.SecurityGroupRuleId),
        'ingress',
      );
    } catch (err) {
      if (!hasErrorCode(err, 'InvalidSecurityGroupRuleId.NotFound')) throw err;
      // a rule went away between the read and the revoke: read once more and revoke what is left
      c = classifyIngress(await readGroupRules(ctx, input.GroupId), scope);
      if (c.offending.length)
        await revokeRules(
          ctx,
          input.GroupId,
          c.offending.map((r) => r.SecurityGroupRuleId),
          'ingress',
        );
    }
    return {
      Changed: c.offending.length
        ? `revoked ${c.offending.map(describeRule).join(', ')}`
        : 'nothing: the offending rules were removed meanwhile',
    };
  },
});

export const verifyAdminPorts = defineHandler<AdminPortsInput, { Verified: boolean; After: Record<string, unknown>; Unmet: string }>({
  id: 'ec2AdminPorts.verify',
  description: 'Read the live rules and check that no ingress rule opens the admin ports to the Internet.',
  permissions: [{ action: 'ec2:DescribeSecurityGroupRules' }],
  outputs: { Verified: 'Boolean', After: 'StringMap', Unmet: 'String' },
  async run(input, ctx) {
    const scope = checkInput(input);
    const rules = await readGroupRules(ctx, input.GroupId);
    const c = classifyIngress(rules, scope);
    return {
      Verified: c.offending.length === 0,
      After: {
        GroupId: input.GroupId,
        IngressRuleCount: rules.filter((r) => !r.IsEgress).length,
        OffendingRules: JSON.stringify(c.offending.map((r) => r.SecurityGroupRuleId)),
      },
      Unmet: c.offending.map((r) => `${describeRule(r)} still open`).join('; '),
    };
  },
});

export const adminPortsRunbook = defineRunbook({
  document: 'Hubfix-EC2-AdminPortsIngress',
  title: 'Revoke Internet-open ingress to SSH and RDP',
  class: 'B',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsEc2SecurityGroup',
  changes:
    'Revokes, by rule id, only the ingress rules open to 0.0.0.0/0 or ::/0 that cover port 22 or 3389 (ranges and all-protocol rules included); other rules stay.',
  guidance:
    'Remove inbound rules that open SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0; allow admin access from known CIDRs, a bastion security group, or use Session Manager instead.',
  description: `# Hubfix: no Internet-open ingress to admin ports (CIS 1.2.0 4.1/4.2, CIS 3.0.0 5.2/5.3)

Revokes only the inbound rules of one security group that open an admin port to the whole Internet, by security group rule id. Every other rule stays.

A rule is **revoked** when all of these hold:
- it is an ingress rule whose source is a CIDR with prefix length 0 (\`0.0.0.0/0\`, \`::/0\`) of a family in \`Sources\`;
- its protocol is all (\`-1\`), or TCP (and UDP when \`Protocols\` is \`tcp-and-udp\`) with a port range that includes one of \`Ports\` (a range such as 0–1024 covers 22).

A rule is **left alone**, and named in the summary, when its source is a prefix list (review its entries by hand), another security group, a narrower CIDR, or an address family the control does not cover.

The finding's control sets the scope: EC2.13 → port 22 and EC2.14 → port 3389 (TCP, both families); EC2.53 → 22 and 3389 from \`0.0.0.0/0\`, EC2.54 → 22 and 3389 from \`::/0\` (TCP and UDP, as CIS 3.0.0 asks).

1. **Plan** reads the group (\`DescribeSecurityGroups\`) and its rules (\`DescribeSecurityGroupRules\` filtered by \`group-id\`). \`Plan.Before.OffendingRules\` keeps each offending rule in full, \`Plan.Before.ReauthorizeIpPermissions\` the same rules ready to put back.
2. **Gate**: with \`DryRun\` true nothing is changed; with no offending rule the run goes straight to verify; a group that no longer exists is skipped.
3. **Revoke** reads the rules again and revokes the offending ones with \`RevokeSecurityGroupIngress\` and \`SecurityGroupRuleIds\`.
4. **Verify** reads the live rules: no offending rule may remain.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws ec2 authorize-security-group-ingress --group-id <GroupId> --ip-permissions '<Plan.Before.ReauthorizeIpPermissions>'\` (rule tags are not restored).`,
  controls: [
    {
      id: 'EC2.13',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
      aliases: { 'cis-1.2.0': ['4.1'] },
      parameters: { Ports: '22', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' },
    },
    {
      id: 'EC2.14',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389',
      aliases: { 'cis-1.2.0': ['4.2'] },
      parameters: { Ports: '3389', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' },
    },
    {
      id: 'EC2.53',
      title: 'EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports',
      aliases: { 'cis-3.0.0': ['5.2'] },
      parameters: { Ports: '22,3389', Protocols: 'tcp-and-udp', Sources: 'ipv4' },
    },
    {
      id: 'EC2.54',
      title: 'EC2 security groups should not allow ingress from ::/0 to remote server administration ports',
      aliases: { 'cis-3.0.0': ['5.3'] },
      parameters: { Ports: '22,3389', Protocols: 'tcp-and-udp', Sources: 'ipv6' },
    },
  ],
  extract: [
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
  ],
  parameters: {
    GroupId: param.string({
      description: 'The security group whose Internet-open admin-port ingress rules are revoked.',
      pattern: patterns.securityGroupId,
    }),
    Ports: param.string({
      description: 'Admin ports, comma-separated (1–10 ports, 1–65535). Set by the control: EC2.13 22, EC2.14 3389, EC2.53/EC2.54 22,3389.',
      default: '22,3389',
      pattern: patterns.portList,
    }),
    Protocols: param.choice(PROTOCOL_SCOPES, {
      description: 'tcp: TCP and all-protocol rules count (EC2.13/14). tcp-and-udp: UDP rules count too (EC2.53/54, CIS 3.0.0).',
      default: 'tcp',
    }),
    Sources: param.choice(SOURCE_SCOPES, {
      description: 'Which world-open sources count: both 0.0.0.0/0 and ::/0 (EC2.13/14), only 0.0.0.0/0 (EC2.53), only ::/0 (EC2.54).',
      default: 'ipv4-and-ipv6',
    }),
  },
  body(p) {
    const input = { GroupId: p.GroupId, Ports: p.Ports, Protocols: p.Protocols, Sources: p.Sources };
    const plan = script({
      name: 'Plan',
      description: 'Read the rules; capture the offending ones in full (before-state).',
      handler: planAdminPorts,
      input,
    });
    const revoke = script({ name: 'Revoke', description: 'Revoke the offending ingress rules by id.', handler: revokeAdminPorts, input });
    const verify = script({ name: 'Verify', description: 'Check that no offending rule remains.', handler: verifyAdminPorts, input });
    return {
      plan: [plan],
      remediate: [revoke],
      verify: [verify],
      decision: plan.out.Decision,
      before: plan.out.Before,
      summary: plan.out.Summary,
      changed: revoke.out.Changed,
      after: verify.out.After,
      verified: verify.out.Verified,
      reason: verify.out.Unmet,
    };
  },
});
