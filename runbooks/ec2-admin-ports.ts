import { type ScriptContext, defineHandler } from '../src/model/handlers';
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
import { errorCode, hasErrorCode } from '../src/aws/invoker';
import {
  type IpPermission,
  type SecurityGroupRule,
  SECURITY_GROUP_EXTRACT,
  authorizeIngress,
  describeRule,
  isDefaultGroup,
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

/** A port range, both ends included. */
export type PortRange = [from: number, to: number];

/** Every TCP/UDP port, as a rule with no range (or -1) means. */
export const ALL_PORTS: PortRange = [0, 65535];

/** The ports of a TCP/UDP rule as a range; a missing or -1 end means every port. Pure. */
export function portRangeOf(rule: Pick<SecurityGroupRule, 'FromPort' | 'ToPort'>): PortRange {
  const { FromPort: from, ToPort: to } = rule;
  if (from === undefined || to === undefined || from === -1 || to === -1) return [...ALL_PORTS];
  return [from, to];
}

/** `from..to` without `ports`: the ranges that remain, in order (empty when nothing does). Pure. */
export function subtractPorts(range: PortRange, ports: readonly number[]): PortRange[] {
  const [from, to] = range;
  const out: PortRange[] = [];
  let next = from;
  for (const p of [...new Set(ports)].sort((a, b) => a - b)) {
    if (p < next || p > to) continue;
    if (p > next) out.push([next, p - 1]);
    next = p + 1;
  }
  if (next <= to) out.push([next, to]);
  return out;
}

/** The admin ports of EC2.13/14/53/54: every narrowed rule loses them, whichever control found it. */
export const ADMIN_PORTS: readonly number[] = [22, 3389];

/**
 * The ports a narrowed rule loses: 22 and 3389 plus the run's own `Ports`, on TCP and UDP alike.
 * The same for every control, so that the EC2.13, 14, 53 and 54 findings of one group, fixed at the
 * same time, narrow a shared wide rule the same way (their replacements coincide) and none re-opens
 * a port another has just closed. Pure.
 */
export function closedPorts(scope: Pick<RuleScope, 'ports'>): number[] {
  return [...new Set([...ADMIN_PORTS, ...scope.ports])].sort((a, b) => a - b);
}

/**
 * What becomes of one offending rule (a world-open CIDR rule covering an admin port):
 * - `revoke`: the rule opens nothing but admin ports, so it goes;
 * - `replace`: the same rule (source, description) on what remains is added first, then the wide
 *   rule is revoked. `notCarried` says what the replacement does not keep open.
 *
 * TCP or UDP: the rule's range minus the closed ports. All protocols (`-1`) cannot be written as
 * port ranges; it becomes TCP and UDP on every port but the closed ones, and ICMP (ICMPv6 for an
 * IPv6 source) on every type. Other IP protocols (GRE, ESP, AH, SCTP, ...) would need one rule each;
 * they are not carried over, and the plan says so. Pure.
 */
export type RulePlan =
  | { rule: SecurityGroupRule; action: 'revoke' }
  | { rule: SecurityGroupRule; action: 'replace'; permissions: IpPermission[]; notCarried?: string };

export const NOT_CARRIED_BY_ALL_TRAFFIC = 'other IP protocols (GRE, ESP, AH, SCTP, ...) are no longer open';

export function planRule(rule: SecurityGroupRule, scope: RuleScope): RulePlan {
  const p = normalProtocol(rule.IpProtocol);
  const family = worldOpenFamily(rule);
  const closed = closedPorts(scope);
  const on = (protocol: string, ranges: PortRange[]): IpPermission[] =>
    ranges.map(([from, to]) => sameSource(rule, { IpProtocol: protocol, FromPort: from, ToPort: to }));
  if (p === '-1') {
    const rest = subtractPorts(ALL_PORTS, closed);
    const icmp = sameSource(rule, { IpProtocol: family === 'ipv6' ? 'icmpv6' : 'icmp', FromPort: -1, ToPort: -1 });
    return { rule, action: 'replace', permissions: [...on('tcp', rest), ...on('udp', rest), icmp], notCarried: NOT_CARRIED_BY_ALL_TRAFFIC };
  }
  const remaining = subtractPorts(portRangeOf(rule), closed);
  if (remaining.length === 0) return { rule, action: 'revoke' };
  return { rule, action: 'replace', permissions: on(p, remaining) };
}

/** A permission with the rule's own CIDR source and description. Pure. */
function sameSource(rule: SecurityGroupRule, perm: IpPermission): IpPermission {
  const d = rule.Description ? { Description: rule.Description } : {};
  if (rule.CidrIpv6) return { ...perm, Ipv6Ranges: [{ CidrIpv6: rule.CidrIpv6, ...d }] };
  return { ...perm, IpRanges: [{ CidrIp: String(rule.CidrIpv4), ...d }] };
}

/** True when the rule is an ingress rule opening exactly this permission (its one CIDR). Pure. */
export function opensPermission(rule: SecurityGroupRule, perm: IpPermission): boolean {
  const cidr4 = perm.IpRanges?.[0]?.CidrIp;
  const cidr6 = perm.Ipv6Ranges?.[0]?.CidrIpv6;
  const ports = (from?: number, to?: number) => `${from ?? -1}:${to ?? -1}`;
  return (
    !rule.IsEgress &&
    normalProtocol(rule.IpProtocol) === normalProtocol(perm.IpProtocol) &&
    ports(rule.FromPort, rule.ToPort) === ports(perm.FromPort, perm.ToPort) &&
    (cidr4 !== undefined ? rule.CidrIpv4 === cidr4 : rule.CidrIpv6 === cidr6)
  );
}

/** True when an ingress rule of the group already opens exactly this permission (its one CIDR). Pure. */
export function isPermissionPresent(rules: readonly SecurityGroupRule[], perm: IpPermission): boolean {
  return rules.some((r) => opensPermission(r, perm));
}

/** One successful AuthorizeSecurityGroupIngress of a run: the wide rule it replaces, what it added, the rules read before. */
export interface Addition {
  wide: SecurityGroupRule;
  permissions: IpPermission[];
  /** Ids of every rule of the group (ingress and egress) in the read the additions were based on. */
  seen: ReadonlySet<string>;
}

/** An addition whose wide rule somebody else removed before this run could revoke it. */
export interface OrphanedAddition {
  addition: Addition;
  /** The rules this run added that are still there: they open an added permission and were not in the read before adding. */
  added: SecurityGroupRule[];
  /** No rule read before adding is left: the group was emptied meanwhile (as EC2.2 does), not narrowed (as a sibling run does). */
  emptied: boolean;
}

/**
 * The additions whose wide rule is gone from `rules` though this run never revoked it. A
 * replacement only keeps open what its wide rule opened; once somebody else removed that rule it
 * keeps nothing. Rules that were there before the run added (identical or not) are never counted
 * as added. Pure.
 */
export function orphanedAdditions(
  additions: readonly Addition[],
  revokedByRun: ReadonlySet<string>,
  rules: readonly SecurityGroupRule[],
): OrphanedAddition[] {
  const present = new Set(rules.map((r) => r.SecurityGroupRuleId));
  return additions
    .filter((a) => !revokedByRun.has(a.wide.SecurityGroupRuleId) && !present.has(a.wide.SecurityGroupRuleId))
    .map((addition) => ({
      addition,
      added: rules.filter(
        (r) => !addition.seen.has(r.SecurityGroupRuleId) && addition.permissions.some((perm) => opensPermission(r, perm)),
      ),
      emptied: [...addition.seen].every((id) => !present.has(id)),
    }));
}

/**
 * Whether this run takes back what it added for an orphaned wide rule: only on a default group
 * that was emptied meanwhile. EC2.2 (CIS 4.3) empties default groups, reading until it finds none;
 * rules added after its last read would re-open the group it closed. A sibling admin-ports run
 * revokes only the wide rule once the (shared) replacements are there: the group keeps its other
 * rules, and withdrawing would close ports the group had open. Pure.
 */
export function orphanVerdict(o: OrphanedAddition, groupId: string, defaultGroup: boolean): { withdraw: boolean; why: string } {
  if (o.added.length === 0) return { withdraw: false, why: 'those rules are gone too' };
  if (!o.emptied)
    return {
      withdraw: false,
      why: 'kept: the group still has rules this run read before adding them (narrowed, as another admin-ports run does, not emptied)',
    };
  if (!defaultGroup) return { withdraw: false, why: `kept: ${groupId} was emptied meanwhile but is not a default group` };
  return {
    withdraw: true,
    why: `default group ${groupId} was emptied meanwhile (as EC2.2 does): kept, they would re-open it`,
  };
}

/** One phrase for an orphaned addition, with the ids this run withdrew (empty when it kept them). Pure. */
export function describeOrphan(o: OrphanedAddition, why: string, withdrawn: readonly string[]): string {
  const { wide, permissions } = o.addition;
  const what = `${describePermissions(permissions)} from ${sourceOf(wide)}`;
  const lost = `${describeRule(wide)} was removed by someone else after this run added ${what} to replace it`;
  if (withdrawn.length === 0) return `${lost}; ${why}`;
  return `${lost}; withdrew ${withdrawn.join(', ')} again: ${why}`;
}

/** `tcp 0-21, 23-65535; udp 0-65535; icmp` for a list of single-range permissions. Pure. */
export function describePermissions(perms: readonly IpPermission[]): string {
  const byProtocol = new Map<string, string[]>();
  for (const perm of perms) {
    const p = normalProtocol(perm.IpProtocol);
    const ranges = byProtocol.get(p) ?? [];
    if (perm.FromPort !== undefined && perm.FromPort !== -1)
      ranges.push(perm.FromPort === perm.ToPort ? `${perm.FromPort}` : `${perm.FromPort}-${perm.ToPort}`);
    byProtocol.set(p, ranges);
  }
  return [...byProtocol].map(([p, ranges]) => (ranges.length ? `${p} ${ranges.join(', ')}` : `${p} all`)).join('; ');
}

/** One phrase for a rule plan. Pure. */
export function describeRulePlan(plan: RulePlan): string {
  if (plan.action === 'revoke') return `revoke ${describeRule(plan.rule)}`;
  const extra = plan.notCarried ? `; ${plan.notCarried}` : '';
  return `replace ${describeRule(plan.rule)} by ${describePermissions(plan.permissions)} from ${sourceOf(plan.rule)}${extra}`;
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
  const plans = c.offending.map((r) => describeRulePlan(planRule(r, scope)));
  return `${groupId}: ${plans.join('; ')} (open ${scopeText(scope)})${leftAloneText(c)}`;
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
      Replacements: JSON.stringify(
        c.offending.map((r) => planRule(r, scope)).flatMap((p) => (p.action === 'replace' ? p.permissions : [])),
      ),
      LeftAlone: JSON.stringify(c.leftAlone.map((l) => ({ SecurityGroupRuleId: l.rule.SecurityGroupRuleId, Reason: l.reason }))),
    };
    return {
      Decision: c.offending.length ? 'remediate' : 'compliant',
      Before: before,
      Summary: describeAdminPorts(input.GroupId, c, scope),
    };
  },
});

