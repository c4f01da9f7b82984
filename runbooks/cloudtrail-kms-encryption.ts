import { hasErrorCode } from '../src/aws/invoker';
import { partitionArn, permissionFor } from '../src/iam/actions';
import { type Permission, type ScriptContext, defineHandler } from '../src/model/handlers';
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
import { type PolicyDocument, type PolicyStatement, asList, canonicalJson, parsePolicyDocument } from './support/policy-document';
import { GET_TRAIL, TRAIL_EXTRACT, TRAIL_NAME_PARAMETER, type Trail, lookUpTrail, trailIdentity } from './support/trail';

/**
 * CloudTrail.2 (CIS 2.7): the trail's log files are encrypted with a customer managed KMS key. A
 * key hubfix tagged for CloudTrail in this account and Region is reused (its policy gains this
 * trail); otherwise one is created with the key policy CloudTrail documents and rotation on.
 */

export const KEY_TAG = { TagKey: 'hubfix:purpose', TagValue: 'cloudtrail' } as const;

export const KEY_ADMIN_SID = 'HubfixKeyAdministration';
export const ENCRYPT_SID = 'HubfixCloudTrailEncrypt';
export const DESCRIBE_SID = 'HubfixCloudTrailDescribeKey';
export const DECRYPT_SID = 'HubfixCloudTrailDecrypt';

interface KeyPolicyContext {
  partition: string;
  account: string;
  trailArn: string;
}

/** The trails an existing hubfix statement names in `aws:SourceArn`. Pure. */
function sourceArnsOf(statement: PolicyStatement | undefined): string[] {
  return asList(statement?.Condition?.StringEquals?.['aws:SourceArn']);
}

function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/**
 * The key policy with CloudTrail allowed to encrypt for `trailArn` and describe the key (both
 * limited to the named trails by `aws:SourceArn`, encryption also to this account's trails by the
 * `kms:EncryptionContext:aws:cloudtrail:arn` context), and this account's principals allowed to
 * decrypt log files. Other statements stay as they are; the account-root administration statement
 * (KMS's default, without which nobody could manage the key) is added only to a new key. Pure.
 */
