import { hasErrorCode } from '../src/aws/invoker';
import { permissionFor } from '../src/iam/actions';
import { type ScriptContext, defineHandler } from '../src/model/handlers';
import {
  CHANGE_OUTPUTS,
  type ChangeResult,
  PLAN_OUTPUTS,
  type PlanResult,
  VERIFY_OUTPUTS,
  type VerifyResult,
  scriptPhases,
} from '../src/model/phases';
import { defineRunbook } from '../src/model/runbook';
import { BUCKET_EXTRACT, LOCATE_BUCKET_PERMISSIONS, TRAIL_BUCKET_PARAMETER, checkBucketHere } from './support/bucket';

export const PUBLIC_ACCESS_SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
export type PublicAccessSetting = (typeof PUBLIC_ACCESS_SETTINGS)[number];
export type PublicAccessBlock = Partial<Record<PublicAccessSetting, boolean>>;

/**
 * The bucket's public access block after turning on the wanted settings: a setting already on
 * stays on, whatever is wanted. Returns the full configuration PutPublicAccessBlock needs (it
 * resets any setting it is not given) and the settings it turns on. Pure.
 */
export function mergePublicAccessBlock(
  current: PublicAccessBlock | null,
  wanted: Record<PublicAccessSetting, boolean> = {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: true,
    RestrictPublicBuckets: true,
  },
): { config: Record<PublicAccessSetting, boolean>; turnedOn: PublicAccessSetting[] } {
  const config = {} as Record<PublicAccessSetting, boolean>;
  const turnedOn: PublicAccessSetting[] = [];
  for (const s of PUBLIC_ACCESS_SETTINGS) {
    const was = current?.[s] === true;
    config[s] = was || wanted[s];
    if (config[s] && !was) turnedOn.push(s);
  }
  return { config, turnedOn };
}

export interface Grant {
  Grantee?: { Type?: string; URI?: string; ID?: string; DisplayName?: string; EmailAddress?: string };
  Permission?: string;
}

/** The predefined groups that make an ACL grant public: everyone, and every AWS account. */
export const PUBLIC_GROUP_URIS = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];

/** True for a grant to AllUsers or AuthenticatedUsers (other grants, LogDelivery included, are not public). Pure. */
export function isPublicGrant(grant: Grant): boolean {
  const g = grant.Grantee;
  if (g?.Type !== 'Group' || !g.URI) return false;
  const uri = g.URI.trim()
    .toLowerCase()
    .replace(/^https:/, 'http:');
  return PUBLIC_GROUP_URIS.some((u) => u.toLowerCase() === uri);
}

/** Split an ACL's grants into the public ones (to remove) and the rest (kept as they are). Pure. */
export function splitGrants(grants: readonly Grant[]): { kept: Grant[]; removed: Grant[] } {
  const kept: Grant[] = [];
  const removed: Grant[] = [];
  for (const g of grants) (isPublicGrant(g) ? removed : kept).push(g);
  return { kept, removed };
}

/** `AllUsers:READ` for a grant. Pure. */
export function describeGrant(g: Grant): string {
  const who = g.Grantee?.URI?.split('/').pop() ?? g.Grantee?.ID ?? g.Grantee?.EmailAddress ?? 'unknown';
  return `${who}:${g.Permission ?? '?'}`;
}

/** With BucketOwnerEnforced, ACLs are disabled: S3 ignores them and refuses to change them. */
export const ACLS_DISABLED = 'BucketOwnerEnforced';

interface Exposure {
  pab: PublicAccessBlock | null;
  ownership: string;
  owner?: { ID?: string; DisplayName?: string };
  grants: Grant[];
  policyIsPublic: boolean;
}

async function readPublicAccessBlock(ctx: ScriptContext, bucket: string): Promise<PublicAccessBlock | null> {
  try {
    const out = await ctx.aws<{ PublicAccessBlockConfiguration?: PublicAccessBlock }>('s3', 'GetPublicAccessBlock', {
      Bucket: bucket,
      ExpectedBucketOwner: ctx.account,
    });
    return out.PublicAccessBlockConfiguration ?? null;
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchPublicAccessBlockConfiguration')) return null;
    throw err;
  }
}

