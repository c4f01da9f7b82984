import { errorCode, hasErrorCode } from '../src/aws/invoker';
import { partitionArn, permissionFor } from '../src/iam/actions';
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
import { parseArn } from './support/arn';
import { checkOptionalBucketNames, LOCATE_BUCKET_PERMISSIONS, locateBucket } from './support/bucket';
import { DELIVERY_BUCKET_PERMISSIONS, ensureDeliveryBucket } from './support/delivery-bucket';
import { type PolicyDocument, type PolicyStatement, canonicalJson } from './support/policy-document';
import { InvalidSettingError } from './support/settings';

/**
 * CloudTrail.1 (CIS 2.1): the account has a multi-Region trail that logs read and write management
 * events and is logging. An existing trail of the account is reused first; a trail bucket and a
 * trail are created only when the account has none.
 */

/** The DescribeTrails fields this runbook reads. */
export interface TrailSummary {
  Name: string;
  TrailARN: string;
  HomeRegion: string;
  S3BucketName?: string;
  IsMultiRegionTrail?: boolean;
  IsOrganizationTrail?: boolean;
}

export interface EventSelector {
  ReadWriteType?: string;
  IncludeManagementEvents?: boolean;
  DataResources?: unknown[];
  ExcludeManagementEventSources?: string[];
}

export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors?: Array<{ Field?: string; Equals?: string[]; NotEquals?: string[] }>;
}

export interface Selectors {
  EventSelectors: EventSelector[];
  AdvancedEventSelectors: AdvancedEventSelector[];
}

export interface TrailView {
  trail: TrailSummary;
  /** The trail's owner is this account (an organization trail of the management account seen from a member is not). */
  owned: boolean;
  logging: boolean;
  selectors: Selectors;
  /** Why the status or selectors could not be read (another account's trail), or undefined. */
  unreadable?: string;
}

/** Whether the selectors log every read and write management event. Pure. */
export function managementCoverage(s: Selectors): 'all' | 'missing' | 'advanced-partial' {
  // CloudTrail's default for a trail without selectors is every management event (moto answers [] for it)
  if (s.EventSelectors.length === 0 && s.AdvancedEventSelectors.length === 0) return 'all';
  if (s.AdvancedEventSelectors.length > 0) {
    const management = s.AdvancedEventSelectors.filter((a) =>
      (a.FieldSelectors ?? []).some((f) => f.Field === 'eventCategory' && (f.Equals ?? []).includes('Management')),
    );
    if (management.some((a) => !(a.FieldSelectors ?? []).some((f) => f.Field === 'readOnly'))) return 'all';
    return management.length > 0 ? 'advanced-partial' : 'missing';
  }
  const all = s.EventSelectors.some((e) => e.IncludeManagementEvents !== false && (e.ReadWriteType ?? 'All') === 'All');
  return all ? 'all' : 'missing';
}

/** What keeps a trail from meeting CloudTrail.1 (empty: it meets it). Pure. */
export function trailGaps(v: TrailView): string[] {
  const gaps: string[] = [];
  if (v.trail.IsMultiRegionTrail !== true) gaps.push('not multi-Region');
  if (!v.logging) gaps.push('not logging');
  if (managementCoverage(v.selectors) !== 'all') gaps.push('does not log all read and write management events');
  return gaps;
}

/** Why an owned trail cannot be brought up to CloudTrail.1 by this runbook, or undefined. Pure. */
export function reuseProblem(v: TrailView): string | undefined {
  if (managementCoverage(v.selectors) === 'advanced-partial')
    return `trail ${v.trail.Name} uses advanced event selectors that limit management events; change them by hand`;
  if (
    managementCoverage(v.selectors) === 'missing' &&
    v.selectors.AdvancedEventSelectors.length === 0 &&
    v.selectors.EventSelectors.length >= 5
  )
    return `trail ${v.trail.Name} has five event selectors already, none for all management events; change them by hand`;
  return undefined;
}

export type TrailChoice =
  | { kind: 'compliant'; trail: TrailView }
  | { kind: 'reuse'; trail: TrailView; fixes: string[] }
  | { kind: 'create'; skipped: string[] };

