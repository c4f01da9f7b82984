import { errorCode, hasErrorCode } from '../../src/aws/invoker';
import { permissionFor } from '../../src/iam/actions';
import type { ScriptContext } from '../../src/model/handlers';
import { param, patterns } from '../../src/model/parameters';
import type { Extraction } from '../../src/model/runbook';
import type { PolicyDocument } from './policy-document';
import { InvalidSettingError } from './settings';

/** Where a bucket is, as far as this account can tell. */
export type BucketLookup = { owned: true; region: string } | { owned: false; exists: boolean; reason: string };

export const LOCATE_BUCKET_PERMISSIONS = [
  permissionFor('s3', 'ListBuckets'),
  permissionFor('s3', 'GetBucketLocation'),
  permissionFor('s3', 'HeadBucket'),
];

/** GetBucketLocation's LocationConstraint as a Region code (empty means us-east-1, EU eu-west-1). Pure. */
export function regionOfLocation(constraint: string | null | undefined): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

const MAX_PAGES = 50;

/**
 * Whether this account owns the bucket, and its Region. ListBuckets lists only the caller's own
 * buckets, so a name missing there is another account's bucket (or no bucket at all: HeadBucket
 * tells which, as far as S3 lets it).
 */
export async function locateBucket(ctx: ScriptContext, bucket: string): Promise<BucketLookup> {
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await ctx.aws<{ Buckets?: Array<{ Name?: string; BucketRegion?: string }>; ContinuationToken?: string }>(
      's3',
      'ListBuckets',
      {
        Prefix: bucket,
        MaxBuckets: 1000,
        ...(token ? { ContinuationToken: token } : {}),
      },
    );
    const mine = (out.Buckets ?? []).find((b) => b.Name === bucket);
    if (mine) {
      if (mine.BucketRegion) return { owned: true, region: mine.BucketRegion };
      const loc = await ctx.aws<{ LocationConstraint?: string | null }>('s3', 'GetBucketLocation', {
        Bucket: bucket,
        ExpectedBucketOwner: ctx.account,
      });
      return { owned: true, region: regionOfLocation(loc.LocationConstraint) };
    }
    token = out.ContinuationToken;
    if (!token) break;
  }
  try {
    await ctx.aws('s3', 'HeadBucket', { Bucket: bucket });
    return {
      owned: false,
      exists: true,
      reason: `bucket ${bucket} belongs to another account, not ${ctx.account}; it must be fixed in the account that owns it`,
    };
  } catch (err) {
    if (hasErrorCode(err, 'NotFound', 'NoSuchBucket', '404'))
      return { owned: false, exists: false, reason: `bucket ${bucket} does not exist` };
    return {
      owned: false,
      exists: true,
      reason: `bucket ${bucket} is not owned by account ${ctx.account} (S3 answered ${errorCode(err)} for it); it must be fixed in the account that owns it`,
    };
  }
}

/** The reason a bucket cannot be changed from this Region, or undefined. Pure. */
export function bucketRegionProblem(bucket: string, bucketRegion: string, here: string): string | undefined {
  if (bucketRegion === here) return undefined;
  return `bucket ${bucket} is in Region ${bucketRegion}; run this runbook in ${bucketRegion}, where Security Hub evaluates it`;
}

/**
 * Whether the bucket can be changed from here: it is this account's and in this Region. If not,
 * the before-state to record and the reason to skip.
 */
export async function checkBucketHere(
  ctx: ScriptContext,
  bucket: string,
): Promise<{ here: true } | { here: false; before: Record<string, unknown>; reason: string }> {
  const where = await locateBucket(ctx, bucket);
  if (!where.owned) return { here: false, before: { Bucket: bucket }, reason: where.reason };
  const regionProblem = bucketRegionProblem(bucket, where.region, ctx.region);
  if (regionProblem) return { here: false, before: { Bucket: bucket, BucketRegion: where.region }, reason: regionProblem };
  return { here: true };
}

