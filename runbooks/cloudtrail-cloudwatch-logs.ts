import { hasErrorCode } from '../src/aws/invoker';
import { permissionFor } from '../src/iam/actions';
import { defineHandler } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
import {
  CHANGE_OUTPUTS,
  type ChangeResult,
  PLAN_OUTPUTS,
  type PlanResult,
  VERIFY_OUTPUTS,
  type VerifyResult,
  phaseBody,
} from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';
import { script } from '../src/model/steps';
import {
  type DeliveryRoleSpec,
  LOG_GROUP_READ,
  LOG_RETENTION_PARAMETER,
  createdForDelivery,
  deliverySteps,
  ensureRoleHandler,
  passRolePermission,
  planDelivery,
  roleReadPermissions,
  onceRoleUsable,
} from './support/log-delivery';
import { GET_TRAIL, TRAIL_EXTRACT, TRAIL_NAME_PARAMETER, type Trail, lookUpTrail, trailIdentity } from './support/trail';

/**
 * The role CloudTrail assumes to write into the group: log streams and events of the named groups
 * only. Its trust names the service and no confused-deputy condition: CloudTrail documents that this
 * role does not support `aws:SourceArn` or `aws:SourceAccount` (it does not send them when it
 * assumes the role, so a trust requiring them stops delivery). What keeps another account's trail
 * from using it is iam:PassRole, which never crosses accounts: only a principal of this account that
 * may pass it to cloudtrail.amazonaws.com can name it on a trail.
 */
export const CLOUDTRAIL_DELIVERY_ROLE: DeliveryRoleSpec = {
  service: 'cloudtrail.amazonaws.com',
  unsentTrustKeys: ['aws:SourceArn', 'aws:SourceAccount'],
  roleNamePrefix: 'hubfix-cloudtrail-logs-',
  policyName: 'hubfix-cloudtrail-log-delivery',
  description: 'hubfix: lets CloudTrail deliver trail events to CloudWatch Logs.',
  statements: (groups) => [
    {
      Sid: 'HubfixCloudTrailLogDelivery',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: groups.map((g) => `${g}:log-stream:*`),
    },
  ],
};

/** The log group a trail is sent to when the operator names none. Pure. */
export function defaultTrailLogGroup(trailName: string): string {
  return `hubfix/cloudtrail/${trailName}`;
}

/** A trail already sending to a log group is compliant: hubfix never replaces the group. Pure. */
export function sendsToCloudWatchLogs(trail: Pick<Trail, 'CloudWatchLogsLogGroupArn'>): boolean {
  return typeof trail.CloudWatchLogsLogGroupArn === 'string' && trail.CloudWatchLogsLogGroupArn !== '';
}

/** CloudTrail takes the log group ARN with the `:*` suffix (as GetTrail reports it). Pure. */
export function trailLogGroupArn(bareArn: string): string {
  return bareArn.endsWith(':*') ? bareArn : `${bareArn}:*`;
}

/** The GetTrailStatus fields the verify step reads. */
export interface TrailStatus {
  IsLogging?: boolean;
  LatestCloudWatchLogsDeliveryTime?: Date | string | number;
  LatestCloudWatchLogsDeliveryError?: string;
  LatestDeliveryError?: string;
}

/** How old the newest delivery to CloudWatch Logs may be (the CIS audit asks for one within a day). */
export const MAX_DELIVERY_AGE_HOURS = 24;

/** What CloudTrail's error codes mean, for people: the codes alone send operators searching. */
export function explainTrailError(code: string, bucket: string | undefined): string {
  if (/InsufficientS3BucketPolicy/.test(code))
    return `${code}: the policy of trail bucket ${bucket ?? '(unknown)'} does not let cloudtrail.amazonaws.com run s3:GetBucketAcl and s3:PutObject (checked on every trail update); fix the bucket policy, then run again`;
  return code;
}

function deliveryTime(v: TrailStatus['LatestCloudWatchLogsDeliveryTime']): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * Why a trail that is set to send to CloudWatch Logs is still not integrated: it is not logging,
 * its CloudWatch Logs delivery reports an error, or its newest delivery is more than a day old.
 * No delivery yet is not a problem (a trail just attached delivers within minutes). Pure.
 */
