import { errorMessage, hasErrorCode } from '../src/aws/invoker';
import { permissionFor } from '../src/iam/actions';
import { PLACEHOLDERS, arnPattern } from '../src/iam/permission';
import { type Permission, type ScriptContext, defineHandler } from '../src/model/handlers';
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

/**
 * The role VPC flow logs assume to write into the groups: only for flow logs of this account and
 * Region (confused-deputy conditions), only on the named groups.
 */
export const FLOW_LOGS_DELIVERY_ROLE: DeliveryRoleSpec = {
  service: 'vpc-flow-logs.amazonaws.com',
  roleNamePrefix: 'hubfix-vpc-flow-logs-',
  policyName: 'hubfix-vpc-flow-log-delivery',
  description: 'hubfix: lets VPC flow logs deliver to CloudWatch Logs.',
  trustConditions: (here) => ({
    StringEquals: { 'aws:SourceAccount': here.account },
    ArnLike: { 'aws:SourceArn': `arn:${here.partition}:ec2:${here.region}:${here.account}:vpc-flow-log/*` },
  }),
  statements: (groups) => [
    {
      Sid: 'HubfixFlowLogDelivery',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
      Resource: groups.map((g) => `${g}:*`),
    },
    // the flow logs service looks the group up before delivering; DescribeLogGroups names no group
    { Sid: 'HubfixFlowLogGroupLookup', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
  ],
};

export const DEFAULT_FLOW_LOG_GROUP = 'hubfix/vpc-flow-logs';

export interface FlowLog {
  FlowLogId?: string;
  ResourceId?: string;
  TrafficType?: string;
  LogDestinationType?: string;
  LogGroupName?: string;
  LogDestination?: string;
  FlowLogStatus?: string;
  DeliverLogsStatus?: string;
}

/** A flow log covers rejected traffic when it captures ALL or REJECT. Pure. */
export function coversRejectedTraffic(fl: FlowLog): boolean {
  return fl.TrafficType === 'ALL' || fl.TrafficType === 'REJECT';
}

/** `fl-1 (ALL → cloud-watch-logs:group)` for a before- or after-state. Pure. */
export function describeFlowLog(fl: FlowLog): string {
  const where = fl.LogGroupName ?? fl.LogDestination ?? '?';
  return `${fl.FlowLogId ?? '?'} (${fl.TrafficType ?? '?'} → ${fl.LogDestinationType ?? 'cloud-watch-logs'}:${where})`;
}

/** The VPC and its flow logs, for a before- or after-state. Pure. */
function flowLogState(vpcId: string, flowLogs: readonly FlowLog[]): Record<string, unknown> {
  return { VpcId: vpcId, FlowLogs: flowLogs.length ? flowLogs.map(describeFlowLog).join('; ') : 'none' };
}

async function readFlowLogs(ctx: ScriptContext, vpcId: string): Promise<FlowLog[]> {
  const all: FlowLog[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const out = await ctx.aws<{ FlowLogs?: FlowLog[]; NextToken?: string }>('ec2', 'DescribeFlowLogs', {
      Filter: [{ Name: 'resource-id', Values: [vpcId] }],
      ...(token ? { NextToken: token } : {}),
    });
    all.push(...(out.FlowLogs ?? []).filter((f) => !f.ResourceId || f.ResourceId === vpcId));
    token = out.NextToken;
    if (!token) break;
  }
  return all;
}

type VpcLookup = { found: true } | { found: false; reason: string };

async function lookUpVpc(ctx: ScriptContext, vpcId: string): Promise<VpcLookup> {
  let vpc: { OwnerId?: string } | undefined;
  try {
    vpc = (await ctx.aws<{ Vpcs?: Array<{ VpcId?: string; OwnerId?: string }> }>('ec2', 'DescribeVpcs', { VpcIds: [vpcId] })).Vpcs?.[0];
  } catch (err) {
    if (!hasErrorCode(err, 'InvalidVpcID.NotFound')) throw err;
  }
  if (!vpc)
    return {
      found: false,
      reason: `VPC ${vpcId} was not found in account ${ctx.account}, Region ${ctx.region}; run this runbook where it lives`,
    };
  if (vpc.OwnerId && vpc.OwnerId !== ctx.account) {
    return {
      found: false,
      reason: `VPC ${vpcId} is shared with this account by its owner ${vpc.OwnerId}; flow logs for the VPC are created in account ${vpc.OwnerId}`,
    };
  }
  return { found: true };
}

export const planFlowLogs = defineHandler<{ VpcId: string; LogGroupName: string }, PlanResult>({
  id: 'vpcFlowLogs.plan',
  description: "Check the VPC is this account's, list its flow logs, and look for the log group and delivery role.",
  permissions: [
    permissionFor('ec2', 'DescribeVpcs'),
    permissionFor('ec2', 'DescribeFlowLogs'),
    LOG_GROUP_READ,
    ...roleReadPermissions(FLOW_LOGS_DELIVERY_ROLE),
  ],
  outputs: PLAN_OUTPUTS,
  async run({ VpcId, LogGroupName }, ctx) {
    const vpc = await lookUpVpc(ctx, VpcId);
    if (!vpc.found) return { Decision: 'skip', Before: { VpcId }, Summary: `skipped: ${vpc.reason}` };
    const flowLogs = await readFlowLogs(ctx, VpcId);
    const before = flowLogState(VpcId, flowLogs);
    const covering = flowLogs.filter(coversRejectedTraffic);
    if (covering.length) {
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `VPC ${VpcId} already has flow logs covering rejected traffic: ${covering.map(describeFlowLog).join('; ')}`,
      };
    }
    const delivery = await planDelivery(ctx, FLOW_LOGS_DELIVERY_ROLE, LogGroupName);
    Object.assign(before, delivery.state);
    if (delivery.problem) return { Decision: 'skip', Before: before, Summary: `skipped: ${delivery.problem}` };
    const steps = [...delivery.steps, 'create a REJECT flow log for the VPC'];
    return {
      Decision: 'remediate',
      Before: before,
      Summary: `VPC ${VpcId} has no flow log covering rejected traffic; will ${steps.join(', ')}`,
    };
  },
});

