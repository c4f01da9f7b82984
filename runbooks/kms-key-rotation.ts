import { hasErrorCode } from '../src/aws/invoker';
import { defineHandler, type ScriptContext } from '../src/model/handlers';
import { param, patterns } from '../src/model/parameters';
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
import { InvalidSettingError, integerSetting } from './support/settings';

/** The fields of DescribeKey's KeyMetadata that decide whether automatic rotation applies. */
export interface KeyMetadata {
  KeyId: string;
  Arn?: string;
  KeyManager?: string;
  KeySpec?: string;
  KeyUsage?: string;
  KeyState?: string;
  Origin?: string;
  MultiRegion?: boolean;
  MultiRegionConfiguration?: { MultiRegionKeyType?: string; PrimaryKey?: { Arn?: string; Region?: string } };
}

export interface RotationStatus {
  KeyRotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: string;
}

/** KMS accepts rotation periods from 90 to 2560 days. */
export const ROTATION_PERIOD_BOUNDS = [90, 2560] as const;

/**
 * Whether automatic rotation can be turned on for this key, and if not, why. KMS rotates only
 * symmetric encryption customer managed keys with KMS-generated material; multi-Region keys
 * rotate through their primary; AWS managed keys rotate themselves yearly. Pure.
 */
export function rotationEligibility(k: KeyMetadata): { eligible: true } | { eligible: false; reason: string } {
  const id = k.KeyId;
  if (k.KeyManager === 'AWS')
    return { eligible: false, reason: `${id} is an AWS managed key: AWS rotates it every year and its rotation cannot be configured` };
  if (k.KeyManager !== 'CUSTOMER')
    return { eligible: false, reason: `${id} has KeyManager ${k.KeyManager ?? 'unknown'}; only customer managed keys are rotated here` };
  if (k.KeySpec !== 'SYMMETRIC_DEFAULT') {
    const kind = k.KeySpec?.startsWith('HMAC_') ? 'an HMAC key' : 'an asymmetric key';
    return {
      eligible: false,
      reason: `${id} is ${kind} (${k.KeySpec ?? 'unknown spec'}): KMS rotates only symmetric encryption keys automatically; rotate it by hand (new key, then move callers)`,
    };
  }
  if (k.Origin === 'EXTERNAL')
    return {
      eligible: false,
      reason: `${id} has imported key material: KMS cannot rotate it automatically; import new material into a new key and move callers`,
    };
  if (k.Origin !== 'AWS_KMS')
    return {
      eligible: false,
      reason: `${id} lives in a custom key store (Origin ${k.Origin ?? 'unknown'}): automatic rotation is not supported there`,
    };
  if (k.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA') {
    const primary = k.MultiRegionConfiguration.PrimaryKey;
    return {
      eligible: false,
      reason: `${id} is a multi-Region replica: rotation is set on its primary key${primary?.Arn ? ` ${primary.Arn}` : ''}${primary?.Region ? ` in ${primary.Region}` : ''}`,
    };
  }
  if (k.KeyState === 'PendingDeletion' || k.KeyState === 'PendingReplicaDeletion')
    return {
      eligible: false,
      reason: `${id} is scheduled for deletion (${k.KeyState}); cancel the deletion first if the key is still needed`,
    };
  if (k.KeyState !== 'Enabled')
    return {
      eligible: false,
      reason: `${id} is ${k.KeyState ?? 'in an unknown state'}, not Enabled; enable it first if it is still needed`,
    };
  return { eligible: true };
}

/** The key's metadata, or null when the key does not exist. */
async function describeKey(ctx: ScriptContext, keyId: string): Promise<KeyMetadata | null> {
  try {
    const out = await ctx.aws<{ KeyMetadata?: KeyMetadata }>('kms', 'DescribeKey', { KeyId: keyId });
    return out.KeyMetadata ?? null;
  } catch (err) {
    if (hasErrorCode(err, 'NotFoundException')) return null;
    throw err;
  }
}

