import { hasErrorCode } from '../src/aws/invoker';
import { partitionArn, permissionFor } from '../src/iam/actions';
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
import { type ControlSpec, defineRunbook } from '../src/model/runbook';
import { parseArn } from './support/arn';
import { CIS_METRIC_FILTERS, type CisMetricFilter, cisMetricFilter } from './support/cis-metric-filters';
import { InvalidSettingError } from './support/settings';
import type { Trail } from './support/trail';

/**
 * CloudWatch.1–14 (CIS 1.2.0 1.1, 3.1–3.14): one runbook for the fourteen metric-filter alarms. The
 * control (a parameter the catalog sets per control) picks the exact CIS pattern from
 * `CIS_METRIC_FILTERS`; everything else is the same chain: a multi-Region trail of this account,
 * logging management events into a CloudWatch Logs group → the metric filter on that group → an
 * alarm on its metric (≥ 1 in one period) → an SNS topic with a confirmed subscriber.
 */

export const ORDER = 'CloudTrail.1 → CloudTrail.5 → this control';
export const DEFAULT_NAMESPACE = 'LogMetrics';
const ALARM_PERIOD_SECONDS = 300;
const NAME_PREFIX = 'hubfix-';

/** The trail facts the chain depends on. */
export interface TrailView extends Pick<Trail, 'Name' | 'TrailARN' | 'HomeRegion' | 'IsMultiRegionTrail' | 'IsOrganizationTrail'> {
  CloudWatchLogsLogGroupArn?: string;
  IsLogging?: boolean;
  /** True when the trail's selectors log read and write management events. */
  ManagementEvents?: boolean;
}

export interface MetricFilterView {
  filterName: string;
  filterPattern?: string;
  metricTransformations?: Array<{ metricName: string; metricNamespace: string }>;
}

export interface AlarmView {
  AlarmName: string;
  ActionsEnabled?: boolean;
  AlarmActions?: string[];
  ComparisonOperator?: string;
  Threshold?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
}

/** Per topic ARN: how many confirmed subscriptions it has (-1: the topic does not exist here). */
export type TopicSubscribers = Record<string, number>;

interface Here {
  account: string;
  region: string;
  partition: string;
}

/** The log group name inside `arn:…:log-group:NAME:*`. Pure. */
export function logGroupNameOf(arn: string): string {
  return /:log-group:(.+?)(:\*)?$/.exec(arn)?.[1] ?? '';
}

/**
 * Why a trail cannot carry the chain here, or undefined when it can. Security Hub evaluates a
 * multi-Region trail only in its home Region and only for the account that owns it. Pure.
 */
export function trailProblem(t: TrailView, here: Here): string | undefined {
  const owner = parseArn(t.TrailARN)?.account;
  if (owner && owner !== here.account)
    return `trail ${t.Name} belongs to account ${owner}${t.IsOrganizationTrail ? ' (an organization trail)' : ''}: Security Hub reports these controls as NO_DATA in member accounts; put the filters and alarms on its log group in account ${owner}`;
  if (t.IsMultiRegionTrail !== true) return `trail ${t.Name} is not multi-Region (CloudTrail.1)`;
  if (t.HomeRegion && t.HomeRegion !== here.region)
    return `trail ${t.Name} has its home Region ${t.HomeRegion}: run this runbook there (its log group is there)`;
  if (t.IsLogging !== true) return `trail ${t.Name} is not logging (CloudTrail.1)`;
  if (t.ManagementEvents !== true) return `trail ${t.Name} does not log read and write management events (CloudTrail.1)`;
  if (!t.CloudWatchLogsLogGroupArn) return `trail ${t.Name} does not send to CloudWatch Logs (CloudTrail.5)`;
  return undefined;
}

/** An alarm that fires when the metric is ≥ 1 in one period, with its actions on. Pure. */
export function alarmFiresOnOne(a: AlarmView): boolean {
  if (a.ActionsEnabled === false) return false;
  if (a.EvaluationPeriods !== 1 || (a.DatapointsToAlarm ?? 1) !== 1) return false;
  const t = a.Threshold;
  if (typeof t !== 'number') return false;
  if (a.ComparisonOperator === 'GreaterThanOrEqualToThreshold') return t > 0 && t <= 1;
  if (a.ComparisonOperator === 'GreaterThanThreshold') return t >= 0 && t < 1;
  return false;
}