export const ensureFlowLogsRole = ensureRoleHandler('vpcFlowLogs.ensureRole', FLOW_LOGS_DELIVERY_ROLE);

interface CreateInput {
  VpcId: string;
  LogGroupName: string;
  RoleArn: string;
  LogGroupCreated: boolean;
  RoleCreated: boolean;
}

export class FlowLogCreationError extends Error {
  readonly code = 'FlowLogNotCreated';
  constructor(message: string) {
    super(message);
    this.name = 'FlowLogCreationError';
  }
}

/** EC2's answer to a flow log role it cannot assume (yet). Pure. */
export function roleNotAssumable(err: unknown): boolean {
  return hasErrorCode(err, 'InvalidParameter') && /unable to assume/i.test(errorMessage(err));
}

/**
 * CreateFlowLogs is authorized on the flow log it creates (`vpc-flow-log`, required) and on the
 * resource it watches (Service Authorization Reference): here a VPC, both of the account the run is
 * in (a VPC shared by another owner is skipped by the plan). Region stays `*`: one policy serves
 * every Region.
 */
export const CREATE_FLOW_LOGS: readonly Permission[] = ['vpc-flow-log/*', 'vpc/*'].map((resource) => ({
  action: 'ec2:CreateFlowLogs',
  resource: arnPattern('ec2', '*', PLACEHOLDERS.account, resource),
}));