async function readOwnership(ctx: ScriptContext, bucket: string): Promise<string> {
  try {
    const out = await ctx.aws<{ OwnershipControls?: { Rules?: Array<{ ObjectOwnership?: string }> } }>('s3', 'GetBucketOwnershipControls', {
      Bucket: bucket,
      ExpectedBucketOwner: ctx.account,
    });
    return out.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? 'none';
  } catch (err) {
    if (hasErrorCode(err, 'OwnershipControlsNotFoundError')) return 'none';
    throw err;
  }
}

async function readAcl(ctx: ScriptContext, bucket: string): Promise<{ owner?: { ID?: string; DisplayName?: string }; grants: Grant[] }> {
  const out = await ctx.aws<{ Owner?: { ID?: string; DisplayName?: string }; Grants?: Grant[] }>('s3', 'GetBucketAcl', {
    Bucket: bucket,
    ExpectedBucketOwner: ctx.account,
  });
  return { owner: out.Owner, grants: out.Grants ?? [] };
}

async function readPolicyIsPublic(ctx: ScriptContext, bucket: string): Promise<boolean> {
  try {
    const out = await ctx.aws<{ PolicyStatus?: { IsPublic?: boolean } }>('s3', 'GetBucketPolicyStatus', {
      Bucket: bucket,
      ExpectedBucketOwner: ctx.account,
    });
    return out.PolicyStatus?.IsPublic === true;
  } catch (err) {
    if (hasErrorCode(err, 'NoSuchBucketPolicy')) return false;
    throw err;
  }
}

async function readExposure(ctx: ScriptContext, bucket: string): Promise<Exposure> {
  const pab = await readPublicAccessBlock(ctx, bucket);
  const ownership = await readOwnership(ctx, bucket);
  const acl = ownership === ACLS_DISABLED ? { grants: [] as Grant[] } : await readAcl(ctx, bucket);
  const policyIsPublic = await readPolicyIsPublic(ctx, bucket);
  return { pab, ownership, owner: acl.owner, grants: acl.grants, policyIsPublic };
}

/**
 * A public bucket policy keeps the control failing: hubfix does not rewrite bucket policies (a
 * statement may be there on purpose), and RestrictPublicBuckets only confines it to AWS services
 * and this account — the policy itself still grants the world. A person must change it.
 */
export const PUBLIC_POLICY_PROBLEM =
  'the bucket policy is public (GetBucketPolicyStatus IsPublic): hubfix does not rewrite bucket policies; remove or narrow the statements that allow Principal "*" without a condition (CloudTrail\'s own delivery needs only cloudtrail.amazonaws.com)';

/** What is still open: settings off, public grants (when ACLs apply), a public policy. Empty when compliant. Pure. */
export function exposureProblems(e: Pick<Exposure, 'pab' | 'ownership' | 'grants'> & Partial<Pick<Exposure, 'policyIsPublic'>>): string[] {
  const problems: string[] = PUBLIC_ACCESS_SETTINGS.filter((s) => e.pab?.[s] !== true).map((s) => `${s} is off`);
  if (e.ownership !== ACLS_DISABLED) {
    const { removed } = splitGrants(e.grants);
    if (removed.length) problems.push(`public ACL grants ${removed.map(describeGrant).join(', ')}`);
  }
  if (e.policyIsPublic === true) problems.push(PUBLIC_POLICY_PROBLEM);
  return problems;
}

/** The problems hubfix can fix itself (all but a public policy). Pure. */
function fixableProblems(e: Exposure): string[] {
  return exposureProblems({ ...e, policyIsPublic: false });
}

function exposureState(bucket: string, e: Exposure): Record<string, unknown> {
  const state: Record<string, unknown> = { Bucket: bucket };
  for (const s of PUBLIC_ACCESS_SETTINGS) state[s] = String(e.pab?.[s] === true);
  state.PublicAccessBlock = e.pab ? 'present' : 'none';
  state.ObjectOwnership = e.ownership;
  state.PublicGrants =
    e.ownership === ACLS_DISABLED ? 'ACLs disabled (BucketOwnerEnforced)' : JSON.stringify(splitGrants(e.grants).removed);
  state.BucketPolicyIsPublic = String(e.policyIsPublic);
  return state;
}