/** The alarm's SNS actions that reach a confirmed subscriber. Pure. */
export function heardTopics(a: AlarmView, subscribers: TopicSubscribers): string[] {
  return (a.AlarmActions ?? []).filter((arn) => parseArn(arn)?.service === 'sns' && (subscribers[arn] ?? 0) > 0);
}

/** The SNS topic the runbook's alarm notifies: the one given, else the notification topic's peer here. Pure. */
export function alarmTopicFor(given: string, notificationTopicArn: string, here: Here): string {
  if (given) return given;
  const peer = parseArn(notificationTopicArn);
  if (peer?.service !== 'sns') return '';
  return `arn:${here.partition}:sns:${here.region}:${here.account}:${peer.resource}`;
}

export function filterName(f: CisMetricFilter): string {
  return `${NAME_PREFIX}${f.control}-${f.name}`;
}

export function alarmName(f: CisMetricFilter): string {
  return `${NAME_PREFIX}${f.control}-${f.name}`;
}

/** What the chain looks like for one trail, read from the live account. */
export interface Chain {
  trail?: TrailView;
  /** Why no trail can carry the chain (when `trail` is absent). */
  noTrail?: string;
  logGroupName?: string;
  /** The filter with the exact CIS pattern on the group, if any. */
  filter?: { filterName: string; metricName: string; namespace: string };
  /** Alarms on that filter's metric. */
  alarms: AlarmView[];
  subscribers: TopicSubscribers;
}

/** What is still missing in a chain, empty when the control is met. Pure. */
export function chainGaps(c: Chain, f: CisMetricFilter): string[] {
  if (!c.trail) return [c.noTrail ?? 'no suitable trail'];
  if (!c.filter) return [`no metric filter with the exact CIS ${f.cis.join('/')} pattern on log group ${c.logGroupName}`];
  const firing = c.alarms.filter(alarmFiresOnOne);
  if (firing.length === 0)
    return [`no alarm on metric ${c.filter.namespace}/${c.filter.metricName} that fires at ≥ 1 in one period with its actions on`];
  if (!firing.some((a) => heardTopics(a, c.subscribers).length > 0))
    return [`no alarm on ${c.filter.metricName} notifies an SNS topic with a confirmed subscriber`];
  return [];
}

async function trailViews(ctx: ScriptContext): Promise<TrailView[]> {
  const out = await ctx.aws<{ trailList?: Trail[] }>('cloudtrail', 'DescribeTrails', { includeShadowTrails: true });
  const views: TrailView[] = [];
  for (const t of out.trailList ?? []) {
    const view: TrailView = { ...t };
    const here: Here = { account: ctx.account, region: ctx.region, partition: ctx.partition };
    // only a trail that can be evaluated here is worth the two reads
    const owner = parseArn(t.TrailARN)?.account;
    if (owner === ctx.account && t.IsMultiRegionTrail === true && (!t.HomeRegion || t.HomeRegion === here.region)) {
      const status = await ctx.aws<{ IsLogging?: boolean }>('cloudtrail', 'GetTrailStatus', { Name: t.TrailARN });
      view.IsLogging = status.IsLogging === true;
      const sel = await ctx.aws<{
        EventSelectors?: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }>;
        AdvancedEventSelectors?: Array<{ FieldSelectors?: Array<{ Field?: string; Equals?: string[] }> }>;
      }>('cloudtrail', 'GetEventSelectors', { TrailName: t.TrailARN });
      view.ManagementEvents = managementEventsLogged(sel.EventSelectors, sel.AdvancedEventSelectors);
    }
    views.push(view);
  }
  return views.sort((a, b) => a.Name.localeCompare(b.Name));
}