export const createFlowLog = defineHandler<CreateInput, ChangeResult & { FlowLogId: string }>({
  id: 'vpcFlowLogs.create',
  description: 'Re-read the flow logs; when none covers rejected traffic, create a REJECT flow log of the VPC to the log group.',
  permissions: [permissionFor('ec2', 'DescribeFlowLogs'), ...CREATE_FLOW_LOGS, passRolePermission(FLOW_LOGS_DELIVERY_ROLE)],
  outputs: { ...CHANGE_OUTPUTS, FlowLogId: 'String' },
  async run(input, ctx) {
    const created = createdForDelivery(input.LogGroupName, input);
    const covering = (await readFlowLogs(ctx, input.VpcId)).filter(coversRejectedTraffic);
    if (covering.length) {
      return {
        Changed: [...created, `no flow log created: ${covering.map(describeFlowLog).join('; ')} covers rejected traffic`].join('; '),
        FlowLogId: covering[0].FlowLogId ?? '',
      };
    }
    // EC2 checks it can assume the role: a new one is refused ("InvalidParameter: Unable to assume
    // given IAM role") until IAM has propagated it
    const out = await onceRoleUsable(ctx, roleNotAssumable, () =>
      ctx.aws<{
        FlowLogIds?: string[];
        Unsuccessful?: Array<{ ResourceId?: string; Error?: { Code?: string; Message?: string } }>;
      }>('ec2', 'CreateFlowLogs', {
        ResourceIds: [input.VpcId],
        ResourceType: 'VPC',
        TrafficType: 'REJECT',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: input.LogGroupName,
        DeliverLogsPermissionArn: input.RoleArn,
        // the same token on a retried attempt makes the call idempotent
        ClientToken: ctx.executionId.slice(0, 64),
      }),
    );
    const failed = out.Unsuccessful ?? [];
    if (failed.length || !out.FlowLogIds?.length) {
      const why =
        failed.map((u) => `${u.Error?.Code ?? 'Error'}: ${u.Error?.Message ?? ''}`.trim()).join('; ') || 'no flow log id returned';
      throw new FlowLogCreationError(`CreateFlowLogs did not create a flow log for ${input.VpcId}: ${why}`);
    }
    const id = out.FlowLogIds[0];
    return {
      Changed: [...created, `created flow log ${id} (REJECT) for ${input.VpcId} to ${input.LogGroupName}`].join('; '),
      FlowLogId: id,
    };
  },
});

export const verifyFlowLogs = defineHandler<{ VpcId: string }, VerifyResult>({
  id: 'vpcFlowLogs.verify',
  description: 'List the live flow logs of the VPC and check one covers rejected traffic.',
  permissions: [permissionFor('ec2', 'DescribeFlowLogs')],
  outputs: VERIFY_OUTPUTS,
  async run({ VpcId }, ctx) {
    const flowLogs = await readFlowLogs(ctx, VpcId);
    const covered = flowLogs.some(coversRejectedTraffic);
    return {
      Verified: covered,
      Unmet: covered ? '' : 'no flow log of the VPC captures rejected traffic',
      After: flowLogState(VpcId, flowLogs),
    };
  },
});

