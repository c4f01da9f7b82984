import { hasErrorCode } from '../src/aws/invoker';
import { permissionFor } from '../src/iam/actions';
import { type ScriptContext, defineHandler } from '../src/model/handlers';
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
import { BUCKET_EXTRACT, LOCATE_BUCKET_PERMISSIONS, checkBucketHere, locateBucket } from './support/bucket';
import { type PolicyDocument, type PolicyStatement, canonicalJson, parsePolicyDocument } from './support/policy-document';

export const LOG_DELIVERY_SID = 'HubfixS3ServerAccessLogs';
export const TLS_ONLY_SID = 'HubfixDenyInsecureTransport';

/** The log bucket hubfix uses when the operator names none (at most 19 + 12 + 1 + 14 characters). Pure. */
export function defaultLogBucketName(account: string, region: string): string {
  return `hubfix-access-logs-${account}-${region}`;
}

/** Access logs of a source bucket go under `<source>/` in the log bucket. Pure. */
export function targetPrefixFor(sourceBucket: string): string {
  return `${sourceBucket}/`;
}

interface LogBucketContext {
  partition: string;
  account: string;
  logBucket: string;
}

/**
 * S3's logging service may write objects for this account's buckets only. The condition names the
 * account, not each source bucket: with S3.9 every bucket of the account and Region logs here, a
 * list would outgrow the 20 KB policy limit, and runs for several buckets at once would each write
 * the list without the others' entries. A statement that is the same for every run cannot lose
 * anyone's. Pure.
 */
export function logDeliveryStatement(c: LogBucketContext): PolicyStatement {
  return {
    Sid: LOG_DELIVERY_SID,
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `arn:${c.partition}:s3:::${c.logBucket}/*`,
    Condition: {
      StringEquals: { 'aws:SourceAccount': c.account },
      ArnLike: { 'aws:SourceArn': `arn:${c.partition}:s3:::*` },
    },
  };
}

/** Deny every request that does not use TLS. Pure. */
export function tlsOnlyStatement(c: LogBucketContext): PolicyStatement {
  const arn = `arn:${c.partition}:s3:::${c.logBucket}`;
  return {
    Sid: TLS_ONLY_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * The log bucket's policy with delivery allowed for this account's buckets: other statements are
 * kept as they are, hubfix's delivery statement is put in (an older one naming single source
 * buckets is replaced by it), and the TLS-only statement is added when asked (on a bucket hubfix
 * creates). Pure.
 */
export function mergeLogBucketPolicy(
  existing: PolicyDocument | null,
  c: LogBucketContext & { requireTls: boolean },
): { doc: PolicyDocument; changed: boolean } {
  const statements = [...(existing?.Statement ?? [])];
  const at = statements.findIndex((s) => s.Sid === LOG_DELIVERY_SID);
  const delivery = logDeliveryStatement(c);
  if (at >= 0) statements[at] = delivery;
  else statements.push(delivery);
  if (c.requireTls && !statements.some((s) => s.Sid === TLS_ONLY_SID)) statements.push(tlsOnlyStatement(c));
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return { doc, changed: !existing || canonicalJson(existing) !== canonicalJson(doc) };
}

/** S3 delivers server access logs only to a bucket whose default encryption is SSE-S3. Pure. */
export function encryptionProblem(logBucket: string, sseAlgorithm: string | undefined): string | undefined {
  if (sseAlgorithm && sseAlgorithm !== 'AES256') {
    return `log bucket ${logBucket} uses default encryption ${sseAlgorithm}; S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES256): pass another LogBucketName`;
  }
  return undefined;
}

interface LoggingTarget {
  TargetBucket: string;
  TargetPrefix: string;
}

async function readLogging(ctx: ScriptContext, bucket: string): Promise<LoggingTarget | null> {
  const out = await ctx.aws<{ LoggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } }>('s3', 'GetBucketLogging', {
    Bucket: bucket,
    ExpectedBucketOwner: ctx.account,
  });
  if (!out.LoggingEnabled?.TargetBucket) return null;
  return { TargetBucket: out.LoggingEnabled.TargetBucket, TargetPrefix: out.LoggingEnabled.TargetPrefix ?? '' };
}