/** Read and write management events: a basic selector `All` + management, or an advanced one on the Management category with no readOnly filter. Pure. */
export function managementEventsLogged(
  basic: Array<{ ReadWriteType?: string; IncludeManagementEvents?: boolean }> = [],
  advanced: Array<{ FieldSelectors?: Array<{ Field?: string; Equals?: string[] }> }> = [],
): boolean {
  if (basic.some((s) => s.IncludeManagementEvents === true && (s.ReadWriteType ?? 'All') === 'All')) return true;
  return advanced.some((a) => {
    const fields = a.FieldSelectors ?? [];
    const management = fields.some((f) => f.Field === 'eventCategory' && (f.Equals ?? []).includes('Management'));
    const readOnly = fields.some((f) => f.Field === 'readOnly');
    return management && !readOnly;
  });
}

async function subscribersOf(ctx: ScriptContext, topicArn: string): Promise<number> {
  const region = parseArn(topicArn)?.region || ctx.region;
  let confirmed = 0;
  let next: string | undefined;
  try {
    do {
      const out = await ctx.aws<{ Subscriptions?: Array<{ SubscriptionArn?: string }>; NextToken?: string }>(
        'sns',
        'ListSubscriptionsByTopic',
        { TopicArn: topicArn, ...(next ? { NextToken: next } : {}) },
        { region },
      );
      confirmed += (out.Subscriptions ?? []).filter((s) => (s.SubscriptionArn ?? '').startsWith('arn:')).length;
      next = out.NextToken;
    } while (next && confirmed === 0);
  } catch (err) {
    if (hasErrorCode(err, 'NotFound', 'NotFoundException', 'AuthorizationError')) return -1;
    throw err;
  }
  return confirmed;
}

/** Read the whole chain for one control from the live account. */
export async function readChain(ctx: ScriptContext, f: CisMetricFilter, topicArn: string): Promise<Chain> {
  const here: Here = { account: ctx.account, region: ctx.region, partition: ctx.partition };
  const trails = await trailViews(ctx);
  const usable = trails.filter((t) => trailProblem(t, here) === undefined);
  if (usable.length === 0) {
    const why = trails.map((t) => trailProblem(t, here)).filter(Boolean);
    const noTrail = why.length > 0 ? `no suitable trail: ${why.join('; ')}` : `no trail in account ${ctx.account} (CloudTrail.1)`;
    return { noTrail, alarms: [], subscribers: {} };
  }
  // the first trail whose group already carries the chain wins; otherwise the first usable one
  let first: Chain | undefined;
  for (const trail of usable) {
    const logGroupName = logGroupNameOf(trail.CloudWatchLogsLogGroupArn ?? '');
    const chain: Chain = { trail, logGroupName, alarms: [], subscribers: {} };
    const filters = await ctx.aws<{ metricFilters?: MetricFilterView[] }>('logs', 'DescribeMetricFilters', { logGroupName });
    const exact = (filters.metricFilters ?? []).filter((m) => m.filterPattern === f.pattern && m.metricTransformations?.[0]);
    // hubfix's own filter first, so a second run finds what the first one made
    exact.sort((a, b) => Number(b.filterName === filterName(f)) - Number(a.filterName === filterName(f)));
    const chosen = exact[0];
    if (chosen?.metricTransformations?.[0]) {
      const m = chosen.metricTransformations[0];
      chain.filter = { filterName: chosen.filterName, metricName: m.metricName, namespace: m.metricNamespace };
      const alarms = await ctx.aws<{ MetricAlarms?: AlarmView[] }>('cloudwatch', 'DescribeAlarmsForMetric', {
        MetricName: m.metricName,
        Namespace: m.metricNamespace,
      });
      chain.alarms = (alarms.MetricAlarms ?? []).sort((a, b) => a.AlarmName.localeCompare(b.AlarmName));
    }
    const topics = new Set<string>(chain.alarms.filter(alarmFiresOnOne).flatMap((a) => a.AlarmActions ?? []));
    if (topicArn) topics.add(topicArn);
    for (const t of [...topics].sort()) if (parseArn(t)?.service === 'sns') chain.subscribers[t] = await subscribersOf(ctx, t);
    if (chainGaps(chain, f).length === 0) return chain;
    first ??= chain;
  }
  return first as Chain;
}

interface AlarmInput {
  Control: string;
  AlarmTopicArn: string;
  NotificationTopicArn: string;
  MetricNamespace: string;
}