/**
 * The account's answer to CloudTrail.1: a trail that meets it already, the owned trail to fix
 * (multi-Region trails first, then the one with the fewest gaps), or none (create). Pure.
 */
export function chooseTrail(views: readonly TrailView[]): TrailChoice {
  const compliant = views.find((v) => trailGaps(v).length === 0);
  if (compliant) return { kind: 'compliant', trail: compliant };
  const skipped: string[] = [];
  const candidates = views.filter((v) => {
    if (!v.owned) return false;
    const problem = reuseProblem(v);
    if (problem) skipped.push(problem);
    return !problem;
  });
  candidates.sort(
    (a, b) =>
      Number(b.trail.IsMultiRegionTrail === true) - Number(a.trail.IsMultiRegionTrail === true) ||
      trailGaps(a).length - trailGaps(b).length ||
      a.trail.TrailARN.localeCompare(b.trail.TrailARN),
  );
  const best = candidates[0];
  if (!best) return { kind: 'create', skipped };
  return { kind: 'reuse', trail: best, fixes: fixesFor(best) };
}

/** The changes that bring an owned trail up to CloudTrail.1, in the order they are made. Pure. */
export function fixesFor(v: TrailView): string[] {
  const fixes: string[] = [];
  if (v.trail.IsMultiRegionTrail !== true) fixes.push('make it multi-Region (UpdateTrail IsMultiRegionTrail=true)');
  if (managementCoverage(v.selectors) !== 'all') fixes.push('add an event selector for all read and write management events');
  if (!v.logging) fixes.push('start logging (StartLogging)');
  return fixes;
}