async function readDefaultEncryption(ctx: ScriptContext, bucket: string): Promise<string | undefined> {
  try {
    const out = await ctx.aws<{
      ServerSideEncryptionConfiguration?: { Rules?: Array<{ ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }> };
    }>('s3', 'GetBucketEncryption', { Bucket: bucket, ExpectedBucketOwner: ctx.account });
    return out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  } catch (err) {
    if (hasErrorCode(err, 'ServerSideEncryptionConfigurationNotFoundError')) return undefined;
    throw err;
  }
}

async function readBucketPolicy(ctx: ScriptContext, bucket: string): Promise<PolicyDocument | null> {
  try {
    const out = await ctx.aws<{ Policy?: string }>('s3', 'GetBucketPolicy', { Bucket: bucket, ExpectedBucketOwner: ctx.account });
    return parsePolicyDocument(out.Policy);
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchBucketPolicy')) return null;
    throw err;
  }
}

/** What to do about the log bucket: create it, reuse it, or skip the run (with the reason). */
type LogBucketPlan = { action: 'create' | 'reuse' } | { action: 'skip'; reason: string };

async function planLogBucket(ctx: ScriptContext, logBucket: string, sourceBucket: string): Promise<LogBucketPlan> {
  if (logBucket === sourceBucket)
    return { action: 'skip', reason: `the log bucket cannot be the bucket it logs (${logBucket}): pass another LogBucketName` };
  let where = await locateBucket(ctx, logBucket);
  // a run for another bucket may have created the shared log bucket between ListBuckets and
  // HeadBucket: look once more before calling it another account's
  if (!where.owned && where.exists) {
    await ctx.sleep(1000);
    where = await locateBucket(ctx, logBucket);
  }
  if (!where.owned) {
    if (!where.exists) return { action: 'create' };
    return { action: 'skip', reason: `log bucket name ${logBucket} is taken by another account: pass another LogBucketName` };
  }
  if (where.region !== ctx.region) {
    return {
      action: 'skip',
      reason: `log bucket ${logBucket} is in Region ${where.region}; S3 delivers access logs only within a Region: pass a log bucket in ${ctx.region}`,
    };
  }
  const problem = encryptionProblem(logBucket, await readDefaultEncryption(ctx, logBucket));
  return problem ? { action: 'skip', reason: problem } : { action: 'reuse' };
}

interface PlanInput {
  BucketName: string;
  LogBucketName: string;
}

type PlanOutput = PlanResult & { LogBucketName: string };

const LOG_BUCKET_READ = [...LOCATE_BUCKET_PERMISSIONS, permissionFor('s3', 'GetBucketEncryption')];

export const planAccessLogging = defineHandler<PlanInput, PlanOutput>({
  id: 'cloudtrailBucketLogging.plan',
  description:
    "Check the bucket is this account's and in this Region, read its logging configuration, and check the log bucket can receive logs.",
  permissions: [...LOG_BUCKET_READ, permissionFor('s3', 'GetBucketLogging')],
  outputs: { ...PLAN_OUTPUTS, LogBucketName: 'String' },
  async run({ BucketName, LogBucketName }, ctx) {
    const skip = (before: Record<string, unknown>, reason: string): PlanOutput => ({
      Decision: 'skip',
      Before: before,
      Summary: `skipped: ${reason}`,
      LogBucketName: '',
    });
    const bucket = await checkBucketHere(ctx, BucketName);
    if (!bucket.here) return skip(bucket.before, bucket.reason);
    const current = await readLogging(ctx, BucketName);
    if (current) {
      return {
        Decision: 'compliant',
        Before: { Bucket: BucketName, Logging: 'enabled', ...current },
        Summary: `bucket ${BucketName} already logs to ${current.TargetBucket}/${current.TargetPrefix}; left as it is`,
        LogBucketName: '',
      };
    }
    const logBucket = LogBucketName || defaultLogBucketName(ctx.account, ctx.region);
    const before = { Bucket: BucketName, Logging: 'disabled', LogBucket: logBucket };
    const plan = await planLogBucket(ctx, logBucket, BucketName);
    if (plan.action === 'skip') return skip(before, plan.reason);
    const first =
      plan.action === 'create'
        ? `create the hardened log bucket ${logBucket}`
        : `allow log delivery for it in the existing bucket ${logBucket}`;
    return {
      Decision: 'remediate',
      Before: { ...before, LogBucketAction: plan.action },
      Summary: `bucket ${BucketName} has no server access logging; will ${first}, then log to ${logBucket}/${targetPrefixFor(BucketName)}`,
      LogBucketName: logBucket,
    };
  },
});

