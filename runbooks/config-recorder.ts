import { errorCode, hasErrorCode } from '../src/aws/invoker';
import { partitionArn } from '../src/iam/actions';
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
import { defaultLogBucketName, tlsOnlyStatement } from './cloudtrail-bucket-access-logging';
import { checkOptionalBucketNames, LOCATE_BUCKET_PERMISSIONS, locateBucket } from './support/bucket';
import { DELIVERY_BUCKET_PERMISSIONS, ensureDeliveryBucket } from './support/delivery-bucket';
import { type PolicyDocument, type PolicyStatement, canonicalJson } from './support/policy-document';
import { InvalidSettingError } from './support/settings';

/**
 * Config.1 (CIS 2.5): AWS Config records every supported resource in this Region with the
 * service-linked role, and delivers. An existing recorder is reused (widened, moved to the
 * service-linked role, started); a recorder, a delivery channel and its bucket are created only
 * when missing. Global resources (IAM) are recorded in one Region only.
 */

export interface RecordingGroup {
  allSupported?: boolean;
  includeGlobalResourceTypes?: boolean;
  resourceTypes?: string[];
  exclusionByResourceTypes?: { resourceTypes?: string[] };
  recordingStrategy?: { useOnly?: string };
}

export interface Recorder {
  name: string;
  roleARN?: string;
  recordingGroup?: RecordingGroup;
  recordingMode?: unknown;
}

export interface ConfigState {
  recorder: Recorder | null;
  recording: boolean;
  channel: { name: string; s3BucketName?: string } | null;
}

/** The service-linked role's ARN prefix (its name is AWSServiceRoleForConfig). Pure. */
export function serviceLinkedRolePrefix(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role/aws-service-role/config.amazonaws.com/`;
}

export function serviceLinkedRoleArn(partition: string, account: string): string {
  return `${serviceLinkedRolePrefix(partition, account)}AWSServiceRoleForConfig`;
}

function recordsAll(g: RecordingGroup | undefined): boolean {
  if (g?.allSupported !== true) return false;
  const strategy = g.recordingStrategy?.useOnly;
  return strategy === undefined || strategy === 'ALL_SUPPORTED_RESOURCE_TYPES';
}

/** What keeps the Region from meeting Config.1 (empty: it meets it). Pure. */
export function configGaps(s: ConfigState, here: { partition: string; account: string; recordsGlobal: boolean }): string[] {
  if (!s.recorder) return ['no configuration recorder', ...(s.channel ? [] : ['no delivery channel'])];
  const gaps: string[] = [];
  if (!recordsAll(s.recorder.recordingGroup)) gaps.push('does not record all supported resource types');
  if (here.recordsGlobal && s.recorder.recordingGroup?.includeGlobalResourceTypes !== true)
    gaps.push('does not record global resources (IAM) in this Region');
  if (!s.recorder.roleARN?.startsWith(serviceLinkedRolePrefix(here.partition, here.account)))
    gaps.push('does not use the AWS Config service-linked role');
  if (!s.channel) gaps.push('no delivery channel');
  if (!s.recording) gaps.push('not recording');
  return gaps;
}

/**
 * The recording group that records everything supported; global resources are added in the
 * Region chosen for them and kept wherever they are recorded already. Pure.
 */
export function widenedGroup(g: RecordingGroup | undefined, recordsGlobal: boolean): RecordingGroup {
  return {
    allSupported: true,
    includeGlobalResourceTypes: recordsGlobal || g?.includeGlobalResourceTypes === true,
    recordingStrategy: { useOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' },
  };
}

export const CONFIG_CHECK_SID = 'HubfixConfigBucketPermissionsCheck';
export const CONFIG_LIST_SID = 'HubfixConfigBucketExistenceCheck';
export const CONFIG_WRITE_SID = 'HubfixConfigBucketDelivery';

/**
 * The delivery bucket's policy: AWS Config may read the ACL, list the bucket and write
 * `AWSLogs/<account>/Config/` objects (owner full control), for this account only
 * (`aws:SourceAccount`); other statements kept; TLS-only added when asked. Pure.
 */
export function mergeConfigBucketPolicy(
  existing: PolicyDocument | null,
  c: { partition: string; account: string; bucket: string; requireTls: boolean },
): { doc: PolicyDocument; changed: boolean } {
  const bucketArn = `arn:${c.partition}:s3:::${c.bucket}`;
  const config = { Service: 'config.amazonaws.com' };
  const account = { 'aws:SourceAccount': c.account };
  const ours: PolicyStatement[] = [
    {
      Sid: CONFIG_CHECK_SID,
      Effect: 'Allow',
      Principal: config,
      Action: 's3:GetBucketAcl',
      Resource: bucketArn,
      Condition: { StringEquals: account },
    },
    {
      Sid: CONFIG_LIST_SID,
      Effect: 'Allow',
      Principal: config,
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringEquals: account },
    },
    {
      Sid: CONFIG_WRITE_SID,
      Effect: 'Allow',
      Principal: config,
      Action: 's3:PutObject',
      Resource: `${bucketArn}/AWSLogs/${c.account}/Config/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...account } },
    },
  ];
  const statements = [...(existing?.Statement ?? [])];
  for (const s of ours) {
    const at = statements.findIndex((x) => x.Sid === s.Sid);
    if (at >= 0) statements[at] = s;
    else statements.push(s);
  }
  const tls = tlsOnlyStatement({ partition: c.partition, account: c.account, logBucket: c.bucket });
  if (c.requireTls && !statements.some((s) => s.Sid === tls.Sid)) statements.push(tls);
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return { doc, changed: !existing || canonicalJson(existing) !== canonicalJson(doc) };
}