const READ_PERMISSIONS = [
  ...LOCATE_BUCKET_PERMISSIONS,
  permissionFor('s3', 'GetPublicAccessBlock'),
  permissionFor('s3', 'GetBucketOwnershipControls'),
  permissionFor('s3', 'GetBucketAcl'),
  permissionFor('s3', 'GetBucketPolicyStatus'),
];

export const planBucketPublicAccess = defineHandler<{ BucketName: string }, PlanResult>({
  id: 'cloudtrailBucketPublicAccess.plan',
  description:
    "Check the bucket is this account's and in this Region, then read its public access block, object ownership, ACL and policy status.",
  permissions: READ_PERMISSIONS,
  outputs: PLAN_OUTPUTS,
  async run({ BucketName }, ctx) {
    const bucket = await checkBucketHere(ctx, BucketName);
    if (!bucket.here) return { Decision: 'skip', Before: bucket.before, Summary: `skipped: ${bucket.reason}` };
    const e = await readExposure(ctx, BucketName);
    const before = exposureState(BucketName, e);
    const problems = fixableProblems(e);
    const note = e.policyIsPublic
      ? '; its bucket policy is public and stays so (hubfix does not rewrite policies): the finding is left for a person (NOTIFIED), change the policy'
      : '';
    if (problems.length === 0)
      return {
        Decision: 'compliant',
        Before: before,
        Summary: `bucket ${BucketName}: public access is blocked and no ACL grant is public${note}`,
      };
    const { turnedOn } = mergePublicAccessBlock(e.pab);
    const actions: string[] = [];
    if (turnedOn.length) actions.push(`turn on ${turnedOn.join(', ')}`);
    if (e.ownership !== ACLS_DISABLED) {
      const { removed } = splitGrants(e.grants);
      if (removed.length) actions.push(`remove public ACL grants ${removed.map(describeGrant).join(', ')}`);
    }
    return { Decision: 'remediate', Before: before, Summary: `bucket ${BucketName}: will ${actions.join('; ')}${note}` };
  },
});

export const applyBucketPublicAccess = defineHandler<{ BucketName: string }, ChangeResult>({
  id: 'cloudtrailBucketPublicAccess.apply',
  description: 'Re-read, turn on the missing public access block settings (never off), then remove only the public ACL grants.',
  permissions: [
    permissionFor('s3', 'GetPublicAccessBlock'),
    permissionFor('s3', 'GetBucketOwnershipControls'),
    permissionFor('s3', 'GetBucketAcl'),
    permissionFor('s3', 'PutPublicAccessBlock'),
    permissionFor('s3', 'PutBucketAcl'),
  ],
  outputs: CHANGE_OUTPUTS,
  async run({ BucketName }, ctx) {
    const changes: string[] = [];
    const pab = await readPublicAccessBlock(ctx, BucketName);
    const { config, turnedOn } = mergePublicAccessBlock(pab);
    if (turnedOn.length) {
      await ctx.aws('s3', 'PutPublicAccessBlock', {
        Bucket: BucketName,
        ExpectedBucketOwner: ctx.account,
        PublicAccessBlockConfiguration: config,
      });
      changes.push(`turned on ${turnedOn.join(', ')}`);
    }
    const ownership = await readOwnership(ctx, BucketName);
    if (ownership === ACLS_DISABLED) {
      changes.push('ACL left alone: ACLs are disabled (BucketOwnerEnforced)');
    } else {
      const acl = await readAcl(ctx, BucketName);
      const { kept, removed } = splitGrants(acl.grants);
      if (removed.length) {
        await ctx.aws('s3', 'PutBucketAcl', {
          Bucket: BucketName,
          ExpectedBucketOwner: ctx.account,
          AccessControlPolicy: { Owner: acl.owner, Grants: kept },
        });
        changes.push(`removed public ACL grants ${removed.map(describeGrant).join(', ')}`);
      }
    }
    return { Changed: changes.length ? changes.join('; ') : 'nothing' };
  },
});