/** Authorize errors that mean this replacement cannot be made: the wide rule is then left alone. */
const CANNOT_REPLACE = ['RulesPerSecurityGroupLimitExceeded', 'InvalidParameterValue', 'InvalidPermission.Malformed'];

/** Rounds of read → authorize → read back → revoke; another run on the same group may add rules meanwhile. */
const MAX_ROUNDS = 4;

export const replaceAdminPorts = defineHandler<AdminPortsInput, ChangeResult>({
  id: 'ec2AdminPorts.revoke',
  description:
    'Read the rules again; for each world-open rule covering an admin port, first add the same rule on the ports that remain, read them back, then revoke the wide rule by id. Take the added rules back when another actor emptied the default group meanwhile.',
  permissions: [
    { action: 'ec2:DescribeSecurityGroupRules' },
    { action: 'ec2:AuthorizeSecurityGroupIngress' },
    { action: 'ec2:RevokeSecurityGroupIngress' },
    // only when a wide rule vanished under the run: is the group a default group?
    { action: 'ec2:DescribeSecurityGroups' },
  ],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const scope = checkInput(input);
    const done: string[] = [];
    const leftAlone = new Map<string, string>();
    const additions: Addition[] = [];
    const revokedByRun = new Set<string>();
    let rules: SecurityGroupRule[] = [];
    let settled = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // read again right before writing: act on exactly what is open now, by id
      rules = await readGroupRules(ctx, input.GroupId);
      const plans = classifyIngress(rules, scope)
        .offending.filter((r) => !leftAlone.has(r.SecurityGroupRuleId))
        .map((r) => planRule(r, scope));
      if (plans.length === 0) {
        settled = true;
        break;
      }
      const seen = new Set(rules.map((r) => r.SecurityGroupRuleId));
      const ready: RulePlan[] = [];
      let added = false;
      for (const plan of plans) {
        if (plan.action === 'revoke') {
          ready.push(plan);
          continue;
        }
        const missing = plan.permissions.filter((perm) => !isPermissionPresent(rules, perm));
        if (missing.length === 0) {
          ready.push(plan);
          continue;
        }
        try {
          await authorizeIngress(ctx, input.GroupId, missing);
          additions.push({ wide: plan.rule, permissions: missing, seen });
          added = true;
          ready.push(plan);
        } catch (err) {
          if (hasErrorCode(err, 'InvalidPermission.Duplicate')) continue; // added meanwhile: next round reads it
          if (!hasErrorCode(err, ...CANNOT_REPLACE)) throw err;
          leftAlone.set(plan.rule.SecurityGroupRuleId, `the rules on the remaining ports could not be added (${errorCode(err)})`);
        }
      }
      // verify the replacements are there before the wide rule goes
      if (added) rules = await readGroupRules(ctx, input.GroupId);
      const revocable = ready.filter((plan) => {
        if (!rules.some((r) => r.SecurityGroupRuleId === plan.rule.SecurityGroupRuleId)) return false; // gone meanwhile: see orphans below
        if (plan.action === 'revoke' || plan.permissions.every((perm) => isPermissionPresent(rules, perm))) return true;
        leftAlone.set(plan.rule.SecurityGroupRuleId, 'the rules on the remaining ports were not found after adding them');
        return false;
      });
      if (revocable.length === 0) continue;
      try {
        const ids = revocable.map((plan) => plan.rule.SecurityGroupRuleId);
        await revokeRules(ctx, input.GroupId, ids, 'ingress');
        for (const id of ids) revokedByRun.add(id);
        done.push(...revocable.map((plan) => doneText(plan)));
      } catch (err) {
        // a rule went away between the read and the revoke: the next round reads what is left
        if (!isRuleGone(err)) throw err;
      }
    }
    const parts = [...done];
    for (const [id, why] of leftAlone) parts.push(`left alone ${id}: ${why}`);
    if (additions.some((a) => !revokedByRun.has(a.wide.SecurityGroupRuleId))) {
      const latest = settled ? rules : await readGroupRules(ctx, input.GroupId);
      parts.push(...(await settleOrphans(ctx, input.GroupId, orphanedAdditions(additions, revokedByRun, latest))));
    }
    return {
      Changed: parts.length
        ? parts.join('; ')
        : 'nothing: the offending rules were gone by the time of the change (another run or a person removed them)',
    };
  },
});