export function defaultConfigBucketName(account: string, region: string): string {
  return `hubfix-config-${account}-${region}`;
}

/** The Region's customer recorder, its status and delivery channel (a service-linked recorder of another service is not ours to change). */
export async function readConfigState(ctx: ScriptContext): Promise<ConfigState> {
  const recorders = await ctx.aws<{ ConfigurationRecorders?: Array<Recorder & { servicePrincipal?: string }> }>(
    'config',
    'DescribeConfigurationRecorders',
    {},
  );
  const recorder = (recorders.ConfigurationRecorders ?? []).find((r) => !r.servicePrincipal) ?? null;
  let recording = false;
  if (recorder) {
    const status = await ctx.aws<{ ConfigurationRecordersStatus?: Array<{ name?: string; recording?: boolean }> }>(
      'config',
      'DescribeConfigurationRecorderStatus',
      { ConfigurationRecorderNames: [recorder.name] },
    );
    recording = (status.ConfigurationRecordersStatus ?? []).some((s) => s.name === recorder.name && s.recording === true);
  }
  const channels = await ctx.aws<{ DeliveryChannels?: Array<{ name: string; s3BucketName?: string }> }>(
    'config',
    'DescribeDeliveryChannels',
    {},
  );
  return { recorder, recording, channel: channels.DeliveryChannels?.[0] ?? null };
}

function stateOf(s: ConfigState, gaps: string[]): Record<string, unknown> {
  return {
    Recorder: s.recorder ? s.recorder.name : 'none',
    RoleARN: s.recorder?.roleARN ?? '',
    RecordingGroup: s.recorder?.recordingGroup ? JSON.stringify(s.recorder.recordingGroup) : '',
    Recording: String(s.recording),
    DeliveryChannel: s.channel ? `${s.channel.name} → ${s.channel.s3BucketName ?? ''}` : 'none',
    Gaps: gaps.join('; ') || 'none',
  };
}

interface ConfigSettings {
  GlobalResourcesRegion: string;
  BucketName: string;
  LogBucketName: string;
}

function checkSettings(s: ConfigSettings): void {
  if (!new RegExp(patterns.region).test(s.GlobalResourcesRegion))
    throw new InvalidSettingError(`GlobalResourcesRegion ${JSON.stringify(s.GlobalResourcesRegion)} is not a Region code`);
  checkOptionalBucketNames({ BucketName: s.BucketName, LogBucketName: s.LogBucketName });
}

const CONFIG_READ: Permission[] = [
  { action: 'config:DescribeConfigurationRecorders', resource: '*' },
  { action: 'config:DescribeConfigurationRecorderStatus', resource: '*' },
  { action: 'config:DescribeDeliveryChannels', resource: '*' },
];
const SLR_RESOURCE = partitionArn('iam::*:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig*');

type PlanOutput = PlanResult & { BucketName: string; LogBucketName: string };