/** The selectors with one for all management events added. Pure. */
export function withManagementEvents(s: Selectors): Partial<Selectors> {
  if (s.AdvancedEventSelectors.length > 0)
    return {
      AdvancedEventSelectors: [
        ...s.AdvancedEventSelectors,
        { Name: 'Management events (hubfix, CIS)', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      ],
    };
  return { EventSelectors: [...s.EventSelectors, { ReadWriteType: 'All', IncludeManagementEvents: true }] };
}

export const CLOUDTRAIL_ACL_SID = 'HubfixCloudTrailAclCheck';
export const CLOUDTRAIL_WRITE_SID = 'HubfixCloudTrailWrite';

interface TrailBucketContext {
  partition: string;
  account: string;
  bucket: string;
  trailArn: string;
}

/**
 * The trail bucket's policy: CloudTrail may read the ACL and write `AWSLogs/<account>/` objects
 * (owner full control) for this trail only (`aws:SourceArn`); other statements are kept; the
 * TLS-only statement is added when asked. Pure.
 */
export function mergeTrailBucketPolicy(
  existing: PolicyDocument | null,
  c: TrailBucketContext & { requireTls: boolean },
): { doc: PolicyDocument; changed: boolean } {
  const bucketArn = `arn:${c.partition}:s3:::${c.bucket}`;
  const sourceArns = (sid: string): string[] => {
    const s = existing?.Statement.find((x) => x.Sid === sid);
    const v = s?.Condition?.StringEquals?.['aws:SourceArn'];
    return Array.isArray(v) ? v : v ? [v] : [];
  };
  const arns = (sid: string) => {
    const all = [...new Set([...sourceArns(sid), c.trailArn])].sort();
    return all.length === 1 ? all[0] : all;
  };
  const acl: PolicyStatement = {
    Sid: CLOUDTRAIL_ACL_SID,
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:GetBucketAcl',
    Resource: bucketArn,
    Condition: { StringEquals: { 'aws:SourceArn': arns(CLOUDTRAIL_ACL_SID) } },
  };
  const write: PolicyStatement = {
    Sid: CLOUDTRAIL_WRITE_SID,
    Effect: 'Allow',
    Principal: { Service: 'cloudtrail.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${bucketArn}/AWSLogs/${c.account}/*`,
    Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': arns(CLOUDTRAIL_WRITE_SID) } },
  };
  const statements = [...(existing?.Statement ?? [])];
  for (const ours of [acl, write]) {
    const at = statements.findIndex((s) => s.Sid === ours.Sid);
    if (at >= 0) statements[at] = ours;
    else statements.push(ours);
  }
  const tls = tlsOnlyStatement({ partition: c.partition, account: c.account, logBucket: c.bucket });
  if (c.requireTls && !statements.some((s) => s.Sid === tls.Sid)) statements.push(tls);
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return { doc, changed: !existing || canonicalJson(existing) !== canonicalJson(doc) };
}

/** The bucket hubfix creates for a new trail when the operator names none. Pure. */
export function defaultTrailBucketName(account: string, region: string): string {
  return `hubfix-cloudtrail-${account}-${region}`;
}

export function trailArnFor(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:cloudtrail:${region}:${account}:trail/${name}`;
}

async function readSelectors(ctx: ScriptContext, t: TrailSummary): Promise<Selectors> {
  const out = await ctx.aws<{ EventSelectors?: EventSelector[]; AdvancedEventSelectors?: AdvancedEventSelector[] }>(
    'cloudtrail',
    'GetEventSelectors',
    { TrailName: t.TrailARN },
    { region: t.HomeRegion },
  );
  return { EventSelectors: out.EventSelectors ?? [], AdvancedEventSelectors: out.AdvancedEventSelectors ?? [] };
}

/** One trail's logging state and selectors, read in its home Region (CloudTrail answers there for every trail). */
async function viewOf(ctx: ScriptContext, t: TrailSummary): Promise<TrailView> {
  const owned = parseArn(t.TrailARN)?.account === ctx.account;
  try {
    const status = await ctx.aws<{ IsLogging?: boolean }>('cloudtrail', 'GetTrailStatus', { Name: t.TrailARN }, { region: t.HomeRegion });
    return { trail: t, owned, logging: status.IsLogging === true, selectors: await readSelectors(ctx, t) };
  } catch (err) {
    // another account's trail (an organization trail seen from a member) may not be readable in detail
    if (owned || !hasErrorCode(err, 'AccessDeniedException', 'AccessDenied', 'TrailNotFoundException')) throw err;
    return {
      trail: t,
      owned,
      logging: false,
      selectors: { EventSelectors: [], AdvancedEventSelectors: [] },
      unreadable: `${errorCode(err)} reading trail ${t.TrailARN}`,
    };
  }
}

/** Every trail that applies to this Region (its own and multi-Region ones homed elsewhere), with their state. */
export async function readTrailViews(ctx: ScriptContext): Promise<TrailView[]> {
  const out = await ctx.aws<{ trailList?: TrailSummary[] }>('cloudtrail', 'DescribeTrails', { includeShadowTrails: true });
  const views: TrailView[] = [];
  for (const t of out.trailList ?? []) {
    if (!t.TrailARN) continue;
    views.push(await viewOf(ctx, { ...t, HomeRegion: t.HomeRegion || parseArn(t.TrailARN)?.region || ctx.region }));
  }
  return views;
}

function describeView(v: TrailView): string {
  const gaps = trailGaps(v);
  return `${v.trail.TrailARN} (${gaps.length ? gaps.join(', ') : 'meets CloudTrail.1'}${v.owned ? '' : ', another account'})`;
}

function trailsState(views: readonly TrailView[]): Record<string, unknown> {
  return { Trails: views.length ? views.map(describeView).join('; ') : 'none' };
}

interface TrailSettings {
  TrailName: string;
  BucketName: string;
  LogBucketName: string;
}

function checkSettings(s: TrailSettings): void {
  if (!new RegExp(patterns.trailName).test(s.TrailName))
    throw new InvalidSettingError(`TrailName ${JSON.stringify(s.TrailName)} is not a trail name`);
  checkOptionalBucketNames({ BucketName: s.BucketName, LogBucketName: s.LogBucketName });
}

type PlanOutput = PlanResult & { Action: string; TrailArn: string; BucketName: string; LogBucketName: string };

const TRAIL_RESOURCE = partitionArn('cloudtrail:*:*:trail/*');
const TRAIL_READ: Permission[] = [
  permissionFor('cloudtrail', 'DescribeTrails'),
  permissionFor('cloudtrail', 'GetTrailStatus'),
  { action: 'cloudtrail:GetEventSelectors', resource: TRAIL_RESOURCE },
];

export const planMultiRegionTrail = defineHandler<TrailSettings, PlanOutput>({
  id: 'cloudtrailMultiRegion.plan',
  description: 'Read every trail that applies here with its status and selectors; pick a compliant one, one to fix, or plan a new one.',
  permissions: [...TRAIL_READ, ...LOCATE_BUCKET_PERMISSIONS],
  outputs: { ...PLAN_OUTPUTS, Action: 'String', TrailArn: 'String', BucketName: 'String', LogBucketName: 'String' },
  async run(settings, ctx) {
    checkSettings(settings);
    const views = await readTrailViews(ctx);
    const before = trailsState(views);
    const none = { Action: '', TrailArn: '', BucketName: '', LogBucketName: '' };
    const choice = chooseTrail(views);
    if (choice.kind === 'compliant')
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `trail ${choice.trail.trail.TrailARN} is multi-Region, logging and records all management events; nothing to change`,
        ...none,
      };
    if (choice.kind === 'reuse')
      return {
        Decision: 'remediate',
        Before: before,
        Summary: `reuse trail ${choice.trail.trail.TrailARN}: ${choice.fixes.join('; ')}`,
        ...none,
        Action: 'reuse',
        TrailArn: choice.trail.trail.TrailARN,
      };
    const bucket = settings.BucketName || defaultTrailBucketName(ctx.account, ctx.region);
    const logBucket = settings.LogBucketName || defaultLogBucketName(ctx.account, ctx.region);
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
    const trailArn = trailArnFor(ctx.partition, ctx.region, ctx.account, settings.TrailName);
    const bucketStep = where.owned ? `let CloudTrail deliver to the existing bucket ${bucket}` : `create the hardened bucket ${bucket}`;
    const skipped = choice.skipped.length ? ` (not reused: ${choice.skipped.join('; ')})` : '';
    return {
      Decision: 'remediate',
      Before: before,
      Summary: `no trail of this account can be reused${skipped}; will ${bucketStep} with access logging to ${logBucket}, create the multi-Region trail ${settings.TrailName} and start logging`,
      Action: 'create',
      TrailArn: trailArn,
      BucketName: bucket,
      LogBucketName: logBucket,
    };
  },
});

interface BucketInput {
  Action: string;
  TrailArn: string;
  BucketName: string;
  LogBucketName: string;
}

export const ensureTrailBucket = defineHandler<BucketInput, ChangeResult>({
  id: 'cloudtrailMultiRegion.ensureBucket',
  description:
    'For a new trail only: create the trail bucket hardened (public access blocked, SSE-S3, CloudTrail delivery for this trail, TLS only) or add the delivery statements to an existing one, and log its access.',
  permissions: DELIVERY_BUCKET_PERMISSIONS,
  outputs: CHANGE_OUTPUTS,
  async run({ Action, TrailArn, BucketName, LogBucketName }, ctx) {
    if (Action !== 'create') return { Changed: '' };
    const c = { partition: ctx.partition, account: ctx.account, bucket: BucketName, trailArn: TrailArn };
    const changed = await ensureDeliveryBucket(ctx, {
      bucket: BucketName,
      logBucket: LogBucketName,
      what: `CloudTrail delivery for ${TrailArn}`,
      policy: (existing, requireTls) => mergeTrailBucketPolicy(existing, { ...c, requireTls }),
    });
    return { Changed: changed.join('; ') };
  },
});

interface TrailInput {
  Action: string;
  TrailArn: string;
  TrailName: string;
  BucketName: string;
  BucketChange: string;
}

async function fixTrail(ctx: ScriptContext, v: TrailView): Promise<string[]> {
  const t = v.trail;
  const home = { region: t.HomeRegion };
  const done: string[] = [];
  if (t.IsMultiRegionTrail !== true) {
    await ctx.aws('cloudtrail', 'UpdateTrail', { Name: t.TrailARN, IsMultiRegionTrail: true }, home);
    done.push(`trail ${t.Name} is now multi-Region`);
  }
  if (managementCoverage(v.selectors) !== 'all') {
    await ctx.aws('cloudtrail', 'PutEventSelectors', { TrailName: t.TrailARN, ...withManagementEvents(v.selectors) }, home);
    done.push(`added an event selector for all management events to ${t.Name}`);
  }
  if (!v.logging) {
    await ctx.aws('cloudtrail', 'StartLogging', { Name: t.TrailARN }, home);
    done.push(`started logging on ${t.Name}`);
  }
  return done;
}

export const ensureTrail = defineHandler<TrailInput, ChangeResult & { TrailArn: string }>({
  id: 'cloudtrailMultiRegion.ensureTrail',
  description:
    'Read the trails again; fix the chosen trail (multi-Region, management events, logging) or create the multi-Region trail and start it.',
  permissions: [
    ...TRAIL_READ,
    permissionFor('cloudtrail', 'UpdateTrail'),
    permissionFor('cloudtrail', 'StartLogging'),
    { action: 'cloudtrail:PutEventSelectors', resource: TRAIL_RESOURCE },
    { action: 'cloudtrail:CreateTrail', resource: TRAIL_RESOURCE },
  ],
  outputs: { ...CHANGE_OUTPUTS, TrailArn: 'String' },
  async run({ Action, TrailArn, TrailName, BucketName, BucketChange }, ctx) {
    const views = await readTrailViews(ctx);
    const choice = chooseTrail(views);
    const prefix = BucketChange ? [BucketChange] : [];
    if (choice.kind === 'compliant')
      return {
        Changed: [...prefix, `nothing on trails: ${choice.trail.trail.TrailARN} meets CloudTrail.1 now`].join('; '),
        TrailArn: choice.trail.trail.TrailARN,
      };
    if (choice.kind === 'reuse') {
      // the plan's trail, or (after a race) whichever owned trail is now the best one
      const done = await fixTrail(ctx, choice.trail);
      return { Changed: [...prefix, ...done].join('; '), TrailArn: choice.trail.trail.TrailARN };
    }
    if (Action !== 'create') throw new Error(`trail ${TrailArn} is gone since the plan; run again to plan a new trail`);
    try {
      await ctx.aws('cloudtrail', 'CreateTrail', {
        Name: TrailName,
        S3BucketName: BucketName,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
      });
    } catch (err) {
      if (hasErrorCode(err, 'InsufficientS3BucketPolicyException'))
        throw new Error(
          `CloudTrail cannot write to bucket ${BucketName} (InsufficientS3BucketPolicyException): its policy must allow cloudtrail.amazonaws.com for ${TrailArn}`,
        );
      throw err;
    }
    await ctx.aws('cloudtrail', 'StartLogging', { Name: TrailArn });
    return {
      Changed: [
        ...prefix,
        `created the multi-Region trail ${TrailArn} (log file validation on) delivering to ${BucketName}; started logging`,
      ].join('; '),
      TrailArn,
    };
  },
});

export const verifyMultiRegionTrail = defineHandler<Record<string, never>, VerifyResult>({
  id: 'cloudtrailMultiRegion.verify',
  description: 'Read every trail that applies here and check one is multi-Region, logging and records all management events.',
  permissions: TRAIL_READ,
  outputs: VERIFY_OUTPUTS,
  async run(_input, ctx) {
    const views = await readTrailViews(ctx);
    const ok = views.find((v) => trailGaps(v).length === 0);
    return {
      Verified: ok !== undefined,
      After: trailsState(views),
      Unmet: ok
        ? ''
        : `no multi-Region trail that is logging and records all management events (${views.map(describeView).join('; ') || 'no trail'})`,
    };
  },
});

export const cloudTrailMultiRegionRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-MultiRegionTrail',
  title: 'A multi-Region CloudTrail trail records management events and is logging',
  class: 'B',
  // a new trail and bucket cost money: preview first
  defaultMode: 'dry-run',
  scope: 'account',
  resourceType: 'AwsAccount',
  changes:
    'Reuses a trail of the account first (made multi-Region, management events added, logging started); only when there is none, creates a hardened bucket with access logging and a multi-Region trail.',
  guidance:
    'Make sure one trail is multi-Region, records all read and write management events and is logging (CloudTrail console → Trails). Without a trail, create one that applies to all Regions, delivering to a private, encrypted, TLS-only S3 bucket.',
  description: `# Hubfix: a multi-Region trail (CIS 1.2.0 2.1, 1.4.0 and 3.0.0 3.1; CloudTrail.1)

Makes sure the account has a trail that applies to all Regions, records every read and write management event and is logging.

1. **Plan** lists every trail that applies here (\`DescribeTrails\` with shadow trails) and reads each one's status and event selectors in its home Region. A trail that meets the control (an organization trail included) makes the account compliant. Otherwise the account's own trails are candidates, multi-Region ones first: the fixes it needs are listed. A trail whose advanced event selectors limit management events is left to a person. With no candidate, a new trail \`TrailName\` (default \`hubfix-trail\`) is planned with the bucket \`BucketName\` (default \`hubfix-cloudtrail-<account>-<Region>\`); a bucket name taken by another account, or in another Region, **skips** the run with the reason.
2. **Gate**: with \`DryRun\` true (the default mode for this control), or when compliant, nothing is written.
3. **EnsureBucket** (new trail only) creates the bucket with object ownership \`BucketOwnerEnforced\`, all four public access block settings, SSE-S3, and a policy that lets \`cloudtrail.amazonaws.com\` read its ACL and write \`AWSLogs/<account>/\` for this trail only (\`aws:SourceArn\`) and denies requests without TLS; on an existing bucket of this account it only adds those statements. The bucket's access is logged into \`LogBucketName\` (default \`hubfix-access-logs-<account>-<Region>\`) as the CloudTrail.7 runbook does it.
4. **EnsureTrail** reads the trails again; on the reused trail it calls, in its home Region and only as needed, \`UpdateTrail IsMultiRegionTrail=true\`, \`PutEventSelectors\` (existing selectors kept, one for all management events added) and \`StartLogging\`. For a new trail: \`CreateTrail\` (multi-Region, global service events, log file validation on) and \`StartLogging\`.
5. **Verify** reads every trail again. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

To undo: \`Plan.Before\` lists each trail's state before the run; \`aws cloudtrail update-trail --no-is-multi-region-trail\`, \`put-event-selectors\` or \`stop-logging\` put a reused trail back; a created trail and its buckets (see \`EnsureTrail.Changed\`) can be deleted.`,
  controls: [
    {
      id: 'CloudTrail.1',
      title:
        'CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events',
      aliases: { 'cis-1.2.0': ['2.1'], 'cis-1.4.0': ['3.1'], 'cis-3.0.0': ['3.1'] },
      fsbp: true,
    },
  ],
  extract: [],
  parameters: {
    TrailName: param.string({
      description: 'Name of the trail created when the account has none to reuse.',
      default: 'hubfix-trail',
      pattern: patterns.trailName,
    }),
    BucketName: param.string({
      description: 'Bucket for a new trail (created when missing). Empty: hubfix-cloudtrail-<account>-<Region>.',
      default: '',
      pattern: patterns.optionalBucketName,
    }),
    LogBucketName: param.string({
      description: "Bucket that receives the new trail bucket's access logs. Empty: hubfix-access-logs-<account>-<Region>.",
      default: '',
      pattern: patterns.optionalBucketName,
    }),
  },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Read every trail (before-state); choose one to reuse or plan a new trail.',
      handler: planMultiRegionTrail,
      input: { TrailName: p.TrailName, BucketName: p.BucketName, LogBucketName: p.LogBucketName },
    });
    const bucket = script({
      name: 'EnsureBucket',
      description: 'New trail only: the hardened trail bucket, with access logging.',
      handler: ensureTrailBucket,
      input: {
        Action: plan.out.Action,
        TrailArn: plan.out.TrailArn,
        BucketName: plan.out.BucketName,
        LogBucketName: plan.out.LogBucketName,
      },
    });
    const trail = script({
      name: 'EnsureTrail',
      description: 'Fix the reused trail, or create the multi-Region trail, and start logging.',
      handler: ensureTrail,
      input: {
        Action: plan.out.Action,
        TrailArn: plan.out.TrailArn,
        TrailName: p.TrailName,
        BucketName: plan.out.BucketName,
        BucketChange: bucket.out.Changed,
      },
    });
    const verify = script({
      name: 'Verify',
      description: 'Check some trail is multi-Region, logging and records all management events.',
      handler: verifyMultiRegionTrail,
      input: {},
    });
    return phaseBody({ plan, remediate: [bucket, trail], changed: trail.out.Changed, verify });
  },
});