/**
 * Withdraws, on an emptied default group, the rules this run added for wide rules somebody else
 * removed (see `orphanVerdict`), by id; the group is read only when that case arises. A rule
 * already gone when withdrawn (EC2.2 may take it meanwhile) is read again and skipped.
 */
async function settleOrphans(ctx: ScriptContext, groupId: string, orphans: readonly OrphanedAddition[]): Promise<string[]> {
  const mayWithdraw = orphans.some((o) => o.emptied && o.added.length > 0);
  const defaultGroup = mayWithdraw && isDefaultGroup(await readGroup(ctx, groupId));
  const verdicts = orphans.map((o) => ({ o, ...orphanVerdict(o, groupId, defaultGroup) }));
  let ids = [...new Set(verdicts.filter((v) => v.withdraw).flatMap((v) => v.o.added.map((r) => r.SecurityGroupRuleId)))];
  const withdrawn = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS && ids.length > 0; round++) {
    try {
      await revokeRules(ctx, groupId, ids, 'ingress');
      for (const id of ids) withdrawn.add(id);
      break;
    } catch (err) {
      if (!isRuleGone(err)) throw err;
      const present = new Set((await readGroupRules(ctx, groupId)).map((r) => r.SecurityGroupRuleId));
      ids = ids.filter((id) => present.has(id));
    }
  }
  return verdicts.map(({ o, why, withdraw }) => {
    const mine = withdraw ? o.added.map((r) => r.SecurityGroupRuleId).filter((id) => withdrawn.has(id)) : [];
    return describeOrphan(o, withdraw && mine.length === 0 ? 'those rules are gone too' : why, mine);
  });
}

