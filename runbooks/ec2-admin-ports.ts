import { defineHandler } from '../src/model/handlers';
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
  type SecurityGroupRule,
  SECURITY_GROUP_EXTRACT,
  describeRule,
  isRuleGone,
  normalProtocol,
  readGroup,
  readGroupRules,
  revokeRules,
  sourceOf,
  toIpPermission,
} from './support/security-group';
import { InvalidSettingError } from './support/settings';

/** Which protocols count: `tcp` (EC2.13/14: SSH and RDP over TCP) or `tcp-and-udp` (CIS 3.0.0 5.2/5.3, EC2.53/54). */
export const PROTOCOL_SCOPES = ['tcp', 'tcp-and-udp'] as const;
export type ProtocolScope = (typeof PROTOCOL_SCOPES)[number];

/** Which world-open sources count: EC2.13/14 both, EC2.53 only 0.0.0.0/0, EC2.54 only ::/0. */
export const SOURCE_SCOPES = ['ipv4-and-ipv6', 'ipv4', 'ipv6'] as const;
export type SourceScope = (typeof SOURCE_SCOPES)[number];

/** `22,3389` → [22, 3389]; anything else (spaces, 0, > 65535, duplicates kept once) is refused. Pure. */
export function parsePorts(value: string): number[] {
  if (typeof value !== 'string' || !new RegExp(patterns.portList).test(value))
    throw new InvalidSettingError(`Ports ${JSON.stringify(value)} must be 1 to 10 ports from 1 to 65535, comma-separated (e.g. 22,3389)`);
  return [...new Set(value.split(',').map(Number))].sort((a, b) => a - b);
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

interface AdminPortsInput {
  GroupId: string;
  Ports: string;
  Protocols: ProtocolScope;
  Sources: SourceScope;
}

function checkInput(input: AdminPortsInput): RuleScope {
  if (typeof input.GroupId !== 'string' || !new RegExp(patterns.securityGroupId).test(input.GroupId))
    throw new InvalidSettingError(`GroupId ${JSON.stringify(input.GroupId)} is not a security group id`);
  if (!PROTOCOL_SCOPES.includes(input.Protocols)) throw new InvalidSettingError(`Protocols must be one of ${PROTOCOL_SCOPES.join(', ')}`);
  if (!SOURCE_SCOPES.includes(input.Sources)) throw new InvalidSettingError(`Sources must be one of ${SOURCE_SCOPES.join(', ')}`);
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

export const planAdminPorts = defineHandler<AdminPortsInput, PlanResult>({
  id: 'ec2AdminPorts.plan',
  description: 'Read the group and its rules; list the ingress rules open to the Internet on the admin ports.',
  permissions: [{ action: 'ec2:DescribeSecurityGroups' }, { action: 'ec2:DescribeSecurityGroupRules' }],
  outputs: PLAN_OUTPUTS,
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

export const revokeAdminPorts = defineHandler<AdminPortsInput, ChangeResult>({
  id: 'ec2AdminPorts.revoke',
  description: 'Read the rules again and revoke, by rule id, only the world-open ingress rules covering the admin ports.',
  permissions: [{ action: 'ec2:DescribeSecurityGroupRules' }, { action: 'ec2:RevokeSecurityGroupIngress' }],
  outputs: CHANGE_OUTPUTS,
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
      if (!isRuleGone(err)) throw err;
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

export const verifyAdminPorts = defineHandler<AdminPortsInput, VerifyResult>({
  id: 'ec2AdminPorts.verify',
  description: 'Read the live rules and check that no ingress rule opens the admin ports to the Internet.',
  permissions: [{ action: 'ec2:DescribeSecurityGroupRules' }],
  outputs: VERIFY_OUTPUTS,
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
  extract: SECURITY_GROUP_EXTRACT,
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
    return scriptPhases({
      input,
      plan: { handler: planAdminPorts, description: 'Read the rules; capture the offending ones in full (before-state).' },
      change: { name: 'Revoke', handler: revokeAdminPorts, description: 'Revoke the offending ingress rules by id.' },
      verify: { handler: verifyAdminPorts, description: 'Check that no offending rule remains.' },
    });
  },
});