export const verifyBucketPublicAccess = defineHandler<{ BucketName: string }, VerifyResult>({
  id: 'cloudtrailBucketPublicAccess.verify',
  description: 'Read the live public access block, ACL and policy status and check nothing is left open (a public policy included).',
  permissions: READ_PERMISSIONS.filter((p) => !LOCATE_BUCKET_PERMISSIONS.includes(p)),
  outputs: VERIFY_OUTPUTS,
  async run({ BucketName }, ctx) {
    const e = await readExposure(ctx, BucketName);
    const problems = exposureProblems(e);
    return { Verified: problems.length === 0, After: exposureState(BucketName, e), Unmet: problems.join('; ') };
  },
});

export const cloudTrailBucketPublicAccessRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-BucketPublicAccess',
  title: 'The CloudTrail log bucket is not publicly accessible',
  class: 'B',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsS3Bucket',
  changes:
    'Turns on the four S3 public access block settings of the trail bucket (never turns one off) and removes only the AllUsers / AuthenticatedUsers grants from its ACL.',
  guidance:
    'Block public access on the CloudTrail log bucket (S3 console → the bucket → Permissions → Block public access: all four on) and remove ACL grants to Everyone or Authenticated users. A public bucket policy must be changed by hand (hubfix never rewrites one): remove statements that allow Principal "*" without a condition; CloudTrail\'s own delivery needs only cloudtrail.amazonaws.com.',
  description: `# Hubfix: the CloudTrail log bucket is not public (CIS 1.2.0 2.3)

Closes public access to the S3 bucket that holds CloudTrail logs. Security Hub evaluates this control in the account and Region of the bucket, so the runbook runs there.

1. **Plan** checks the bucket belongs to this account (\`ListBuckets\` lists only the caller's buckets) and is in this Region; otherwise it is **skipped** with the reason. It reads the public access block, the object ownership setting, the ACL and whether the bucket policy is public. The before-state (\`Plan.Before\`) lists each of the four settings and the public grants as JSON.
2. **Gate**: with \`DryRun\` true, or when all four settings are on and no ACL grant is public, nothing is written.
3. **Apply** re-reads and calls \`PutPublicAccessBlock\` with every setting that was already on kept on and the missing ones turned on. It then removes only the grants to \`AllUsers\` and \`AuthenticatedUsers\` from the ACL (\`PutBucketAcl\` with the other grants and the owner unchanged). With object ownership \`BucketOwnerEnforced\`, ACLs are disabled and the ACL is left alone. Every S3 call carries \`ExpectedBucketOwner\`, so a bucket of another account is never touched. The bucket policy is not changed: \`RestrictPublicBuckets\` confines a public policy to AWS services and this account, but the policy still grants the world, so the control keeps failing.
4. **Verify** reads the live settings, ACL and policy status. A bucket whose policy is public (\`GetBucketPolicyStatus\` \`IsPublic\`) is **not verified**: the finding is NOTIFIED with the guidance, never RESOLVED, until a person changes the policy.

The account-level S3 Block Public Access settings are deliberately not counted toward the bucket's: S3 applies the stricter of the two, but the account-level switch covers every bucket and can be turned off by anyone who administers the account, and it does not make a public policy private. The bucket must carry its own four settings, so a bucket that only the account-level setting protects is still fixed (and never RESOLVED without its own), and a public policy stays failing whatever the account says.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws s3api put-public-access-block --bucket <Bucket> --public-access-block-configuration\` with the four values from \`Plan.Before\` (or \`delete-public-access-block\` when it was \`none\`), and add back the grants listed in \`Plan.Before.PublicGrants\` with \`aws s3api put-bucket-acl\`.`,
  controls: [
    {
      id: 'CloudTrail.6',
      title: 'Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible',
      aliases: { 'cis-1.2.0': ['2.3'], 'cis-1.4.0': ['3.3'] },
    },
  ],
  extract: BUCKET_EXTRACT,
  parameters: { BucketName: TRAIL_BUCKET_PARAMETER },
  body(p) {
    const input = { BucketName: p.BucketName };
    return scriptPhases({
      input,
      plan: {
        handler: planBucketPublicAccess,
        description: 'Check owner and Region; read the public access block, ownership, ACL and policy status.',
      },
      change: {
        name: 'Apply',
        handler: applyBucketPublicAccess,
        description: 'Turn on the missing settings; remove only the public ACL grants.',
      },
      verify: { handler: verifyBucketPublicAccess, description: 'Check the live settings, ACL and policy status.' },
    });
  },
});