/** Where a finding names the bucket: its ARN. */
export const BUCKET_EXTRACT: Extraction<'BucketName'>[] = [
  {
    parameter: 'BucketName',
    from: 'resourceId',
    resourceType: 'AwsS3Bucket',
    pattern: '^arn:aws(?:-cn|-us-gov)?:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$',
  },
];

export const TRAIL_BUCKET_PARAMETER = param.string({
  description: 'The S3 bucket that stores CloudTrail logs.',
  pattern: patterns.bucketName,
});

/** The bucket name is another account's (CreateBucket said BucketAlreadyExists). */
export class BucketNameTakenError extends Error {
  readonly code = 'BucketNameTaken';
  constructor(readonly bucket: string) {
    super(`bucket name ${bucket} is taken by another account`);
    this.name = 'BucketNameTakenError';
  }
}

/** CreateBucket said BucketAlreadyOwnedByYou: another run created it a moment ago. */
export class BucketAlreadyOwnedError extends Error {
  readonly code = 'BucketAlreadyOwned';
  constructor(readonly bucket: string) {
    super(`bucket ${bucket} was created by another run meanwhile`);
    this.name = 'BucketAlreadyOwnedError';
  }
}

export const HARDENED_BUCKET_PERMISSIONS = [
  permissionFor('s3', 'CreateBucket'),
  // CreateBucket with ObjectOwnership needs it
  permissionFor('s3', 'PutBucketOwnershipControls'),
  permissionFor('s3', 'PutPublicAccessBlock'),
  permissionFor('s3', 'PutBucketEncryption'),
  permissionFor('s3', 'PutBucketPolicy'),
];

/**
 * A new bucket in this Region for logs a service delivers: object ownership BucketOwnerEnforced
 * (ACLs off), all four public access block settings, default encryption SSE-S3, and `policy`
 * (the service's delivery statements, TLS-only). Every call after CreateBucket names the owner.
 */
export async function createHardenedBucket(ctx: ScriptContext, bucket: string, policy: PolicyDocument): Promise<void> {
  try {
    await ctx.aws('s3', 'CreateBucket', {
      Bucket: bucket,
      ObjectOwnership: 'BucketOwnerEnforced',
      ...(ctx.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.region } }),
    });
  } catch (err) {
    if (hasErrorCode(err, 'BucketAlreadyExists')) throw new BucketNameTakenError(bucket);
    if (!hasErrorCode(err, 'BucketAlreadyOwnedByYou')) throw err;
    // this account's bucket appeared between the read and the create: another run of hubfix made it
    // a moment ago, or the SDK's retry of this very CreateBucket after a lost answer did (then nothing
    // else would ever harden it). Public access block and encryption are put either way (they only
    // tighten); the caller merges its statements into the policy that is there.
    await hardenAccess(ctx, bucket);
    throw new BucketAlreadyOwnedError(bucket);
  }
  await hardenAccess(ctx, bucket);
  await ctx.aws('s3', 'PutBucketPolicy', { Bucket: bucket, ExpectedBucketOwner: ctx.account, Policy: JSON.stringify(policy) });
}

async function hardenAccess(ctx: ScriptContext, bucket: string): Promise<void> {
  await ctx.aws('s3', 'PutPublicAccessBlock', {
    Bucket: bucket,
    ExpectedBucketOwner: ctx.account,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  await ctx.aws('s3', 'PutBucketEncryption', {
    Bucket: bucket,
    ExpectedBucketOwner: ctx.account,
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
  });
}

/** Bucket-name settings a runbook takes (empty: hubfix names the bucket); a bad one is an InvalidSettingError. */
export function checkOptionalBucketNames(settings: Readonly<Record<string, string>>): void {
  const pattern = new RegExp(patterns.optionalBucketName);
  for (const [name, value] of Object.entries(settings))
    if (!pattern.test(value)) throw new InvalidSettingError(`${name} ${JSON.stringify(value)} is not a bucket name`);
}