export const planConfigRecorder = defineHandler<ConfigSettings, PlanOutput>({
  id: 'configRecorder.plan',
  description: 'Read the recorder, its status and the delivery channel; plan what to widen, start or create.',
  permissions: [...CONFIG_READ, ...LOCATE_BUCKET_PERMISSIONS],
  outputs: { ...PLAN_OUTPUTS, BucketName: 'String', LogBucketName: 'String' },
  async run(settings, ctx) {
    checkSettings(settings);
    const state = await readConfigState(ctx);
    const recordsGlobal = settings.GlobalResourcesRegion === ctx.region;
    const gaps = configGaps(state, { partition: ctx.partition, account: ctx.account, recordsGlobal });
    const before = stateOf(state, gaps);
    const none = { BucketName: '', LogBucketName: '' };
    if (gaps.length === 0)
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `AWS Config records everything with the service-linked role and delivers; nothing to change`,
        ...none,
      };
    const steps: string[] = [];
    let bucket = '';
    let logBucket = '';
    if (!state.channel) {
      bucket = settings.BucketName || defaultConfigBucketName(ctx.account, ctx.region);
      logBucket = settings.LogBucketName || defaultLogBucketName(ctx.account, ctx.region);
      const where = await locateBucket(ctx, bucket);
      if (!where.owned && where.exists)
        return { Decision: 'skip', Before: before, Summary: `skipped: ${where.reason}: pass another BucketName`, ...none };
      if (where.owned && where.region !== ctx.region)
        return {
          Decision: 'skip',
          Before: before,
          Summary: `skipped: bucket ${bucket} is in Region ${where.region}, not ${ctx.region}: pass another BucketName`,
          ...none,
        };
      steps.push(
        `${where.owned ? 'let AWS Config deliver to the existing bucket' : 'create the hardened bucket'} ${bucket} (access logged to ${logBucket})`,
      );
    }
    steps.push(state.recorder ? `update recorder ${state.recorder.name}` : 'create recorder default');
    if (!state.channel) steps.push('create delivery channel default');
    if (!state.recording) steps.push('start recording');
    return {
      Decision: 'remediate',
      Before: before,
      Summary: `AWS Config: ${gaps.join(', ')}; will ${steps.join(', ')} (all supported resources${recordsGlobal ? ' and global resources' : ''}, service-linked role)`,
      BucketName: bucket,
      LogBucketName: logBucket,
    };
  },
});

export const ensureConfigBucket = defineHandler<{ BucketName: string; LogBucketName: string }, ChangeResult>({
  id: 'configRecorder.ensureBucket',
  description:
    'Without a delivery channel only: the hardened delivery bucket (AWS Config delivery for this account, TLS only), with access logging.',
  permissions: DELIVERY_BUCKET_PERMISSIONS,
  outputs: CHANGE_OUTPUTS,
  async run({ BucketName, LogBucketName }, ctx) {
    if (!BucketName) return { Changed: '' };
    const changed = await ensureDeliveryBucket(ctx, {
      bucket: BucketName,
      logBucket: LogBucketName,
      what: `AWS Config delivery for account ${ctx.account}`,
      policy: (existing, requireTls) =>
        mergeConfigBucketPolicy(existing, { partition: ctx.partition, account: ctx.account, bucket: BucketName, requireTls }),
    });
    return { Changed: changed.join('; ') };
  },
});

/** The service-linked role's ARN, created when missing (CreateServiceLinkedRole answers its real ARN). */
async function ensureServiceLinkedRole(ctx: ScriptContext): Promise<{ arn: string; created: boolean }> {
  try {
    const out = await ctx.aws<{ Role?: { Arn?: string } }>('iam', 'GetRole', { RoleName: 'AWSServiceRoleForConfig' });
    return { arn: out.Role?.Arn ?? serviceLinkedRoleArn(ctx.partition, ctx.account), created: false };
  } catch (err) {
    if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
  }
  try {
    const out = await ctx.aws<{ Role?: { Arn?: string } }>('iam', 'CreateServiceLinkedRole', { AWSServiceName: 'config.amazonaws.com' });
    return { arn: out.Role?.Arn ?? serviceLinkedRoleArn(ctx.partition, ctx.account), created: true };
  } catch (err) {
    // created meanwhile ("has been taken in this account")
    if (hasErrorCode(err, 'InvalidInput', 'EntityAlreadyExists'))
      return { arn: serviceLinkedRoleArn(ctx.partition, ctx.account), created: false };
    throw new Error(`cannot create the AWS Config service-linked role (${errorCode(err)}): ${(err as Error).message}`);
  }
}