async function rotationStatus(ctx: ScriptContext, keyId: string): Promise<RotationStatus> {
  const out = await ctx.aws<{ KeyRotationEnabled?: boolean; RotationPeriodInDays?: number; NextRotationDate?: unknown }>(
    'kms',
    'GetKeyRotationStatus',
    { KeyId: keyId },
  );
  const status: RotationStatus = { KeyRotationEnabled: out.KeyRotationEnabled === true };
  if (typeof out.RotationPeriodInDays === 'number') status.RotationPeriodInDays = out.RotationPeriodInDays;
  if (out.NextRotationDate !== undefined && out.NextRotationDate !== null) {
    const d = out.NextRotationDate instanceof Date ? out.NextRotationDate : new Date(String(out.NextRotationDate));
    if (!Number.isNaN(d.getTime())) status.NextRotationDate = d.toISOString();
  }
  return status;
}

function keyState(k: KeyMetadata, status?: RotationStatus): Record<string, unknown> {
  const state: Record<string, unknown> = {
    KeyId: k.KeyId,
    Arn: k.Arn ?? '',
    KeyManager: k.KeyManager ?? '',
    KeySpec: k.KeySpec ?? '',
    KeyState: k.KeyState ?? '',
    Origin: k.Origin ?? '',
    MultiRegionKeyType: k.MultiRegionConfiguration?.MultiRegionKeyType ?? '',
  };
  if (status) {
    state.KeyRotationEnabled = status.KeyRotationEnabled;
    state.RotationPeriodInDays = status.RotationPeriodInDays ?? '';
  }
  return state;
}

interface RotationInput {
  KeyId: string;
  RotationPeriodDays: number;
}

function checkInput(input: RotationInput): number {
  if (typeof input.KeyId !== 'string' || !new RegExp(patterns.kmsKeyId).test(input.KeyId))
    throw new InvalidSettingError(`KeyId ${JSON.stringify(input.KeyId)} is not a KMS key id (a UUID or mrk-...)`);
  return integerSetting('RotationPeriodDays', input.RotationPeriodDays, ROTATION_PERIOD_BOUNDS);
}

export const planKeyRotation = defineHandler<RotationInput, PlanResult>({
  id: 'kmsKeyRotation.plan',
  description: 'Describe the key; skip kinds KMS cannot rotate; read its rotation status.',
  permissions: [{ action: 'kms:DescribeKey' }, { action: 'kms:GetKeyRotationStatus' }],
  outputs: PLAN_OUTPUTS,
  async run(input, ctx) {
    const period = checkInput(input);
    const key = await describeKey(ctx, input.KeyId);
    if (!key)
      return {
        Decision: 'skip',
        Before: { KeyId: input.KeyId, Key: 'not found' },
        Summary: `KMS key ${input.KeyId} does not exist in this account and Region; nothing to do`,
      };
    const eligibility = rotationEligibility(key);
    if (!eligibility.eligible) return { Decision: 'skip', Before: keyState(key), Summary: eligibility.reason };
    const status = await rotationStatus(ctx, input.KeyId);
    if (status.KeyRotationEnabled)
      return {
        Decision: 'compliant',
        Before: keyState(key, status),
        Summary: `${input.KeyId}: automatic rotation is already on (every ${status.RotationPeriodInDays ?? 365} days); nothing to change`,
      };
    return {
      Decision: 'remediate',
      Before: keyState(key, status),
      Summary: `${input.KeyId}: turn on automatic rotation every ${period} days`,
    };
  },
});

export const enableKeyRotation = defineHandler<RotationInput, ChangeResult>({
  id: 'kmsKeyRotation.enable',
  description: 'Read the rotation status again and turn rotation on when it is still off (an existing rotation period is never changed).',
  permissions: [{ action: 'kms:GetKeyRotationStatus' }, { action: 'kms:EnableKeyRotation' }],
  outputs: CHANGE_OUTPUTS,
  async run(input, ctx) {
    const period = checkInput(input);
    // EnableKeyRotation on a key that already rotates would reset its period: only call it when off
    const status = await rotationStatus(ctx, input.KeyId);
    if (status.KeyRotationEnabled) return { Changed: 'nothing: rotation was turned on meanwhile' };
    await ctx.aws('kms', 'EnableKeyRotation', { KeyId: input.KeyId, RotationPeriodInDays: period });
    return { Changed: `turned on automatic rotation of ${input.KeyId} every ${period} days` };
  },
});