/** The calls `readChain` makes: every phase reads the whole chain. */
const CHAIN_READ = [
  permissionFor('cloudtrail', 'DescribeTrails'),
  permissionFor('cloudtrail', 'GetTrailStatus'),
  permissionFor('cloudtrail', 'GetEventSelectors'),
  permissionFor('logs', 'DescribeMetricFilters'),
  permissionFor('cloudwatch', 'DescribeAlarmsForMetric'),
  permissionFor('sns', 'ListSubscriptionsByTopic'),
];

/** The control's filter, the alarm topic and the live chain, as plan, apply and verify read them. */
async function chainFor(input: AlarmInput, ctx: ScriptContext): Promise<{ f: CisMetricFilter; here: Here; topic: string; chain: Chain }> {
  const f = filterOf(input.Control);
  const here: Here = { account: ctx.account, region: ctx.region, partition: ctx.partition };
  const topic = alarmTopicFor(input.AlarmTopicArn, input.NotificationTopicArn, here);
  return { f, here, topic, chain: await readChain(ctx, f, topic) };
}

function filterOf(control: string): CisMetricFilter {
  const f = cisMetricFilter(control);
  if (!f) throw new InvalidSettingError(`Control must be one of ${CIS_METRIC_FILTERS.map((x) => x.control).join(', ')}, got ${control}`);
  return f;
}

function topicProblem(topic: string, subscribers: TopicSubscribers, here: Here): string | undefined {
  if (!topic)
    return 'no SNS topic for the alarm: pass AlarmTopicArn, or a NotificationTopicArn whose peer (same name) exists in this account and Region';
  const arn = parseArn(topic);
  if (arn && (arn.region !== here.region || arn.account !== here.account))
    return `topic ${topic} is not in this account and Region (${here.account}, ${here.region}): an alarm notifies a topic of its own Region, and Security Hub must read its subscriptions`;
  const n = subscribers[topic];
  if (n === -1) return `topic ${topic} does not exist (create it with a subscriber, or pass AlarmTopicArn)`;
  if (!n) return `topic ${topic} has no confirmed subscriber: nobody would hear the alarm (subscribe and confirm first)`;
  return undefined;
}

function chainState(c: Chain, f: CisMetricFilter, topic: string): Record<string, unknown> {
  const firing = c.alarms.filter(alarmFiresOnOne);
  return {
    Control: f.control,
    Trail: c.trail ? c.trail.TrailARN : 'none',
    LogGroup: c.logGroupName || 'none',
    MetricFilter: c.filter ? `${c.filter.filterName} (${c.filter.namespace}/${c.filter.metricName})` : 'none with the exact CIS pattern',
    Alarms: c.alarms.length
      ? c.alarms.map((a) => `${a.AlarmName}${alarmFiresOnOne(a) ? '' : ' (does not fire at ≥ 1 in one period)'}`).join(', ')
      : 'none',
    AlarmTopics: firing.length ? [...new Set(firing.flatMap((a) => a.AlarmActions ?? []))].join(', ') || 'none' : 'none',
    Topic: topic || 'none',
    ConfirmedSubscribers:
      Object.entries(c.subscribers)
        .map(([t, n]) => `${t}: ${n < 0 ? 'no such topic' : n}`)
        .join(', ') || 'none',
  };
}

export const planMetricAlarm = defineHandler<AlarmInput, PlanResult>({
  id: 'metricAlarm.plan',
  description: "Find the multi-Region trail's log group, look for the exact CIS filter, its alarm and the alarm topic's subscribers.",
  permissions: [...CHAIN_READ],
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const { f, here, topic, chain } = await chainFor(input, ctx);
    const before = chainState(chain, f, topic);
    if (!chain.trail)
      return {
        Decision: 'skip',
        Before: before,
        Summary: `needs the trail first (${ORDER}): ${chain.noTrail}; hubfix does not build half a chain`,
      };
    const gaps = chainGaps(chain, f);
    if (gaps.length === 0)
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `${f.control}: log group ${chain.logGroupName} has the CIS filter and an alarm heard on SNS; left as it is`,
      };
    const problem = topicProblem(topic, chain.subscribers, here);
    if (problem) return { Decision: 'skip', Before: before, Summary: `${gaps[0]}; ${problem}` };
    const steps = [
      ...(chain.filter ? [] : [`put metric filter ${filterName(f)} (exact CIS pattern) on log group ${chain.logGroupName}`]),
      `put alarm ${alarmName(f)} (≥ 1 in ${ALARM_PERIOD_SECONDS} s) notifying ${topic}`,
    ];
    return { Decision: 'remediate', Before: before, Summary: `${gaps[0]}; will ${steps.join(', ')}` };
  },
});

