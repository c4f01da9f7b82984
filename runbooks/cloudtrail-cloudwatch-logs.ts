import { permissionFor } from '../src/iam/actions';
import { defineHandler } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
import { defineRunbook } from '../src/model/runbook';
import { branch, script, sleep } from '../src/model/steps';
import {
  type DeliveryRoleSpec,
  LOG_GROUP_READ,
  LOG_RETENTION_DAYS,
  ensureLogGroupHandler,
  ensureRoleHandler,
  findLogGroup,
  passRolePermission,
  readDeliveryRole,
  roleProblem,
  roleReadPermissions,
} from './support/log-delivery';
import { GET_TRAIL, type Trail, lookUpTrail, trailIdentity } from './support/trail';

/** The role CloudTrail assumes to write into the group: log streams and events of the named groups only. */
export const CLOUDTRAIL_DELIVERY_ROLE: DeliveryRoleSpec = {
  service: 'cloudtrail.amazonaws.com',
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

interface PlanInput {
  TrailName: string;
  LogGroupName: string;
}

interface PlanOutput extends Record<string, unknown> {
  Decision: string;
  Before: Record<string, unknown>;
  Summary: string;
  TrailArn: string;
  LogGroupName: string;
}

export const planTrailLogs = defineHandler<PlanInput, PlanOutput>({
  id: 'cloudtrailLogs.plan',
  description:
    'Find the trail (owner, home Region), check whether it sends to CloudWatch Logs, and look for the log group and delivery role.',
  permissions: [GET_TRAIL, LOG_GROUP_READ, ...roleReadPermissions(CLOUDTRAIL_DELIVERY_ROLE)],
  outputs: { Decision: 'String', Before: 'StringMap', Summary: 'String', TrailArn: 'String', LogGroupName: 'String' },
  async run({ TrailName, LogGroupName }, ctx) {
    const found = await lookUpTrail(ctx, TrailName);
    if (!found.found)
      return { Decision: 'skip', Before: { Trail: TrailName }, Summary: `skipped: ${found.reason}`, TrailArn: '', LogGroupName: '' };
    const { trail } = found;
    const before: Record<string, unknown> = {
      ...trailIdentity(trail),
      CloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn || 'none',
      CloudWatchLogsRoleArn: trail.CloudWatchLogsRoleArn || 'none',
    };
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
    const group = await findLogGroup(ctx, groupName);
    const role = await readDeliveryRole(ctx, CLOUDTRAIL_DELIVERY_ROLE);
    before.LogGroup = `${groupName} (${group ? 'exists' : 'missing'})`;
    before.DeliveryRole = `${role.roleName} (${role.exists ? 'exists' : 'missing'})`;
    const problem = roleProblem(CLOUDTRAIL_DELIVERY_ROLE, role);
    if (problem)
      return { Decision: 'skip', Before: before, Summary: `skipped: ${problem}`, TrailArn: trail.TrailARN, LogGroupName: groupName };
    const steps = [
      group ? `use the existing log group ${groupName}` : `create log group ${groupName}`,
      role.exists ? `use role ${role.roleName}` : `create delivery role ${role.roleName}`,
      `send trail ${trail.Name} to it (UpdateTrail)`,
    ];
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

export const attachTrailLogs = defineHandler<AttachInput, { Changed: string }>({
  id: 'cloudtrailLogs.attach',
  description: 'Re-read the trail; when it still sends nowhere, point it at the log group and role (UpdateTrail).',
  permissions: [GET_TRAIL, permissionFor('cloudtrail', 'UpdateTrail'), passRolePermission(CLOUDTRAIL_DELIVERY_ROLE)],
  outputs: { Changed: 'String' },
  async run(input, ctx) {
    const created = [
      input.LogGroupCreated ? `created log group ${input.LogGroupArn}` : '',
      input.RoleCreated ? `created role ${input.RoleArn}` : '',
    ].filter(Boolean);
    const found = await lookUpTrail(ctx, input.TrailArn);
    if (!found.found) throw new Error(`trail is no longer usable: ${found.reason}`);
    if (sendsToCloudWatchLogs(found.trail)) {
      return { Changed: [...created, `nothing on the trail: it already sends to ${found.trail.CloudWatchLogsLogGroupArn}`].join('; ') };
    }
    await ctx.aws('cloudtrail', 'UpdateTrail', {
      Name: input.TrailArn,
      CloudWatchLogsLogGroupArn: trailLogGroupArn(input.LogGroupArn),
      CloudWatchLogsRoleArn: input.RoleArn,
    });
    return { Changed: [...created, `trail ${found.trail.Name} now sends to ${input.LogGroupArn} as ${input.RoleArn}`].join('; ') };
  },
});

export const verifyTrailLogs = defineHandler<{ TrailArn: string }, { Verified: boolean; After: Record<string, unknown>; Unmet: string }>({
  id: 'cloudtrailLogs.verify',
  description: 'Read the live trail and check it sends to a CloudWatch Logs group with a role.',
  permissions: [GET_TRAIL],
  outputs: { Verified: 'Boolean', After: 'StringMap', Unmet: 'String' },
  async run({ TrailArn }, ctx) {
    const found = await lookUpTrail(ctx, TrailArn);
    if (!found.found) return { Verified: false, After: { Trail: TrailArn }, Unmet: found.reason };
    const t = found.trail;
    const unmet = [
      sendsToCloudWatchLogs(t) ? '' : 'the trail sends to no CloudWatch Logs group',
      t.CloudWatchLogsRoleArn ? '' : 'the trail has no CloudWatch Logs role',
    ];
    return {
      Verified: unmet.every((u) => u === ''),
      Unmet: unmet.filter(Boolean).join('; '),
      After: {
        ...trailIdentity(t),
        CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn || 'none',
        CloudWatchLogsRoleArn: t.CloudWatchLogsRoleArn || 'none',
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

1. **Plan** reads the trail with \`GetTrail\`. A trail owned by another account (an organization trail seen from a member account) or whose home Region is not this Region is **skipped** with the reason. A trail that already sends to a log group is compliant and is never moved to another group. Otherwise it looks for the log group (\`LogGroupName\`, default \`hubfix/cloudtrail/<trail name>\`) and the delivery role \`hubfix-cloudtrail-logs-<Region>\`; a role of that name that does not trust \`cloudtrail.amazonaws.com\` makes the run skip (hubfix does not rewrite a trust policy). The before-state is in \`Plan.Before\`.
2. **Gate**: with \`DryRun\` true, or when the trail already sends to a group, nothing is written.
3. **EnsureLogGroup** creates the group with \`LogRetentionDays\` when it is missing; an existing group keeps its retention and encryption.
4. **EnsureRole** creates the role when it is missing (trust: \`cloudtrail.amazonaws.com\`) and makes its inline policy \`hubfix-cloudtrail-log-delivery\` allow \`logs:CreateLogStream\` and \`logs:PutLogEvents\` on the groups it serves, nothing else.
5. **RoleReady** / **WaitForRole**: a new role is given 20 seconds to propagate before CloudTrail is asked to use it.
6. **Attach** re-reads the trail and, if it still sends nowhere, calls \`UpdateTrail\` with the group and role ARNs only.
7. **Verify** reads the trail again. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

To undo: \`aws cloudtrail update-trail --name <TrailArn> --cloud-watch-logs-log-group-arn "" --cloud-watch-logs-role-arn ""\` in the home Region; then delete the group and role if hubfix created them (\`Attach.Changed\` says so).`,
  controls: [
    {
      id: 'CloudTrail.5',
      title: 'CloudTrail trails should be integrated with Amazon CloudWatch Logs',
      aliases: { 'cis-1.2.0': ['2.4'], 'cis-1.4.0': ['3.4'], fsbp: ['CloudTrail.5'] },
    },
  ],
  extract: [
    {
      parameter: 'TrailName',
      from: 'resourceId',
      resourceType: 'AwsCloudTrailTrail',
      pattern: '^(arn:aws(?:-cn|-us-gov)?:cloudtrail:[a-z0-9-]+:\\d{12}:trail/[A-Za-z0-9][A-Za-z0-9._-]{2,127})$',
    },
  ],
  parameters: {
    TrailName: param.string({
      description: 'The trail: its ARN (as in the finding) or its name. A name finds only trails of this account in this Region.',
      pattern: patterns.trailNameOrArn,
    }),
    LogGroupName: param.string({
      description: 'CloudWatch Logs group to send the trail to (created when missing). Empty: hubfix/cloudtrail/<trail name>.',
      default: '',
      pattern: patterns.optionalLogGroupName,
    }),
    LogRetentionDays: param.integer({
      description: 'Retention of a log group hubfix creates, in days. An existing group keeps its own.',
      default: 365,
      allowedValues: LOG_RETENTION_DAYS,
    }),
  },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Find the trail, check owner and home Region, look for the log group and role (before-state).',
      handler: planTrailLogs,
      input: { TrailName: p.TrailName, LogGroupName: p.LogGroupName },
    });
    const group = script({
      name: 'EnsureLogGroup',
      description: 'Create the log group with its retention when missing.',
      handler: ensureLogGroupHandler,
      input: { LogGroupName: plan.out.LogGroupName, RetentionDays: p.LogRetentionDays },
    });
    const role = script({
      name: 'EnsureRole',
      description: 'Create the delivery role when missing; its policy names the log group.',
      handler: ensureTrailLogsRole,
      input: { LogGroupArn: group.out.LogGroupArn },
    });
    const attach = script({
      name: 'Attach',
      description: 'Point the trail at the log group and role (UpdateTrail), unless it already sends somewhere.',
      handler: attachTrailLogs,
      input: {
        TrailArn: plan.out.TrailArn,
        LogGroupArn: group.out.LogGroupArn,
        RoleArn: role.out.RoleArn,
        LogGroupCreated: group.out.Created,
        RoleCreated: role.out.Created,
      },
      maxAttempts: 3,
    });
    const wait = sleep({ name: 'WaitForRole', description: 'Give a new role time to propagate in IAM.', duration: 'PT20S' });
    const ready = branch({
      name: 'RoleReady',
      description: 'A role that existed already is usable at once; a new one waits.',
      choices: [{ next: attach, when: { variable: role.out.Created, op: 'BooleanEquals', value: false } }],
      default: wait,
    });
    const verify = script({
      name: 'Verify',
      description: 'Check the live trail sends to a log group.',
      handler: verifyTrailLogs,
      input: { TrailArn: plan.out.TrailArn },
    });
    return {
      plan: [plan],
      remediate: [group, role, ready, wait, attach],
      verify: [verify],
      decision: plan.out.Decision,
      before: plan.out.Before,
      summary: plan.out.Summary,
      changed: attach.out.Changed,
      after: verify.out.After,
      verified: verify.out.Verified,
      reason: verify.out.Unmet,
    };
  },
});