export const ensureRecorder = defineHandler<ConfigSettings & { BucketName: string; BucketChange: string }, ChangeResult>({
  id: 'configRecorder.ensure',
  description:
    'Read again; put the recorder (all supported resources, global ones in their Region, the service-linked role), the delivery channel when missing, and start recording.',
  permissions: [
    ...CONFIG_READ,
    { action: 'config:PutConfigurationRecorder', resource: '*' },
    { action: 'config:PutDeliveryChannel', resource: '*' },
    { action: 'config:StartConfigurationRecorder', resource: '*' },
    { action: 'iam:GetRole', resource: SLR_RESOURCE },
    { action: 'iam:CreateServiceLinkedRole', resource: SLR_RESOURCE },
    // PutConfigurationRecorder hands AWS Config its own service-linked role, nothing else, and only to AWS Config
    { action: 'iam:PassRole', resource: SLR_RESOURCE, condition: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } } },
  ],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    checkSettings(input);
    const recordsGlobal = input.GlobalResourcesRegion === ctx.region;
    const state = await readConfigState(ctx);
    const here = { partition: ctx.partition, account: ctx.account, recordsGlobal };
    const changed: string[] = input.BucketChange ? [input.BucketChange] : [];
    const gaps = configGaps(state, here);
    if (gaps.length === 0) return { Changed: [...changed, 'nothing on AWS Config: it meets Config.1 now'].join('; ') };
    const recorderOk =
      state.recorder &&
      recordsAll(state.recorder.recordingGroup) &&
      (!recordsGlobal || state.recorder.recordingGroup?.includeGlobalResourceTypes === true) &&
      state.recorder.roleARN?.startsWith(serviceLinkedRolePrefix(ctx.partition, ctx.account));
    const name = state.recorder?.name ?? 'default';
    if (!recorderOk) {
      const role = state.recorder?.roleARN?.startsWith(serviceLinkedRolePrefix(ctx.partition, ctx.account))
        ? { arn: state.recorder.roleARN, created: false }
        : await ensureServiceLinkedRole(ctx);
      if (role.created) changed.push(`created the service-linked role ${role.arn}`);
      const recorder: Record<string, unknown> = {
        name,
        roleARN: role.arn,
        recordingGroup: widenedGroup(state.recorder?.recordingGroup, recordsGlobal),
      };
      if (state.recorder?.recordingMode) recorder.recordingMode = state.recorder.recordingMode;
      await ctx.aws('config', 'PutConfigurationRecorder', { ConfigurationRecorder: recorder });
      changed.push(
        `${state.recorder ? 'updated' : 'created'} recorder ${name} (all supported resources${recordsGlobal ? ', global resources' : ''}, service-linked role)`,
      );
    }
    if (!state.channel) {
      if (!input.BucketName) throw new Error('a delivery channel is needed but the plan named no bucket; run again');
      await ctx.aws('config', 'PutDeliveryChannel', { DeliveryChannel: { name: 'default', s3BucketName: input.BucketName } });
      changed.push(`created delivery channel default → ${input.BucketName}`);
    }
    if (!state.recording) {
      await ctx.aws('config', 'StartConfigurationRecorder', { ConfigurationRecorderName: name });
      changed.push(`started recorder ${name}`);
    }
    return { Changed: changed.join('; ') };
  },
});

export const verifyConfigRecorder = defineHandler<{ GlobalResourcesRegion: string }, VerifyResult>({
  id: 'configRecorder.verify',
  description: 'Read the recorder, its status and the delivery channel again.',
  permissions: CONFIG_READ,
  outputs: VERIFY_OUTPUTS,
  async run({ GlobalResourcesRegion }, ctx) {
    const state = await readConfigState(ctx);
    const gaps = configGaps(state, { partition: ctx.partition, account: ctx.account, recordsGlobal: GlobalResourcesRegion === ctx.region });
    return { Verified: gaps.length === 0, After: stateOf(state, gaps), Unmet: gaps.join('; ') };
  },
});