export const applyMetricAlarm = defineHandler<AlarmInput, ChangeResult>({
  id: 'metricAlarm.apply',
  description: "Re-read the chain; put the CIS metric filter on the trail's log group when missing and hubfix's alarm on its metric.",
  permissions: [
    ...CHAIN_READ,
    permissionFor('logs', 'PutMetricFilter'),
    { action: 'cloudwatch:PutMetricAlarm', resource: partitionArn(`cloudwatch:*:*:alarm:${NAME_PREFIX}*`) },
  ],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const { f, here, topic, chain } = await chainFor(input, ctx);
    if (!chain.trail) throw new Error(`the trail is no longer usable: ${chain.noTrail}`);
    if (chainGaps(chain, f).length === 0) return { Changed: 'nothing: the chain was completed meanwhile' };
    const problem = topicProblem(topic, chain.subscribers, here);
    if (problem) throw new Error(problem);
    const changed: string[] = [];
    let metric = chain.filter;
    if (!metric) {
      const namespace = input.MetricNamespace || DEFAULT_NAMESPACE;
      await ctx.aws('logs', 'PutMetricFilter', {
        logGroupName: chain.logGroupName,
        filterName: filterName(f),
        filterPattern: f.pattern,
        metricTransformations: [{ metricName: f.name, metricNamespace: namespace, metricValue: '1' }],
      });
      metric = { filterName: filterName(f), metricName: f.name, namespace };
      changed.push(`put metric filter ${filterName(f)} on ${chain.logGroupName}`);
    }
    await ctx.aws('cloudwatch', 'PutMetricAlarm', {
      AlarmName: alarmName(f),
      AlarmDescription: `hubfix ${f.control} (CIS 1.2.0 ${f.cis.join(', ')}): ${f.watches}`,
      MetricName: metric.metricName,
      Namespace: metric.namespace,
      Statistic: 'Sum',
      Period: ALARM_PERIOD_SECONDS,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: [topic],
    });
    changed.push(`put alarm ${alarmName(f)} on ${metric.namespace}/${metric.metricName} → ${topic}`);
    return { Changed: changed.join('; ') };
  },
});

export const verifyMetricAlarm = defineHandler<AlarmInput, VerifyResult>({
  id: 'metricAlarm.verify',
  description: 'Read the whole chain again: trail, exact filter, alarm that fires at ≥ 1, topic with a confirmed subscriber.',
  permissions: [...CHAIN_READ],
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    const { f, topic, chain } = await chainFor(input, ctx);
    const gaps = chainGaps(chain, f);
    return { Verified: gaps.length === 0, After: chainState(chain, f, topic), Unmet: gaps.join('; ') };
  },
});

function controlSpec(f: CisMetricFilter): ControlSpec {
  const cis14: Record<string, string[]> = { 'CloudWatch.1': ['1.7', '4.3'], 'CloudWatch.2': [], 'CloudWatch.3': [] };
  const n = Number(f.control.split('.')[1]);
  const v14 = cis14[f.control] ?? [`4.${n}`];
  return {
    id: f.control,
    title: `A log metric filter and alarm exist for ${f.watches}`,
    aliases: { 'cis-1.2.0': f.cis, ...(v14.length ? { 'cis-1.4.0': v14 } : {}) },
    parameters: { Control: f.control },
  };
}