function doneText(plan: RulePlan): string {
  if (plan.action === 'revoke') return `revoked ${describeRule(plan.rule)}`;
  const extra = plan.notCarried ? ` (${plan.notCarried})` : '';
  return `replaced ${describeRule(plan.rule)} by ${describePermissions(plan.permissions)} from ${sourceOf(plan.rule)}${extra}`;
}

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
      Unmet: c.offending.map((r) => `${describeRule(r)} is still open: narrow it or remove it by hand`).join('; '),
    };
  },
});

export const adminPortsRunbook = defineRunbook({
  document: 'Hubfix-EC2-AdminPortsIngress',
  title: 'Close Internet-open ingress to SSH and RDP, keeping the other ports',
  class: 'B',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsEc2SecurityGroup',
  changes:
    'Closes port 22/3389 to 0.0.0.0/0 and ::/0 only: a rule on just the admin ports is revoked by id; a wider world-open rule (a range, all traffic) is replaced by the same rule on the ports that remain, added and read back before the wide rule is revoked.',
  guidance:
    'Remove inbound rules that open SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0; allow admin access from known CIDRs, a bastion security group, or use Session Manager instead.',
  description: `# Hubfix: no Internet-open ingress to admin ports (CIS 1.2.0 4.1/4.2, CIS 3.0.0 5.2/5.3)

Closes the admin ports of one security group to the whole Internet and changes nothing else: public 80/443 on a web-facing group stay open.

A rule is **offending** when all of these hold:
- it is an ingress rule whose source is a CIDR with prefix length 0 (\`0.0.0.0/0\`, \`::/0\`) of a family in \`Sources\`;
- its protocol is all (\`-1\`), or TCP (and UDP when \`Protocols\` is \`tcp-and-udp\`) with a port range that includes one of \`Ports\` (a range such as 0–1024 covers 22).

What becomes of an offending rule:
- a rule on nothing but admin ports (\`tcp 22\`) is **revoked**;
- a TCP or UDP rule whose range reaches beyond the admin ports is **replaced** by the same rule (same source, same description) on the ranges that remain: \`tcp 0-65535\` becomes \`tcp 0-21\`, \`tcp 23-3388\` and \`tcp 3390-65535\`;
- an all-traffic rule (\`-1\`) is **replaced** by TCP and UDP on every port but the admin ports, and ICMP on every type (ICMPv6 for \`::/0\`). Other IP protocols (GRE, ESP, AH, SCTP, ...) would each need a rule of their own and are **not** carried over; the plan and the change say so, and \`Plan.Before\` holds the original rule to put back.
- when the replacement cannot be added (the group's rule quota, \`RulesPerSecurityGroupLimitExceeded\`) the wide rule is **left alone**: verify then fails naming it, and the finding is NOTIFIED rather than RESOLVED.

A rule is never touched, and is named in the summary, when its source is a prefix list (review its entries by hand), another security group, a narrower CIDR, or an address family the control does not cover.

The ports a narrowed rule loses are always 22 and 3389 (plus any other port in \`Ports\`), on TCP and UDP, whichever control found the rule: a group with all traffic open fails EC2.13, 14, 53 and 54 at once, their runs narrow the shared rule the same way, and none re-opens a port another has just closed.

A wide rule on a VPC's **default** group is replaced the same way: emptying a default group is EC2.2's change (CIS 4.3), made only when no network interface uses the group and only where the operator runs it; closing the admin ports must not cut the rest of that traffic.

**When another actor removes the wide rule meanwhile.** A replacement only keeps open what its wide rule opened. If the wide rule is gone before this run revokes it, after this run added replacements for it:
- and the group is a default group and every rule this run read before adding is gone too — the group was **emptied** meanwhile, as EC2.2 does (it reads until it finds no rule, so it cannot see rules added after its last read) — the rules this run added are **revoked again** by id, and \`Revoke.Changed\` says so. Rules that were there before (even identical ones) are never touched;
- otherwise they are kept, and \`Revoke.Changed\` says why: another admin-ports run for the same group (EC2.13 and EC2.14 on one all-traffic rule) adds the same replacements and revokes only the wide rule, so the group keeps its other rules, and withdrawing would close ports it had open. On a group that is not a default group nothing empties it but a person.

The finding's control sets the scope (which rules are offending): EC2.13 → port 22 and EC2.14 → port 3389 (TCP, both families); EC2.53 → 22 and 3389 from \`0.0.0.0/0\`, EC2.54 → 22 and 3389 from \`::/0\` (TCP and UDP, as CIS 3.0.0 asks).

1. **Plan** reads the group (\`DescribeSecurityGroups\`) and its rules (\`DescribeSecurityGroupRules\` filtered by \`group-id\`). \`Plan.Before.OffendingRules\` keeps each offending rule in full, \`Plan.Before.ReauthorizeIpPermissions\` the same rules ready to put back, \`Plan.Before.Replacements\` the rules that will be added.
2. **Gate**: with \`DryRun\` true nothing is changed; with no offending rule the run goes straight to verify; a group that no longer exists is skipped.
3. **Revoke** reads the rules again. For each rule to replace it adds the missing replacement rules in one \`AuthorizeSecurityGroupIngress\` call (all or none), reads the rules back and only when every replacement is there revokes the wide rule with \`RevokeSecurityGroupIngress\` and \`SecurityGroupRuleIds\`. It repeats (at most 4 rounds) while offending rules appear, as when several controls fix one group at once. When a wide rule it added replacements for was removed by someone else, it reads the group (\`DescribeSecurityGroups\`) and, on an emptied default group, revokes its own replacements again (above).
4. **Verify** reads the live rules: no offending rule may remain.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws ec2 authorize-security-group-ingress --group-id <GroupId> --ip-permissions '<Plan.Before.ReauthorizeIpPermissions>'\`, then revoke the rules listed in \`Plan.Before.Replacements\` (rule tags are not restored).`,
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
      change: {
        name: 'Revoke',
        handler: replaceAdminPorts,
        description: 'Keep the other ports of each offending rule open (add first, read back), then revoke it by id.',
      },
      verify: { handler: verifyAdminPorts, description: 'Check that no offending rule remains.' },
    });
  },
});