export const configRecorderRunbook = defineRunbook({
  document: 'Hubfix-Config-Recorder',
  title: 'AWS Config records all resources with the service-linked role',
  class: 'B',
  // recording costs money per configuration item: preview first
  defaultMode: 'dry-run',
  // AWS Config is per Region: each Region's finding is fixed in its Region
  scope: 'resource',
  resourceType: 'AwsAccount',
  changes:
    'Reuses the Region’s recorder (widened to all supported resources, moved to the service-linked role, started); creates the recorder, a delivery channel and a hardened bucket only when missing. Global resources are recorded in one Region.',
  guidance:
    'Turn on AWS Config in every Region (AWS Config console → Settings): record all supported resource types with the service-linked role AWSServiceRoleForConfig, include global resources in one Region only, deliver to a private S3 bucket.',
  description: `# Hubfix: AWS Config recorder (CIS 1.2.0 2.5, 1.4.0 3.5, 3.0.0 3.3; Config.1)

Makes AWS Config record every supported resource type in this Region with its service-linked role, and deliver.

1. **Plan** reads the configuration recorder, its status and the delivery channel (\`Describe*\`). It lists the gaps: no recorder, not all supported types, global resources missing in \`GlobalResourcesRegion\` (default \`us-east-1\`: IAM and other global resources are recorded there only), a role other than the service-linked one, no delivery channel, not recording. Without a delivery channel it plans the bucket \`BucketName\` (default \`hubfix-config-<account>-<Region>\`); a name taken by another account, or a bucket in another Region, **skips** the run with the reason.
2. **Gate**: with \`DryRun\` true (the default mode for this control), or when compliant, nothing is written.
3. **EnsureBucket** (no delivery channel only) creates the bucket hardened (\`BucketOwnerEnforced\`, public access blocked, SSE-S3, a policy that lets \`config.amazonaws.com\` check and write \`AWSLogs/<account>/Config/\` for this account only (\`aws:SourceAccount\`) and denies requests without TLS), or adds those statements to an existing bucket of this account; its access is logged into \`LogBucketName\` as the CloudTrail.7 runbook does it.
4. **EnsureRecorder** reads again and, only as needed: creates the service-linked role (\`CreateServiceLinkedRole config.amazonaws.com\`), puts the recorder (its name and recording mode kept; all supported resources; global resources in their Region and wherever they were recorded already), creates the delivery channel, starts recording.
5. **Verify** reads everything again. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

To undo: \`Plan.Before\` holds the recorder's role and recording group before the run: \`aws configservice put-configuration-recorder\` with them; \`stop-configuration-recorder\`, \`delete-delivery-channel\` and the bucket (see \`EnsureRecorder.Changed\`) for what hubfix created.`,
  controls: [
    {
      id: 'Config.1',
      title: 'AWS Config should be enabled and use the service-linked role for resource recording',
      aliases: { 'cis-1.2.0': ['2.5'], 'cis-1.4.0': ['3.5'], 'cis-3.0.0': ['3.3'] },
      fsbp: true,
    },
  ],
  extract: [],
  parameters: {
    GlobalResourcesRegion: param.string({
      description: 'The one Region that records global resources (IAM users, roles, policies).',
      default: 'us-east-1',
      pattern: patterns.region,
    }),
    BucketName: param.string({
      description: 'Bucket for a new delivery channel (created when missing). Empty: hubfix-config-<account>-<Region>.',
      default: '',
      pattern: patterns.optionalBucketName,
    }),
    LogBucketName: param.string({
      description: "Bucket that receives the delivery bucket's access logs. Empty: hubfix-access-logs-<account>-<Region>.",
      default: '',
      pattern: patterns.optionalBucketName,
    }),
  },
  body(p) {
    const settings = { GlobalResourcesRegion: p.GlobalResourcesRegion, BucketName: p.BucketName, LogBucketName: p.LogBucketName };
    const plan = script({
      name: 'Plan',
      description: 'Read the recorder, status and channel (before-state); plan.',
      handler: planConfigRecorder,
      input: settings,
    });
    const bucket = script({
      name: 'EnsureBucket',
      description: 'No delivery channel only: the hardened delivery bucket, access logged.',
      handler: ensureConfigBucket,
      input: { BucketName: plan.out.BucketName, LogBucketName: plan.out.LogBucketName },
    });
    const recorder = script({
      name: 'EnsureRecorder',
      description: 'Put the recorder (service-linked role, all resources), the channel when missing, and start recording.',
      handler: ensureRecorder,
      input: { ...settings, BucketName: plan.out.BucketName, BucketChange: bucket.out.Changed },
    });
    const verify = script({
      name: 'Verify',
      description: 'Check the recorder records everything with the service-linked role, delivers and is recording.',
      handler: verifyConfigRecorder,
      input: { GlobalResourcesRegion: p.GlobalResourcesRegion },
    });
    return phaseBody({ plan, remediate: [bucket, recorder], changed: recorder.out.Changed, verify });
  },
});