export const verifyKeyRotation = defineHandler<RotationInput, VerifyResult>({
  id: 'kmsKeyRotation.verify',
  description: 'Read the live rotation status of the key.',
  permissions: [{ action: 'kms:GetKeyRotationStatus' }],
  outputs: VERIFY_OUTPUTS,
  async run(input, ctx) {
    checkInput(input);
    const status = await rotationStatus(ctx, input.KeyId);
    return {
      Verified: status.KeyRotationEnabled,
      After: {
        KeyId: input.KeyId,
        KeyRotationEnabled: status.KeyRotationEnabled,
        RotationPeriodInDays: status.RotationPeriodInDays ?? '',
        NextRotationDate: status.NextRotationDate ?? '',
      },
      Unmet: status.KeyRotationEnabled ? '' : 'automatic rotation is off',
    };
  },
});

export const kmsKeyRotationRunbook = defineRunbook({
  document: 'Hubfix-KMS-KeyRotation',
  title: 'Turn on automatic rotation of a customer managed KMS key',
  class: 'A',
  defaultMode: 'auto',
  scope: 'resource',
  resourceType: 'AwsKmsKey',
  changes:
    'Turns on automatic key rotation of a symmetric customer managed key with KMS key material; other key kinds are skipped with the reason.',
  guidance:
    'Enable automatic rotation on symmetric customer managed KMS keys (aws kms enable-key-rotation). Asymmetric, HMAC, imported-material and custom-key-store keys must be rotated by hand.',
  description: `# Hubfix: KMS key rotation (CIS 1.2.0 2.8, 1.4.0 3.8, 3.0.0 3.6; KMS.4)

Turns on automatic rotation of one KMS key. Rotation keeps the key id, ARN, aliases and policy; data encrypted under earlier key material still decrypts.

1. **Plan** describes the key (\`DescribeKey\`). Keys KMS cannot rotate automatically are **skipped** with the reason in the summary: AWS managed keys (AWS rotates them yearly), asymmetric and HMAC keys, keys with imported material, keys in a custom key store, multi-Region replicas (rotation is set on the primary), and keys that are disabled or pending deletion. For a symmetric customer managed key it reads \`GetKeyRotationStatus\`; \`Plan.Before\` keeps the key's kind and rotation status.
2. **Gate**: with \`DryRun\` true nothing is changed; when rotation is already on the run goes straight to verify.
3. **Enable** reads the rotation status again and, only when it is still off, calls \`EnableKeyRotation\` with \`RotationPeriodDays\` (default 365). An existing rotation period is never changed.
4. **Verify** reads \`GetKeyRotationStatus\`: rotation must be on.
5. **Finalize** records the outcome on the finding (RESOLVED only when verified) and notifies.

To undo: \`aws kms disable-key-rotation --key-id <KeyId>\`.`,
  controls: [
    {
      id: 'KMS.4',
      title: 'AWS KMS key rotation should be enabled',
      aliases: { 'cis-1.2.0': ['2.8'], 'cis-1.4.0': ['3.8'], 'cis-3.0.0': ['3.6'] },
    },
  ],
  extract: [
    {
      parameter: 'KeyId',
      from: 'resourceId',
      resourceType: 'AwsKmsKey',
      pattern:
        '^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\\d{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$',
    },
    { parameter: 'KeyId', from: 'details', resourceType: 'AwsKmsKey', path: 'AwsKmsKey.KeyId', pattern: patterns.kmsKeyId },
  ],
  parameters: {
    KeyId: param.string({
      description: 'The KMS key id (a UUID, or mrk-... for a multi-Region key) in this account and Region.',
      pattern: patterns.kmsKeyId,
    }),
    RotationPeriodDays: param.integer({
      description: 'Days between rotations when rotation is turned on (90–2560). An existing period is kept.',
      default: 365,
    }),
  },
  body(p) {
    const input = { KeyId: p.KeyId, RotationPeriodDays: p.RotationPeriodDays };
    return scriptPhases({
      input,
      plan: { handler: planKeyRotation, description: 'Describe the key and read its rotation status (before-state).' },
      change: { name: 'Enable', handler: enableKeyRotation, description: 'Turn on automatic rotation if it is still off.' },
      verify: { handler: verifyKeyRotation, description: 'Check that rotation is on.' },
    });
  },
});