export const vpcFlowLogsRunbook = defineRunbook({
  document: 'Hubfix-EC2-VpcFlowLogs',
  title: 'VPC flow logging is enabled',
  class: 'B',
  // REJECT-only capture into a group with a retention is additive and never touches traffic;
  // its cost follows the rejected traffic, bounded in time by the retention
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsEc2Vpc',
  changes:
    'Creates a REJECT flow log for the VPC into a CloudWatch Logs group, with the group and a least-privilege delivery role created when missing; a VPC with a flow log covering rejected traffic is left alone.',
  guidance:
    'Create a flow log for the VPC (VPC console → the VPC → Flow logs → Create) capturing at least rejected traffic, to a CloudWatch Logs group with a retention, using a role that vpc-flow-logs.amazonaws.com can assume.',
  description: `# Hubfix: VPC flow logs (CIS 1.2.0 2.9)

Records rejected traffic of one VPC in CloudWatch Logs.

1. **Plan** reads the VPC with \`DescribeVpcs\`: a VPC not found here, or shared with this account by another owner, is **skipped** with the reason. A VPC that already has a flow log capturing \`ALL\` or \`REJECT\` traffic (to any destination) is compliant and left alone. Otherwise it looks for the log group (\`LogGroupName\`, default \`${DEFAULT_FLOW_LOG_GROUP}\`) and the role \`hubfix-vpc-flow-logs-<Region>\`; a role of that name that does not trust \`vpc-flow-logs.amazonaws.com\` makes the run skip. The before-state (existing flow logs) is in \`Plan.Before\`.
2. **Gate**: with \`DryRun\` true, or when a flow log already covers rejected traffic, nothing is written.
3. **EnsureLogGroup** creates the group with \`LogRetentionDays\` when it is missing; an existing group keeps its retention and encryption.
4. **EnsureRole** creates the role when it is missing. Its trust lets \`vpc-flow-logs.amazonaws.com\` assume it only for flow logs of this account and Region (\`aws:SourceAccount\`, \`aws:SourceArn\`); its inline policy \`hubfix-vpc-flow-log-delivery\` allows \`logs:CreateLogStream\`, \`logs:DescribeLogStreams\` and \`logs:PutLogEvents\` on the groups it serves, and \`logs:DescribeLogGroups\`.
5. **CreateFlowLog** re-reads the flow logs and, when none covers rejected traffic, calls \`CreateFlowLogs\` (ResourceType \`VPC\`, TrafficType \`REJECT\`, destination the log group, the role) with the execution id as client token. EC2 refuses a role IAM has not propagated yet (\`InvalidParameter\`: unable to assume the role): the call is retried after 1, 2, 4, 8, 15, 15 and 15 s (60 s at most) while it says so, so a usable role costs no wait.
6. **Verify** lists the flow logs again. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

To undo: \`aws ec2 delete-flow-logs --flow-log-ids <id>\` with the id in \`CreateFlowLog.FlowLogId\`; then delete the group and role if hubfix created them (\`CreateFlowLog.Changed\` says so).`,
  controls: [
    {
      id: 'EC2.6',
      title: 'VPC flow logging should be enabled in all VPCs',
      aliases: { 'cis-1.2.0': ['2.9'], 'cis-1.4.0': ['3.9'], 'cis-3.0.0': ['3.7'] },
      fsbp: true,
    },
  ],
  extract: [
    {
      parameter: 'VpcId',
      from: 'resourceId',
      resourceType: 'AwsEc2Vpc',
      pattern: '^arn:aws(?:-cn|-us-gov)?:ec2:[a-z0-9-]+:\\d{12}:vpc/(vpc-[0-9a-f]{8,17})$',
    },
  ],
  parameters: {
    VpcId: param.string({ description: 'The VPC to log.', pattern: patterns.vpcId }),
    LogGroupName: param.string({
      description: 'CloudWatch Logs group for the flow log (created when missing).',
      default: DEFAULT_FLOW_LOG_GROUP,
      pattern: patterns.logGroupName,
    }),
    LogRetentionDays: LOG_RETENTION_PARAMETER,
  },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Check the VPC, list its flow logs (before-state), look for the log group and role.',
      handler: planFlowLogs,
      input: { VpcId: p.VpcId, LogGroupName: p.LogGroupName },
    });
    const remediate = deliverySteps({
      logGroupName: p.LogGroupName,
      retentionDays: p.LogRetentionDays,
      roleHandler: ensureFlowLogsRole,
      deliver: (made) =>
        script({
          name: 'CreateFlowLog',
          description: 'Create a REJECT flow log of the VPC to the log group, unless one covers rejected traffic already.',
          handler: createFlowLog,
          input: {
            VpcId: p.VpcId,
            LogGroupName: p.LogGroupName,
            RoleArn: made.roleArn,
            LogGroupCreated: made.logGroupCreated,
            RoleCreated: made.roleCreated,
          },
          maxAttempts: 3,
        }),
    });
    const verify = script({
      name: 'Verify',
      description: 'Check a live flow log covers rejected traffic.',
      handler: verifyFlowLogs,
      input: { VpcId: p.VpcId },
    });
    return phaseBody({ plan, remediate: remediate.steps, changed: remediate.deliver.out.Changed, verify });
  },
});