export function trailStatusProblems(status: TrailStatus, now: Date, bucket?: string): string[] {
  const problems: string[] = [];
  if (status.IsLogging !== true)
    problems.push('the trail is not logging, so nothing reaches CloudWatch Logs: turn logging on (aws cloudtrail start-logging)');
  if (status.LatestCloudWatchLogsDeliveryError)
    problems.push(`CloudWatch Logs delivery reports an error: ${explainTrailError(status.LatestCloudWatchLogsDeliveryError, bucket)}`);
  const last = deliveryTime(status.LatestCloudWatchLogsDeliveryTime);
  if (last && now.getTime() - last.getTime() > MAX_DELIVERY_AGE_HOURS * 3600_000)
    problems.push(`the newest delivery to CloudWatch Logs was at ${last.toISOString()}, more than ${MAX_DELIVERY_AGE_HOURS} hours ago`);
  return problems;
}

interface PlanInput {
  TrailName: string;
  LogGroupName: string;
}

/** The trail and where it sends its events, for a before- or after-state. */
function trailLogsState(trail: Trail): Record<string, unknown> {
  return {
    ...trailIdentity(trail),
    CloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn || 'none',
    CloudWatchLogsRoleArn: trail.CloudWatchLogsRoleArn || 'none',
  };
}

type PlanOutput = PlanResult & { TrailArn: string; LogGroupName: string };

export const planTrailLogs = defineHandler<PlanInput, PlanOutput>({
  id: 'cloudtrailLogs.plan',
  description:
    'Find the trail (owner, home Region), check whether it sends to CloudWatch Logs, and look for the log group and delivery role.',
  permissions: [GET_TRAIL, LOG_GROUP_READ, ...roleReadPermissions(CLOUDTRAIL_DELIVERY_ROLE)],
  outputs: { ...PLAN_OUTPUTS, TrailArn: 'String', LogGroupName: 'String' },
  async run({ TrailName, LogGroupName }, ctx) {
    const found = await lookUpTrail(ctx, TrailName);
    if (!found.found)
      return { Decision: 'skip', Before: { Trail: TrailName }, Summary: `skipped: ${found.reason}`, TrailArn: '', LogGroupName: '' };
    const { trail } = found;
    const before = trailLogsState(trail);
    if (sendsToCloudWatchLogs(trail)) {
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `trail ${trail.Name} already sends to ${trail.CloudWatchLogsLogGroupArn}; left as it is`,
        TrailArn: trail.TrailARN,
        LogGroupName: '',
      };
    }
    const groupName = LogGroupName || defaultTrailLogGroup(trail.Name);
    const delivery = await planDelivery(ctx, CLOUDTRAIL_DELIVERY_ROLE, groupName);
    Object.assign(before, delivery.state);
    if (delivery.problem)
      return {
        Decision: 'skip',
        Before: before,
        Summary: `skipped: ${delivery.problem}`,
        TrailArn: trail.TrailARN,
        LogGroupName: groupName,
      };
    const steps = [...delivery.steps, `send trail ${trail.Name} to it (UpdateTrail)`];
    return {
      Decision: 'remediate',
      Before: before,
      Summary: `trail ${trail.Name} does not send to CloudWatch Logs; will ${steps.join(', ')}`,
      TrailArn: trail.TrailARN,
      LogGroupName: groupName,
    };
  },
});

export const ensureTrailLogsRole = ensureRoleHandler('cloudtrailLogs.ensureRole', CLOUDTRAIL_DELIVERY_ROLE);

interface AttachInput {
  TrailArn: string;
  LogGroupArn: string;
  RoleArn: string;
  LogGroupCreated: boolean;
  RoleCreated: boolean;
}

