import { CIS_METRIC_FILTERS } from '../../runbooks/support/cis-metric-filters';
import type { Aws, Seeder, SeededResource } from './seeders';

/**
 * The CIS metric-filter alarms (CloudWatch.1–14) in a member account: a multi-Region trail of the
 * account that is logging management events into a CloudWatch Logs group — everything the chain
 * needs except the filters and alarms — and the notification topic's regional peer (the topic the
 * member stack provides) with a confirmed subscriber. Seeded once per account, in the home Region
 * (the trail's home Region, where Security Hub evaluates these controls).
 */

const TRAIL = 'hubfix-e2e-alarm-trail';
const LOG_GROUP = 'hubfix-e2e/cloudtrail';
/** The name of the administrator's notification topic (src/emulator/scenario.ts); its peer has the same name. */
const PEER_TOPIC = 'hubfix-notifications';

interface AlarmView {
  AlarmActions?: string[];
  ActionsEnabled?: boolean;
  ComparisonOperator?: string;
  Threshold?: number;
  EvaluationPeriods?: number;
}

/** What is missing for one control, read back independently of the runbook (exact pattern included). */
async function alarmProblems(a: Aws, pattern: string): Promise<string[]> {
  const filters = await a<{
    metricFilters?: Array<{ filterPattern?: string; metricTransformations?: Array<{ metricName: string; metricNamespace: string }> }>;
  }>('logs', 'DescribeMetricFilters', { logGroupName: LOG_GROUP });
  const exact = (filters.metricFilters ?? []).find((f) => f.filterPattern === pattern);
  const metric = exact?.metricTransformations?.[0];
  if (!metric) return [`no metric filter with the exact CIS pattern on ${LOG_GROUP}`];
  const alarms = await a<{ MetricAlarms?: AlarmView[] }>('cloudwatch', 'DescribeAlarmsForMetric', {
    MetricName: metric.metricName,
    Namespace: metric.metricNamespace,
  });
  const firing = (alarms.MetricAlarms ?? []).filter(
    (x) =>
      x.ActionsEnabled !== false &&
      x.EvaluationPeriods === 1 &&
      x.ComparisonOperator === 'GreaterThanOrEqualToThreshold' &&
      x.Threshold === 1,
  );
  if (firing.length === 0) return [`no alarm at >= 1 in one period on ${metric.metricNamespace}/${metric.metricName}`];
  for (const topic of firing.flatMap((x) => x.AlarmActions ?? [])) {
    const subs = await a<{ Subscriptions?: Array<{ SubscriptionArn?: string }> }>('sns', 'ListSubscriptionsByTopic', { TopicArn: topic });
    if ((subs.Subscriptions ?? []).some((s) => (s.SubscriptionArn ?? '').startsWith('arn:'))) return [];
  }
  return ['no alarm notifies a topic with a confirmed subscriber'];
}

export const metricAlarmsSeeder: Seeder = {
  document: 'Hubfix-CloudWatch-MetricFilterAlarms',
  where: 'account',
  async seed({ account, region, aws }) {
    const bucket = `hubfix-e2e-alarm-trail-${account}`;
    await aws('s3', 'CreateBucket', {
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region } }),
    });
    await aws('logs', 'CreateLogGroup', { logGroupName: LOG_GROUP });
    const trail = await aws<{ TrailARN: string }>('cloudtrail', 'CreateTrail', {
      Name: TRAIL,
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      CloudWatchLogsLogGroupArn: `arn:aws:logs:${region}:${account}:log-group:${LOG_GROUP}:*`,
      CloudWatchLogsRoleArn: `arn:aws:iam::${account}:role/hubfix-e2e-cloudtrail-logs`,
    });
    await aws('cloudtrail', 'StartLogging', { Name: trail.TrailARN });
    await aws('cloudtrail', 'PutEventSelectors', {
      TrailName: trail.TrailARN,
      EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
    });
    const topic = await aws<{ TopicArn: string }>('sns', 'CreateTopic', { Name: PEER_TOPIC });
    // moto confirms an email subscription at once (AWS waits for the recipient to confirm)
    await aws('sns', 'Subscribe', { TopicArn: topic.TopicArn, Protocol: 'email', Endpoint: 'security@example.com' });
    return CIS_METRIC_FILTERS.map(
      (f): SeededResource => ({
        document: this.document,
        account,
        region,
        label: `${f.control}: ${f.watches} (trail ${TRAIL}, log group ${LOG_GROUP}, no filter, no alarm)`,
        resource: { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region },
        controls: [f.control],
        problems: (a) => alarmProblems(a, f.pattern),
      }),
    );
  },
};
