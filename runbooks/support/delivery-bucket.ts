import { hasErrorCode } from '../../src/aws/invoker';
import { permissionFor } from '../../src/iam/actions';
import type { ScriptContext } from '../../src/model/handlers';
import { ensureAccessLogBucket, targetPrefixFor } from '../cloudtrail-bucket-access-logging';
import {
  BucketAlreadyOwnedError,
  BucketNameTakenError,
  HARDENED_BUCKET_PERMISSIONS,
  LOCATE_BUCKET_PERMISSIONS,
  createHardenedBucket,
  locateBucket,
} from './bucket';
import { type PolicyDocument, parsePolicyDocument } from './policy-document';
import { InvalidSettingError } from './settings';

/**
 * A bucket an AWS service delivers logs to (a new trail, AWS Config): created hardened when
 * missing, or given the service's delivery statements when it is already this account's, and its
 * own access logged into the access-log bucket as the CloudTrail.7 runbook does it.
 */

export const DELIVERY_BUCKET_PERMISSIONS = [
  ...LOCATE_BUCKET_PERMISSIONS,
  ...HARDENED_BUCKET_PERMISSIONS,
  permissionFor('s3', 'GetBucketPolicy'),
  permissionFor('s3', 'GetBucketEncryption'),
  permissionFor('s3', 'GetBucketLogging'),
  permissionFor('s3', 'PutBucketLogging'),
];

export async function readBucketPolicy(ctx: ScriptContext, bucket: string): Promise<PolicyDocument | null> {
  try {
    const out = await ctx.aws<{ Policy?: string }>('s3', 'GetBucketPolicy', { Bucket: bucket, ExpectedBucketOwner: ctx.account });
    return parsePolicyDocument(out.Policy);
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchBucketPolicy')) return null;
    throw err;
  }
}

export interface DeliveryBucket {
  bucket: string;
  logBucket: string;
  /** Who delivers, for the Changed line (`CloudTrail delivery for <trail>`). */
  what: string;
  /** The bucket policy with the service's statements merged in; `requireTls` on a new bucket. */
  policy(existing: PolicyDocument | null, requireTls: boolean): { doc: PolicyDocument; changed: boolean };
}

/** Make the delivery bucket ready; one line per change made. */
export async function ensureDeliveryBucket(ctx: ScriptContext, d: DeliveryBucket): Promise<string[]> {
  const changed: string[] = [];
  const where = await locateBucket(ctx, d.bucket);
  if (where.owned && where.region !== ctx.region)
    throw new InvalidSettingError(`bucket ${d.bucket} is in Region ${where.region}, not ${ctx.region}`);
  let existing = where.owned;
  if (!existing) {
    try {
      await createHardenedBucket(ctx, d.bucket, d.policy(null, true).doc);
      changed.push(`created bucket ${d.bucket} (BucketOwnerEnforced, public access blocked, SSE-S3, ${d.what}, TLS only)`);
    } catch (err) {
      if (err instanceof BucketNameTakenError) throw new InvalidSettingError(`${err.message}: pass another BucketName`);
      // another run created it a moment ago: merge into its policy like any existing bucket
      if (!(err instanceof BucketAlreadyOwnedError)) throw err;
      existing = true;
    }
  }
  if (existing) {
    const { doc, changed: policyChanged } = d.policy(await readBucketPolicy(ctx, d.bucket), false);
    if (policyChanged) {
      await ctx.aws('s3', 'PutBucketPolicy', { Bucket: d.bucket, ExpectedBucketOwner: ctx.account, Policy: JSON.stringify(doc) });
      changed.push(`allowed ${d.what} in the policy of ${d.bucket}`);
    }
  }
  const logging = await ctx.aws<{ LoggingEnabled?: { TargetBucket?: string } }>('s3', 'GetBucketLogging', {
    Bucket: d.bucket,
    ExpectedBucketOwner: ctx.account,
  });
  if (!logging.LoggingEnabled?.TargetBucket) {
    const logBucket = await ensureAccessLogBucket(ctx, d.logBucket, d.bucket);
    const target = { TargetBucket: d.logBucket, TargetPrefix: targetPrefixFor(d.bucket) };
    await ctx.aws('s3', 'PutBucketLogging', {
      Bucket: d.bucket,
      ExpectedBucketOwner: ctx.account,
      BucketLoggingStatus: { LoggingEnabled: target },
    });
    changed.push(`${logBucket.Changed}; ${d.bucket} logs its access to ${d.logBucket}/${target.TargetPrefix}`);
  }
  return changed;
}