/**
 * The log bucket, ready to receive access logs from this account's buckets: created hardened when
 * missing (owner-enforced, public access blocked, SSE-S3, delivery and TLS-only policy), or its
 * delivery statement added. Throws when the plan says skip. The trail and Config runbooks use it for
 * the buckets they create.
 */
export async function ensureAccessLogBucket(
  ctx: ScriptContext,
  LogBucketName: string,
  SourceBucket: string,
): Promise<{ Created: boolean; Changed: string }> {
  const plan = await planLogBucket(ctx, LogBucketName, SourceBucket);
  if (plan.action === 'skip') throw new Error(plan.reason);
  const c = { partition: ctx.partition, account: ctx.account, logBucket: LogBucketName };
  if (plan.action === 'create') {
    let created = true;
    try {
      await ctx.aws('s3', 'CreateBucket', {
        Bucket: LogBucketName,
        ObjectOwnership: 'BucketOwnerEnforced',
        ...(ctx.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.region } }),
      });
    } catch (err) {
      if (hasErrorCode(err, 'BucketAlreadyExists'))
        throw new Error(`log bucket name ${LogBucketName} was just taken by another account: pass another LogBucketName`);
      // a run for another bucket created it a moment ago: harden it the same way (every call is idempotent)
      if (!hasErrorCode(err, 'BucketAlreadyOwnedByYou')) throw err;
      created = false;
    }
    await ctx.aws('s3', 'PutPublicAccessBlock', {
      Bucket: LogBucketName,
      ExpectedBucketOwner: ctx.account,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    await ctx.aws('s3', 'PutBucketEncryption', {
      Bucket: LogBucketName,
      ExpectedBucketOwner: ctx.account,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    const { doc } = mergeLogBucketPolicy(created ? null : await readBucketPolicy(ctx, LogBucketName), { ...c, requireTls: true });
    await ctx.aws('s3', 'PutBucketPolicy', { Bucket: LogBucketName, ExpectedBucketOwner: ctx.account, Policy: JSON.stringify(doc) });
    const how = created ? 'created' : 'hardened (just created by another hubfix run)';
    return {
      Created: created,
      Changed: `${how} log bucket ${LogBucketName} (BucketOwnerEnforced, public access blocked, SSE-S3, delivery and TLS-only policy)`,
    };
  }
  const { doc, changed } = mergeLogBucketPolicy(await readBucketPolicy(ctx, LogBucketName), { ...c, requireTls: false });
  if (!changed) return { Created: false, Changed: `log bucket ${LogBucketName} already allows delivery for ${SourceBucket}` };
  await ctx.aws('s3', 'PutBucketPolicy', { Bucket: LogBucketName, ExpectedBucketOwner: ctx.account, Policy: JSON.stringify(doc) });
  return { Created: false, Changed: `allowed log delivery from this account's buckets in the policy of ${LogBucketName}` };
}

export const ensureLogBucket = defineHandler<{ LogBucketName: string; SourceBucket: string }, { Created: boolean; Changed: string }>({
  id: 'cloudtrailBucketLogging.ensureLogBucket',
  description:
    'Create the log bucket hardened (owner-enforced, public access blocked, SSE-S3, delivery and TLS-only policy) when missing; on an existing one only allow delivery for the source bucket.',
  permissions: [
    ...LOG_BUCKET_READ,
    permissionFor('s3', 'CreateBucket'),
    // CreateBucket with ObjectOwnership needs it
    permissionFor('s3', 'PutBucketOwnershipControls'),
    permissionFor('s3', 'PutPublicAccessBlock'),
    permissionFor('s3', 'PutBucketEncryption'),
    permissionFor('s3', 'GetBucketPolicy'),
    permissionFor('s3', 'PutBucketPolicy'),
  ],
  outputs: { Created: 'Boolean', Changed: 'String' },
  run: ({ LogBucketName, SourceBucket }, ctx) => ensureAccessLogBucket(ctx, LogBucketName, SourceBucket),
});

export const enableAccessLogging = defineHandler<{ BucketName: string; LogBucketName: string; LogBucketChange: string }, ChangeResult>({
  id: 'cloudtrailBucketLogging.enable',
  description: 'Re-read the bucket; when it still has no logging, turn on server access logging into the log bucket.',
  permissions: [permissionFor('s3', 'GetBucketLogging'), permissionFor('s3', 'PutBucketLogging')],
  outputs: CHANGE_OUTPUTS,
  async run({ BucketName, LogBucketName, LogBucketChange }, ctx) {
    const current = await readLogging(ctx, BucketName);
    if (current) return { Changed: `${LogBucketChange}; nothing on ${BucketName}: it already logs to ${current.TargetBucket}` };
    const target = { TargetBucket: LogBucketName, TargetPrefix: targetPrefixFor(BucketName) };
    await ctx.aws('s3', 'PutBucketLogging', {
      Bucket: BucketName,
      ExpectedBucketOwner: ctx.account,
      BucketLoggingStatus: { LoggingEnabled: target },
    });
    return { Changed: `${LogBucketChange}; ${BucketName} now logs to ${target.TargetBucket}/${target.TargetPrefix}` };
  },
});

export const verifyAccessLogging = defineHandler<{ BucketName: string }, VerifyResult>({
  id: 'cloudtrailBucketLogging.verify',
  description: 'Read the live logging configuration of the bucket.',
  permissions: [permissionFor('s3', 'GetBucketLogging')],
  outputs: VERIFY_OUTPUTS,
  async run({ BucketName }, ctx) {
    const current = await readLogging(ctx, BucketName);
    return {
      Verified: current !== null,
      Unmet: current ? '' : 'server access logging is still off',
      After: current ? { Bucket: BucketName, Logging: 'enabled', ...current } : { Bucket: BucketName, Logging: 'disabled' },
    };
  },
});

export const cloudTrailBucketAccessLoggingRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-BucketAccessLogging',
  title: 'S3 server access logging is enabled on the CloudTrail bucket (or any bucket, S3.9)',
  class: 'B',
  // additive and outside any workload's path; the only cost is storing small log objects
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsS3Bucket',
  changes:
    'Turns on S3 server access logging of the trail bucket (CloudTrail.7) or any bucket (S3.9) into a hardened log bucket (created when missing: owner-enforced, public access blocked, SSE-S3, TLS-only); an existing logging configuration is left alone.',
  guidance:
    'Turn on server access logging for the bucket (for CloudTrail.7, the CloudTrail bucket) (S3 console → the bucket → Properties → Server access logging) into a separate log bucket in the same account and Region, with public access blocked and SSE-S3.',
  description: `# Hubfix: server access logging on the CloudTrail bucket (CIS 1.2.0 2.6, CloudTrail.7) or any bucket (S3.9)

Records every request made to the bucket (the one that stores CloudTrail logs for CloudTrail.7, any bucket for S3.9), in a separate log bucket. The log bucket itself is never logged into itself: its own S3.9 finding is skipped with the reason. Security Hub evaluates this control in the account and Region of the bucket, so the runbook runs there.

1. **Plan** checks the bucket belongs to this account (\`ListBuckets\` lists only the caller's buckets) and is in this Region; otherwise it is **skipped** with the reason. A bucket that already logs somewhere is compliant and its configuration is never replaced. It then checks the log bucket (\`LogBucketName\`, default \`hubfix-access-logs-<account>-<Region>\`): missing → to be created; this account's, same Region, SSE-S3 → reused; another account's name, another Region or SSE-KMS default encryption → **skipped** with the reason (S3 delivers access logs only within a Region and only into SSE-S3 buckets).
2. **Gate**: with \`DryRun\` true, or when logging is already on, nothing is written.
3. **EnsureLogBucket** creates a missing log bucket with object ownership \`BucketOwnerEnforced\` (ACLs disabled), all four public access block settings, default encryption SSE-S3 and a policy that lets \`logging.s3.amazonaws.com\` write objects only for this account's buckets (\`aws:SourceAccount\`, \`aws:SourceArn\` an S3 bucket) and denies any request without TLS. The condition names the account rather than each bucket, so one log bucket serves every bucket of the account and Region (S3.9) within the 20 KB policy limit, and runs for several buckets at once write the same statement. On an existing log bucket it only puts in hubfix's delivery statement; every other statement stays as it is. A log bucket another run created a moment ago is hardened the same way.
4. **EnableLogging** re-reads the bucket and, if it still does not log, calls \`PutBucketLogging\` with the log bucket and the prefix \`<bucket>/\`. Every S3 call on an existing bucket carries \`ExpectedBucketOwner\`.
5. **Verify** reads the logging configuration. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

To undo: \`aws s3api put-bucket-logging --bucket <Bucket> --bucket-logging-status '{}'\`; the log bucket (see \`EnsureLogBucket.Changed\`) can then be emptied and deleted if hubfix created it.`,
  controls: [
    {
      id: 'CloudTrail.7',
      title: 'Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket',
      aliases: { 'cis-1.2.0': ['2.6'], 'cis-1.4.0': ['3.6'], 'cis-3.0.0': ['3.4'] },
    },
    // nothing in plan or verify is particular to a trail's bucket: any bucket of this account and Region
    { id: 'S3.9', title: 'S3 general purpose buckets should have server access logging enabled', fsbp: true },
  ],
  extract: BUCKET_EXTRACT,
  parameters: {
    BucketName: param.string({
      description: 'The S3 bucket to log: the bucket that stores CloudTrail logs (CloudTrail.7), or any bucket (S3.9).',
      pattern: patterns.bucketName,
    }),
    LogBucketName: param.string({
      description: 'Bucket that receives the access logs (created when missing). Empty: hubfix-access-logs-<account>-<Region>.',
      default: '',
      pattern: patterns.optionalBucketName,
    }),
  },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Check owner and Region, read the logging configuration (before-state), check the log bucket.',
      handler: planAccessLogging,
      input: { BucketName: p.BucketName, LogBucketName: p.LogBucketName },
    });
    const logBucket = script({
      name: 'EnsureLogBucket',
      description: 'Create the hardened log bucket when missing; allow delivery for the source bucket.',
      handler: ensureLogBucket,
      input: { LogBucketName: plan.out.LogBucketName, SourceBucket: p.BucketName },
    });
    const enable = script({
      name: 'EnableLogging',
      description: 'Turn on server access logging into the log bucket, unless the bucket logs already.',
      handler: enableAccessLogging,
      input: { BucketName: p.BucketName, LogBucketName: plan.out.LogBucketName, LogBucketChange: logBucket.out.Changed },
    });
    const verify = script({
      name: 'Verify',
      description: 'Check the live logging configuration.',
      handler: verifyAccessLogging,
      input: { BucketName: p.BucketName },
    });
    return phaseBody({ plan, remediate: [logBucket, enable], changed: enable.out.Changed, verify });
  },
});
