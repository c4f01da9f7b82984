import { hasErrorCode } from '../../src/aws/invoker';
import type { ScriptContext } from '../../src/model/handlers';
import { patterns } from '../../src/model/parameters';
import type { ChangeResult, PlanResult, VerifyResult } from '../../src/model/phases';
import type { Extraction } from '../../src/model/runbook';
import { InvalidSettingError, integerSetting } from './settings';

/**
 * An IAM user's access keys as the IAM runbooks (unused credentials, key rotation) read, judge and
 * deactivate them.
 */

export const DAY_MS = 86_400_000;

/** Age thresholds below a month deactivate working credentials too easily; above ten years mean nothing. */
export const DAYS_BOUNDS = [30, 3650] as const;

export function checkDays(name: string, raw: unknown): number {
  return integerSetting(name, raw, DAYS_BOUNDS);
}

/** The user name and the day threshold of a run; the threshold as a number. */
export function checkUserAndDays(userName: unknown, daysName: string, days: unknown): number {
  if (typeof userName !== 'string' || !new RegExp(patterns.iamUserName).test(userName))
    throw new InvalidSettingError(`UserName ${JSON.stringify(userName)} is not an IAM user name`);
  return checkDays(daysName, days);
}

/** Where a finding names the IAM user: its ARN (any path), or the details' user name. */
export const IAM_USER_EXTRACT: Extraction<'UserName'>[] = [
  {
    parameter: 'UserName',
    from: 'resourceId',
    resourceType: 'AwsIamUser',
    pattern: '^arn:aws(?:-cn|-us-gov)?:iam::\\d{12}:user/(?:[\\w+=,.@/-]*/)?([\\w+=,.@-]{1,64})$',
  },
  { parameter: 'UserName', from: 'details', resourceType: 'AwsIamUser', path: 'AwsIamUser.UserName', pattern: patterns.iamUserName },
];

/** An access key as the runbooks record it; dates are ISO 8601 strings. */
export interface AccessKeyInfo {
  AccessKeyId: string;
  Status: string;
  CreateDate: string;
  /** Absent when the key was never used. */
  LastUsedDate?: string;
  LastUsedService?: string;
}

/** Date or string (SDK v3 gives Date, mock tables and JSON give strings) → ISO string. */
export function isoDate(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function requiredIso(value: unknown, what: string): string {
  const iso = isoDate(value);
  if (!iso) throw new Error(`IAM returned no valid ${what}: ${JSON.stringify(value)}`);
  return iso;
}

/** Whole days between an ISO date and now (never negative). */
export function daysSince(iso: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS));
}

/** Strictly more than `days` days between `iso` and `now`. */
export function olderThan(iso: string, days: number, now: Date): boolean {
  return now.getTime() - Date.parse(iso) > days * DAY_MS;
}

/** Every access key of the user with its last use (ListAccessKeys, paginated; GetAccessKeyLastUsed each). */
export async function readAccessKeys(ctx: ScriptContext, userName: string): Promise<AccessKeyInfo[]> {
  const keys: AccessKeyInfo[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.aws<{ AccessKeyMetadata?: Array<Record<string, unknown>>; IsTruncated?: boolean; Marker?: string }>(
      'iam',
      'ListAccessKeys',
      marker ? { UserName: userName, Marker: marker } : { UserName: userName },
    );
    for (const k of page.AccessKeyMetadata ?? []) {
      const id = String(k.AccessKeyId);
      let used: { AccessKeyLastUsed?: { LastUsedDate?: unknown; ServiceName?: string } };
      try {
        used = await ctx.aws('iam', 'GetAccessKeyLastUsed', { AccessKeyId: id });
      } catch (err) {
        // deleted between the listing and this call: it is no credential any more
        if (hasErrorCode(err, 'NoSuchEntity')) continue;
        throw err;
      }
      const info: AccessKeyInfo = {
        AccessKeyId: id,
        Status: String(k.Status),
        CreateDate: requiredIso(k.CreateDate, `CreateDate for ${id}`),
      };
      const lastUsed = isoDate(used.AccessKeyLastUsed?.LastUsedDate);
      if (lastUsed) {
        info.LastUsedDate = lastUsed;
        if (used.AccessKeyLastUsed?.ServiceName) info.LastUsedService = used.AccessKeyLastUsed.ServiceName;
      }
      keys.push(info);
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return keys;
}

/** Sets each key to Inactive (never deletes it); one line per key, a key deleted meanwhile included. */
export async function deactivateAccessKeys(ctx: ScriptContext, userName: string, keys: readonly AccessKeyInfo[]): Promise<string[]> {
  const changed: string[] = [];
  for (const key of keys) {
    try {
      await ctx.aws('iam', 'UpdateAccessKey', { UserName: userName, AccessKeyId: key.AccessKeyId, Status: 'Inactive' });
      changed.push(`deactivated access key ${key.AccessKeyId}`);
    } catch (err) {
      if (!hasErrorCode(err, 'NoSuchEntity')) throw err;
      changed.push(`access key ${key.AccessKeyId} was deleted meanwhile`);
    }
  }
  return changed;
}

/** What each phase answers for a user deleted since the finding: plan skips, change does nothing, verify finds nothing left. */
export const missingUser = {
  plan: (userName: string): PlanResult => ({
    Decision: 'skip',
    Before: { UserName: userName, User: 'not found' },
    Summary: `IAM user ${userName} does not exist (deleted since the finding?); nothing to do`,
  }),
  change: (userName: string): ChangeResult => ({ Changed: `nothing: user ${userName} no longer exists` }),
  verify: (userName: string): VerifyResult => ({ Verified: true, After: { UserName: userName, User: 'not found' }, Unmet: '' }),
};