export const attachTrailLogs = defineHandler<AttachInput, ChangeResult>({
  id: 'cloudtrailLogs.attach',
  description: 'Re-read the trail; when it still sends nowhere, point it at the log group and role (UpdateTrail).',
  permissions: [GET_TRAIL, permissionFor('cloudtrail', 'UpdateTrail'), passRolePermission(CLOUDTRAIL_DELIVERY_ROLE)],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const created = createdForDelivery(input.LogGroupArn, input);
    const found = await lookUpTrail(ctx, input.TrailArn);
    if (!found.found) throw new Error(`trail is no longer usable: ${found.reason}`);
    if (sendsToCloudWatchLogs(found.trail)) {
      return { Changed: [...created, `nothing on the trail: it already sends to ${found.trail.CloudWatchLogsLogGroupArn}`].join('; ') };
    }
    try {
      // CloudTrail checks it can use the role: a new role (or policy) is refused until IAM has it
      await onceRoleUsable(
        ctx,
        (err) => hasErrorCode(err, 'InvalidCloudWatchLogsRoleArnException'),
        () =>
          ctx.aws('cloudtrail', 'UpdateTrail', {
            Name: input.TrailArn,
            CloudWatchLogsLogGroupArn: trailLogGroupArn(input.LogGroupArn),
            CloudWatchLogsRoleArn: input.RoleArn,
          }),
      );
    } catch (err) {
      if (hasErrorCode(err, 'InsufficientS3BucketPolicyException'))
        throw new Error(`UpdateTrail refused: ${explainTrailError('InsufficientS3BucketPolicyException', found.trail.S3BucketName)}`);
      throw err;
    }
    return { Changed: [...created, `trail ${found.trail.Name} now sends to ${input.LogGroupArn} as ${input.RoleArn}`].join('; ') };
  },
});

export const verifyTrailLogs = defineHandler<{ TrailArn: string }, VerifyResult>({
  id: 'cloudtrailLogs.verify',
  description:
    'Read the live trail and its status: it sends to a CloudWatch Logs group with a role, is logging, and its delivery reports no error.',
  permissions: [GET_TRAIL, permissionFor('cloudtrail', 'GetTrailStatus')],
  outputs: VERIFY_OUTPUTS,
  async run({ TrailArn }, ctx) {
    const found = await lookUpTrail(ctx, TrailArn);
    if (!found.found) return { Verified: false, After: { Trail: TrailArn }, Unmet: found.reason };
    const t = found.trail;
    const status = await ctx.aws<TrailStatus>('cloudtrail', 'GetTrailStatus', { Name: t.TrailARN });
    const unmet = [
      sendsToCloudWatchLogs(t) ? '' : 'the trail sends to no CloudWatch Logs group',
      t.CloudWatchLogsRoleArn ? '' : 'the trail has no CloudWatch Logs role',
      ...trailStatusProblems(status, ctx.now(), t.S3BucketName),
    ].filter(Boolean);
    const last = deliveryTime(status.LatestCloudWatchLogsDeliveryTime);
    return {
      Verified: unmet.length === 0,
      Unmet: unmet.join('; '),
      After: {
        ...trailLogsState(t),
        IsLogging: String(status.IsLogging === true),
        LatestCloudWatchLogsDeliveryTime: last ? last.toISOString() : 'none yet',
        LatestCloudWatchLogsDeliveryError: status.LatestCloudWatchLogsDeliveryError || 'none',
        LatestDeliveryError: status.LatestDeliveryError ? explainTrailError(status.LatestDeliveryError, t.S3BucketName) : 'none',
      },
    };
  },
});

export const cloudTrailCloudWatchLogsRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-CloudWatchLogs',
  title: 'CloudTrail trails are integrated with CloudWatch Logs',
  class: 'B',
  // CloudWatch Logs ingestion is billed per GB and a trail's volume follows all API activity of
  // the account: the owner should accept that cost (and pick the group) before it starts.
  defaultMode: 'notify-only',
  scope: 'resource',
  resourceType: 'AwsCloudTrailTrail',
  changes:
    'Creates a CloudWatch Logs group (with retention) and a delivery role trusted by CloudTrail when missing, then points the trail at them; a trail already sending to a group is left alone.',
  guidance:
    'Send the trail to CloudWatch Logs in its home Region (CloudTrail console → the trail → CloudWatch Logs → Edit → Enabled, new or existing log group and role). Ingestion is billed per GB; set a retention on the group. Needed before the CIS 3.x metric filters and alarms.',
  description: `# Hubfix: CloudTrail sends to CloudWatch Logs (CIS 1.2.0 2.4)

Sends one trail's events to a CloudWatch Logs group, so the CIS 3.x metric filters and alarms can watch them. CloudWatch Logs ingestion and storage are billed: by default hubfix only notifies about this control, and an operator runs it (or turns the control to \`auto\`) after accepting the cost.

1. **Plan** reads the trail with \`GetTrail\`. A trail owned by another account (an organization trail seen from a member account) or whose home Region is not this Region is **skipped** with the reason. A trail that already sends to a log group is compliant and is never moved to another group. Otherwise it looks for the log group (\`LogGroupName\`, default \`hubfix/cloudtrail/<trail name>\`) and the delivery role \`hubfix-cloudtrail-logs-<Region>\`; a role of that name that does not trust \`cloudtrail.amazonaws.com\`, or trusts it only under \`aws:SourceArn\` or \`aws:SourceAccount\` (CloudTrail does not send them when it assumes this role, so it could never deliver), makes the run skip (hubfix does not rewrite a trust policy). The before-state is in \`Plan.Before\`.
2. **Gate**: with \`DryRun\` true, or when the trail already sends to a group, nothing is written.
3. **EnsureLogGroup** creates the group with \`LogRetentionDays\` when it is missing; an existing group keeps its retention and encryption.
4. **EnsureRole** creates the role when it is missing (trust: \`cloudtrail.amazonaws.com\`, without a confused-deputy condition: CloudTrail documents that this role does not support \`aws:SourceArn\`/\`aws:SourceAccount\`; another account cannot hand the role to its trail because \`iam:PassRole\` never crosses accounts) and makes its inline policy \`hubfix-cloudtrail-log-delivery\` allow \`logs:CreateLogStream\` and \`logs:PutLogEvents\` on the groups it serves, nothing else.
5. **Attach** re-reads the trail and, if it still sends nowhere, calls \`UpdateTrail\` with the group and role ARNs only. CloudTrail refuses a role IAM has not propagated yet (\`InvalidCloudWatchLogsRoleArnException\`): the call is retried after 1, 2, 4, 8, 15, 15 and 15 s (60 s at most) while it says so, so a usable role costs no wait.
6. **Verify** reads the trail again and its status (\`GetTrailStatus\`): the trail must send to a group with a role, be **logging**, and its CloudWatch Logs delivery must report **no error**; a newest delivery more than 24 hours old also fails (the CIS audit asks for recent delivery, not only the setting). No delivery yet is accepted: a trail just attached delivers within minutes. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

When CloudTrail refuses the update with \`InsufficientS3BucketPolicyException\`, the trail's S3 bucket policy does not let \`cloudtrail.amazonaws.com\` read the bucket ACL and write log files (CloudTrail checks it on every update): the run fails saying so, and the bucket policy must be fixed first.

To undo: \`aws cloudtrail update-trail --name <TrailArn> --cloud-watch-logs-log-group-arn "" --cloud-watch-logs-role-arn ""\` in the home Region; then delete the group and role if hubfix created them (\`Attach.Changed\` says so).`,
  controls: [
    {
      id: 'CloudTrail.5',
      title: 'CloudTrail trails should be integrated with Amazon CloudWatch Logs',
      aliases: { 'cis-1.2.0': ['2.4'], 'cis-1.4.0': ['3.4'] },
      fsbp: true,
    },
  ],
  extract: TRAIL_EXTRACT,
  parameters: {
    TrailName: TRAIL_NAME_PARAMETER,
    LogGroupName: param.string({
      description: 'CloudWatch Logs group to send the trail to (created when missing). Empty: hubfix/cloudtrail/<trail name>.',
      default: '',
      pattern: patterns.optionalLogGroupName,
    }),
    LogRetentionDays: LOG_RETENTION_PARAMETER,
  },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Find the trail, check owner and home Region, look for the log group and role (before-state).',
      handler: planTrailLogs,
      input: { TrailName: p.TrailName, LogGroupName: p.LogGroupName },
    });
    const remediate = deliverySteps({
      logGroupName: plan.out.LogGroupName,
      retentionDays: p.LogRetentionDays,
      roleHandler: ensureTrailLogsRole,
      deliver: (made) =>
        script({
          name: 'Attach',
          description: 'Point the trail at the log group and role (UpdateTrail), unless it already sends somewhere.',
          handler: attachTrailLogs,
          input: {
            TrailArn: plan.out.TrailArn,
            LogGroupArn: made.logGroupArn,
            RoleArn: made.roleArn,
            LogGroupCreated: made.logGroupCreated,
            RoleCreated: made.roleCreated,
          },
          maxAttempts: 3,
        }),
    });
    const verify = script({
      name: 'Verify',
      description: 'Check the live trail sends to a log group, is logging and delivers without error.',
      handler: verifyTrailLogs,
      input: { TrailArn: plan.out.TrailArn },
    });
    return phaseBody({ plan, remediate: remediate.steps, changed: remediate.deliver.out.Changed, verify });
  },
});