export const metricAlarmsRunbook = defineRunbook({
  document: 'Hubfix-CloudWatch-MetricFilterAlarms',
  title: 'CIS metric filters and alarms on the CloudTrail log group',
  class: 'B',
  // guardrails instead of a person: it only adds hubfix-named filters and alarms (about USD 0.10 a
  // month each), and it skips unless the alarm's topic already has a confirmed subscriber
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsAccount',
  changes:
    "Puts the exact CIS metric filter on the log group of the account's multi-Region trail (when no filter with that pattern is there) and a hubfix alarm (≥ 1 in 5 min) notifying an SNS topic with a confirmed subscriber; without such a trail or topic it changes nothing and says what to do first (CloudTrail.1 → CloudTrail.5 → this control).",
  guidance: `Needs, in order: a multi-Region trail logging management events (CloudTrail.1), sending to CloudWatch Logs (CloudTrail.5), then on its log group the exact CIS metric filter for the control, an alarm on its metric (≥ 1 in one period) and an SNS topic with a confirmed subscriber. With an organization trail, do this in the account that owns the trail. Order: ${ORDER}.`,
  description: `# Hubfix: CIS metric filter and alarm (CloudWatch.1–14, CIS 1.2.0 1.1 and 3.1–3.14)

One runbook for the fourteen metric-filter alarms. \`Control\` (set by the catalog from the finding) picks the exact CIS 1.2.0 filter pattern; Security Hub fails the control if the pattern differs by one term.

1. **Plan** lists the trails (\`DescribeTrails\`) and keeps those of this account that are multi-Region, have their home Region here, are logging (\`GetTrailStatus\`), log read and write management events (\`GetEventSelectors\`) and send to CloudWatch Logs. With none (or only an organization trail owned by another account) it **skips** and says the order to follow: ${ORDER}. hubfix does not build half a chain. On the trail's log group it looks for a filter with the exact pattern (\`DescribeMetricFilters\`), the alarms on its metric (\`DescribeAlarmsForMetric\`) and the confirmed subscriptions of their SNS topics (\`ListSubscriptionsByTopic\`). A chain that is complete is left as it is.
2. The alarm's topic is \`AlarmTopicArn\`, or else the topic of the same name as \`NotificationTopicArn\` in this account and Region (the member stack's regional peer). A topic that does not exist or has no confirmed subscriber makes the run **skip**: an alarm nobody hears does not pass the control.
3. **Gate**: with \`DryRun\` true, or when compliant, nothing is written.
4. **Apply** re-reads the chain, puts the filter \`hubfix-<control>-<name>\` (namespace \`MetricNamespace\`, value 1) when no filter with the exact pattern exists, and puts the alarm \`hubfix-<control>-<name>\` (Sum ≥ 1 over 300 s, one period, missing data not breaching) notifying the topic. Other people's filters and alarms are never changed.
5. **Verify** reads the whole chain again, subscriber included. **Finalize** records the outcome and notifies.

To undo: \`aws cloudwatch delete-alarms --alarm-names hubfix-<control>-<name>\` and \`aws logs delete-metric-filter --log-group-name <group> --filter-name hubfix-<control>-<name>\` (\`Apply.Changed\` names both).`,
  controls: CIS_METRIC_FILTERS.map(controlSpec),
  extract: [],
  parameters: {
    Control: param.choice(CIS_METRIC_FILTERS.map((f) => f.control) as [string, ...string[]], {
      description: 'The CloudWatch control (CloudWatch.1–14) whose CIS filter and alarm to put in place; the catalog sets it per finding.',
    }),
    AlarmTopicArn: param.string({
      description:
        "SNS topic the alarm notifies (this account and Region, with a confirmed subscriber). Empty: NotificationTopicArn's topic name in this account and Region.",
      default: '',
      pattern: patterns.snsTopicArn,
    }),
    MetricNamespace: param.string({
      description: "CloudWatch namespace for a new filter's metric.",
      default: DEFAULT_NAMESPACE,
      pattern: '^[A-Za-z0-9._/#:-]{1,255}$',
    }),
  },
  body(p) {
    return scriptPhases({
      input: {
        Control: p.Control,
        AlarmTopicArn: p.AlarmTopicArn,
        NotificationTopicArn: p.NotificationTopicArn,
        MetricNamespace: p.MetricNamespace,
      },
      plan: { handler: planMetricAlarm, description: 'Read the trail, filter, alarm and topic subscribers (before-state).' },
      change: { name: 'Apply', handler: applyMetricAlarm, description: "Put the CIS filter (if missing) and hubfix's alarm." },
      verify: { handler: verifyMetricAlarm, description: 'Check the whole chain, subscriber included.' },
    });
  },
});