export function mergeCloudTrailKeyPolicy(existing: PolicyDocument | null, c: KeyPolicyContext): { doc: PolicyDocument; changed: boolean } {
  const statements = [...(existing?.Statement ?? [])];
  const find = (sid: string) => statements.find((s) => s.Sid === sid);
  const trails = (sid: string) => oneOrMany([...new Set([...sourceArnsOf(find(sid)), c.trailArn])].sort());
  const cloudTrail = { Service: 'cloudtrail.amazonaws.com' };
  const context = { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${c.partition}:cloudtrail:*:${c.account}:trail/*` };
  const ours: PolicyStatement[] = [
    {
      Sid: ENCRYPT_SID,
      Effect: 'Allow',
      Principal: cloudTrail,
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': trails(ENCRYPT_SID) }, StringLike: context },
    },
    {
      Sid: DESCRIBE_SID,
      Effect: 'Allow',
      Principal: cloudTrail,
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': trails(DESCRIBE_SID) } },
    },
    {
      Sid: DECRYPT_SID,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': c.account }, StringLike: context },
    },
  ];
  if (!existing)
    statements.push({
      Sid: KEY_ADMIN_SID,
      Effect: 'Allow',
      Principal: { AWS: `arn:${c.partition}:iam::${c.account}:root` },
      Action: 'kms:*',
      Resource: '*',
    });
  for (const s of ours) {
    const at = statements.findIndex((x) => x.Sid === s.Sid);
    if (at >= 0) statements[at] = s;
    else statements.push(s);
  }
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return { doc, changed: !existing || canonicalJson(existing) !== canonicalJson(doc) };
}

/** What the plan decides for a trail found in its home Region. Pure. */
export function encryptionDecision(trail: Trail, key: { arn: string } | null): { decision: 'compliant' | 'remediate'; summary: string } {
  if (trail.KmsKeyId)
    return { decision: 'compliant', summary: `trail ${trail.Name} is already encrypted with ${trail.KmsKeyId}; nothing to change` };
  const keyStep = key
    ? `let CloudTrail use the hubfix key ${key.arn} for it (key policy)`
    : 'create a customer managed key for CloudTrail (key policy for this trail, rotation on, tagged hubfix:purpose=cloudtrail)';
  return { decision: 'remediate', summary: `trail ${trail.Name} is not encrypted with KMS; will ${keyStep}, then UpdateTrail KmsKeyId` };
}

interface KeyMetadata {
  KeyId: string;
  Arn: string;
  KeyState?: string;
  KeyManager?: string;
  KeySpec?: string;
}

function usable(k: KeyMetadata): boolean {
  return k.KeyState === 'Enabled' && k.KeyManager === 'CUSTOMER' && k.KeySpec === 'SYMMETRIC_DEFAULT';
}

const MAX_KEY_PAGES = 20;

/** The first enabled symmetric customer managed key of this Region tagged hubfix:purpose=cloudtrail, or null. */
export async function findTaggedKey(ctx: ScriptContext): Promise<KeyMetadata | null> {
  let marker: string | undefined;
  for (let page = 0; page < MAX_KEY_PAGES; page++) {
    const out = await ctx.aws<{ Keys?: Array<{ KeyId?: string }>; Truncated?: boolean; NextMarker?: string }>('kms', 'ListKeys', {
      Limit: 100,
      ...(marker ? { Marker: marker } : {}),
    });
    for (const k of out.Keys ?? []) {
      if (!k.KeyId) continue;
      let tags: Array<{ TagKey?: string; TagValue?: string }>;
      try {
        tags = (await ctx.aws<{ Tags?: typeof tags }>('kms', 'ListResourceTags', { KeyId: k.KeyId })).Tags ?? [];
      } catch (err) {
        // AWS managed keys and keys whose policy does not let the account in: not hubfix's
        if (hasErrorCode(err, 'AccessDeniedException', 'NotFoundException')) continue;
        throw err;
      }
      if (!tags.some((t) => t.TagKey === KEY_TAG.TagKey && t.TagValue === KEY_TAG.TagValue)) continue;
      const meta = (await ctx.aws<{ KeyMetadata?: KeyMetadata }>('kms', 'DescribeKey', { KeyId: k.KeyId })).KeyMetadata;
      if (meta && usable(meta)) return meta;
    }
    marker = out.Truncated ? out.NextMarker : undefined;
    if (!marker) break;
  }
  return null;
}

const KEY_RESOURCE = partitionArn('kms:*:*:key/*');
const FIND_KEY: Permission[] = [
  { action: 'kms:ListKeys', resource: '*' },
  { action: 'kms:ListResourceTags', resource: KEY_RESOURCE },
  permissionFor('kms', 'DescribeKey'),
];

type PlanOutput = PlanResult & { TrailArn: string; KeyArn: string };

export const planTrailEncryption = defineHandler<{ TrailName: string }, PlanOutput>({
  id: 'cloudtrailKmsEncryption.plan',
  description: 'Find the trail (owner, home Region), read its KMS key; look for a hubfix key to reuse.',
  permissions: [GET_TRAIL, ...FIND_KEY],
  outputs: { ...PLAN_OUTPUTS, TrailArn: 'String', KeyArn: 'String' },
  async run({ TrailName }, ctx) {
    const found = await lookUpTrail(ctx, TrailName);
    if (!found.found)
      return { Decision: 'skip', Before: { Trail: TrailName }, Summary: `skipped: ${found.reason}`, TrailArn: '', KeyArn: '' };
    const { trail } = found;
    const before = { ...trailIdentity(trail), KmsKeyId: trail.KmsKeyId || 'none' };
    if (trail.KmsKeyId)
      return {
        Decision: 'compliant',
        Before: before,
        Summary: encryptionDecision(trail, null).summary,
        TrailArn: trail.TrailARN,
        KeyArn: trail.KmsKeyId,
      };
    const key = await findTaggedKey(ctx);
    const { decision, summary } = encryptionDecision(trail, key ? { arn: key.Arn } : null);
    return { Decision: decision, Before: before, Summary: summary, TrailArn: trail.TrailARN, KeyArn: key?.Arn ?? '' };
  },
});

async function readKeyPolicy(ctx: ScriptContext, keyId: string): Promise<PolicyDocument | null> {
  const out = await ctx.aws<{ Policy?: string }>('kms', 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' });
  return parsePolicyDocument(out.Policy);
}

export const ensureTrailKey = defineHandler<{ TrailArn: string; KeyArn: string }, ChangeResult & { KeyArn: string }>({
  id: 'cloudtrailKmsEncryption.ensureKey',
  description:
    'Reuse the hubfix key (its policy gains this trail, rotation on) or create one with the CloudTrail key policy, the hubfix tag and rotation on.',
  permissions: [
    ...FIND_KEY,
    { action: 'kms:GetKeyPolicy', resource: KEY_RESOURCE },
    { action: 'kms:PutKeyPolicy', resource: KEY_RESOURCE },
    permissionFor('kms', 'GetKeyRotationStatus'),
    permissionFor('kms', 'EnableKeyRotation'),
    // CreateKey has no resource to scope to; tagging at creation needs TagResource
    { action: 'kms:CreateKey', resource: '*' },
    { action: 'kms:TagResource', resource: KEY_RESOURCE },
  ],
  outputs: { ...CHANGE_OUTPUTS, KeyArn: 'String' },
  async run({ TrailArn, KeyArn }, ctx) {
    const c = { partition: ctx.partition, account: ctx.account, trailArn: TrailArn };
    const changed: string[] = [];
    let key: KeyMetadata | null = KeyArn
      ? ((await ctx.aws<{ KeyMetadata?: KeyMetadata }>('kms', 'DescribeKey', { KeyId: KeyArn })).KeyMetadata ?? null)
      : null;
    if (key && !usable(key)) key = null;
    // a key tagged meanwhile (another trail's run) is reused rather than a second one made
    key ??= await findTaggedKey(ctx);
    if (key) {
      const { doc, changed: policyChanged } = mergeCloudTrailKeyPolicy(await readKeyPolicy(ctx, key.KeyId), c);
      if (policyChanged) {
        await ctx.aws('kms', 'PutKeyPolicy', { KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(doc) });
        changed.push(`the key policy of ${key.Arn} now lets CloudTrail encrypt for ${TrailArn}`);
      } else changed.push(`reused key ${key.Arn}`);
    } else {
      const out = await ctx.aws<{ KeyMetadata: KeyMetadata }>('kms', 'CreateKey', {
        Description: `CloudTrail log encryption (CIS). Created by hubfix execution ${ctx.executionId}.`,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Policy: JSON.stringify(mergeCloudTrailKeyPolicy(null, c).doc),
        Tags: [{ ...KEY_TAG }],
      });
      key = out.KeyMetadata;
      changed.push(`created key ${key.Arn} (CloudTrail key policy for ${TrailArn}, tagged ${KEY_TAG.TagKey}=${KEY_TAG.TagValue})`);
    }
    const rotation = await ctx.aws<{ KeyRotationEnabled?: boolean }>('kms', 'GetKeyRotationStatus', { KeyId: key.KeyId });
    if (rotation.KeyRotationEnabled !== true) {
      await ctx.aws('kms', 'EnableKeyRotation', { KeyId: key.KeyId });
      changed.push('turned on its automatic rotation');
    }
    return { Changed: changed.join('; '), KeyArn: key.Arn };
  },
});

export const encryptTrail = defineHandler<{ TrailArn: string; KeyArn: string; KeyChange: string }, ChangeResult>({
  id: 'cloudtrailKmsEncryption.encrypt',
  description: 'Read the trail again; when it is still unencrypted, UpdateTrail KmsKeyId with the key.',
  permissions: [GET_TRAIL, permissionFor('cloudtrail', 'UpdateTrail')],
  outputs: CHANGE_OUTPUTS,
  async run({ TrailArn, KeyArn, KeyChange }, ctx) {
    const found = await lookUpTrail(ctx, TrailArn);
    if (!found.found) throw new Error(found.reason);
    if (found.trail.KmsKeyId)
      return { Changed: `${KeyChange}; nothing on the trail: it was encrypted with ${found.trail.KmsKeyId} meanwhile` };
    try {
      await ctx.aws('cloudtrail', 'UpdateTrail', { Name: TrailArn, KmsKeyId: KeyArn });
    } catch (err) {
      if (hasErrorCode(err, 'InsufficientEncryptionPolicyException'))
        throw new Error(
          `CloudTrail refused key ${KeyArn} (InsufficientEncryptionPolicyException): its key policy must let cloudtrail.amazonaws.com encrypt for ${TrailArn}`,
        );
      throw err;
    }
    return { Changed: `${KeyChange}; trail ${found.trail.Name} now encrypts its log files with ${KeyArn}` };
  },
});

export const verifyTrailEncryption = defineHandler<{ TrailArn: string }, VerifyResult>({
  id: 'cloudtrailKmsEncryption.verify',
  description: 'Read the live trail and check it names an enabled KMS key.',
  permissions: [GET_TRAIL, permissionFor('kms', 'DescribeKey')],
  outputs: VERIFY_OUTPUTS,
  async run({ TrailArn }, ctx) {
    const found = await lookUpTrail(ctx, TrailArn);
    if (!found.found) return { Verified: false, After: { Trail: TrailArn }, Unmet: found.reason };
    const keyId = found.trail.KmsKeyId;
    const after = { ...trailIdentity(found.trail), KmsKeyId: keyId || 'none' };
    if (!keyId) return { Verified: false, After: after, Unmet: 'the trail names no KMS key' };
    let state = 'not found';
    try {
      state = (await ctx.aws<{ KeyMetadata?: KeyMetadata }>('kms', 'DescribeKey', { KeyId: keyId })).KeyMetadata?.KeyState ?? 'unknown';
    } catch (err) {
      if (!hasErrorCode(err, 'NotFoundException')) throw err;
    }
    return {
      Verified: state === 'Enabled',
      After: { ...after, KeyState: state },
      Unmet: state === 'Enabled' ? '' : `key ${keyId} is ${state}, not Enabled`,
    };
  },
});

export const cloudTrailKmsEncryptionRunbook = defineRunbook({
  document: 'Hubfix-CloudTrail-KmsEncryption',
  title: 'CloudTrail log files are encrypted with a customer managed KMS key',
  class: 'B',
  // a key costs money and a wrong key policy stops log delivery: preview first
  defaultMode: 'dry-run',
  scope: 'resource',
  resourceType: 'AwsCloudTrailTrail',
  changes:
    'Encrypts the trail with a customer managed key (UpdateTrail KmsKeyId): a key tagged hubfix:purpose=cloudtrail is reused (its policy gains the trail), else one is created with the CloudTrail key policy and rotation on.',
  guidance:
    'Create a symmetric customer managed KMS key whose policy lets cloudtrail.amazonaws.com encrypt for the trail (aws:SourceArn and the kms:EncryptionContext:aws:cloudtrail:arn condition) and lets the account decrypt, turn on rotation, and set it on the trail (CloudTrail console → the trail → Edit → Log file SSE-KMS encryption).',
  description: `# Hubfix: encrypt a trail with KMS (CIS 1.2.0 2.7, 1.4.0 3.7, 3.0.0 3.5; CloudTrail.2)

Encrypts one trail's log and digest files with a customer managed KMS key in the trail's home Region.

1. **Plan** reads the trail with \`GetTrail\`; a trail of another account or another home Region is **skipped** with the reason. A trail with a KMS key is compliant. Otherwise it looks for an enabled symmetric customer managed key of this Region tagged \`hubfix:purpose=cloudtrail\` (\`ListKeys\`, \`ListResourceTags\`).
2. **Gate**: with \`DryRun\` true (the default mode for this control), or when compliant, nothing is written.
3. **EnsureKey** reuses that key — adding the trail to hubfix's statements of its key policy, other statements untouched — or creates one tagged for hubfix whose policy (a) keeps the account root's administration of the key (KMS's default statement, so the key stays manageable), (b) lets \`cloudtrail.amazonaws.com\` call \`kms:GenerateDataKey*\` only for this trail (\`aws:SourceArn\`) and only with the encryption context of this account's trails (\`kms:EncryptionContext:aws:cloudtrail:arn\`), (c) lets CloudTrail describe the key for this trail, and (d) lets this account's principals (\`kms:CallerAccount\`) decrypt log files. Automatic rotation is turned on.
4. **Encrypt** reads the trail again and, if it is still unencrypted, calls \`UpdateTrail KmsKeyId\` and nothing else.
5. **Verify** reads the trail and checks its key is enabled. **Finalize** records the outcome (RESOLVED only when verified) and notifies.

Readers of the log files need \`kms:Decrypt\` on the key in their IAM policies.

To undo: \`aws cloudtrail update-trail --name <TrailArn> --kms-key-id ""\` in the home Region; a key hubfix created (see \`EnsureKey.Changed\`) can then be scheduled for deletion once no log file needs it.`,
  controls: [
    {
      id: 'CloudTrail.2',
      title: 'CloudTrail should have encryption at-rest enabled',
      aliases: { 'cis-1.2.0': ['2.7'], 'cis-1.4.0': ['3.7'], 'cis-3.0.0': ['3.5'] },
      fsbp: true,
    },
  ],
  extract: TRAIL_EXTRACT,
  parameters: { TrailName: TRAIL_NAME_PARAMETER },
  body(p) {
    const plan = script({
      name: 'Plan',
      description: 'Find the trail, read its KMS key (before-state), look for a hubfix key.',
      handler: planTrailEncryption,
      input: { TrailName: p.TrailName },
    });
    const key = script({
      name: 'EnsureKey',
      description: 'Reuse the hubfix key or create one (CloudTrail key policy, rotation on).',
      handler: ensureTrailKey,
      input: { TrailArn: plan.out.TrailArn, KeyArn: plan.out.KeyArn },
    });
    const encrypt = script({
      name: 'Encrypt',
      description: 'UpdateTrail KmsKeyId, unless the trail was encrypted meanwhile.',
      handler: encryptTrail,
      input: { TrailArn: plan.out.TrailArn, KeyArn: key.out.KeyArn, KeyChange: key.out.Changed },
    });
    const verify = script({
      name: 'Verify',
      description: 'Check the live trail names an enabled KMS key.',
      handler: verifyTrailEncryption,
      input: { TrailArn: plan.out.TrailArn },
    });
    return phaseBody({ plan, remediate: [key, encrypt], changed: encrypt.out.Changed, verify });
  },
});
