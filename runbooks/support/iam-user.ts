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

/** The user (name or unique id) and the day threshold of a run; the threshold as a number. */
export function checkUserAndDays(userName: unknown, daysName: string, days: unknown): number {
  if (typeof userName !== 'string' || !new RegExp(patterns.iamUserNameOrId).test(userName))
    throw new InvalidSettingError(`UserName ${JSON.stringify(userName)} is neither an IAM user name nor a user's unique id`);
  return checkDays(daysName, days);
}

/** The user's last path segment in its ARN; the path may hold any printable ASCII IAM allows (0x21–0x7E). */
const USER_ARN = '^arn:aws(?:-cn|-us-gov)?:iam::\\d{12}:user/(?:[\\x21-\\x7e]{0,510}/)?([\\w+=,.@-]{1,64})$';
const NOT_UNIQUE_ID = `^(?!${patterns.iamUserUniqueId.slice(1)})`;

/**
 * Where a finding names the IAM user: the last segment of its ARN (a name, or the unique id that
 * findings from AWS Config evaluations carry), else the details. The details' user name is held
 * to agree with a name, their user id with a unique id.
 */
export const IAM_USER_EXTRACT: Extraction<'UserName'>[] = [
  { parameter: 'UserName', from: 'resourceId', resourceType: 'AwsIamUser', pattern: USER_ARN },
  {
    parameter: 'UserName',
    from: 'details',
    resourceType: 'AwsIamUser',
    path: 'AwsIamUser.UserName',
    pattern: patterns.iamUserName,
    onlyWhen: NOT_UNIQUE_ID,
  },
  {
    parameter: 'UserName',
    from: 'details',
    resourceType: 'AwsIamUser',
    path: 'AwsIamUser.UserId',
    pattern: patterns.iamUserUniqueId,
    onlyWhen: patterns.iamUserUniqueId,
  },
];

export const USER_NAME_PARAMETER_PATTERN = patterns.iamUserNameOrId;

/** The user a run acts on: its name, and its unique id when it was given by id. */
export interface ResolvedUser {
  UserName: string;
  /** Present when the run was given the unique id. */
  UserId?: string;
}

export function isUserUniqueId(value: string): boolean {
  return new RegExp(patterns.iamUserUniqueId).test(value);
}

export const LIST_USERS = { action: 'iam:ListUsers' };

/**
 * A user name stays as it is (callers find out whether it exists); a unique id is looked up in
 * ListUsers (IAM has no call that takes an id). Null: no user has that id.
 */
export async function resolveUser(ctx: ScriptContext, nameOrId: string): Promise<ResolvedUser | null> {
  if (!isUserUniqueId(nameOrId)) return { UserName: nameOrId };
  let marker: string | undefined;
  do {
    const page = await ctx.aws<{ Users?: Array<{ UserName?: string; UserId?: string }>; IsTruncated?: boolean; Marker?: string }>(
      'iam',
      'ListUsers',
      marker ? { Marker: marker } : {},
    );
    const user = (page.Users ?? []).find((u) => u.UserId === nameOrId);
    if (user?.UserName) return { UserName: user.UserName, UserId: nameOrId };
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return null;
}

/** The user's identity for a before- or after-state: the name, and the unique id it was given by. */
export function userIdentity(user: ResolvedUser): Record<string, string> {
  return user.UserId ? { UserName: user.UserName, UserId: user.UserId } : { UserName: user.UserName };
}

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

/** How a missing user is named: by its name, or by the unique id no user has. */
function missing(given: string): string {
  return isUserUniqueId(given) ? `no IAM user has the unique id ${given}` : `IAM user ${given} does not exist`;
}

/** What each phase answers for a user deleted since the finding (or an id no user has): plan skips, change does nothing, verify finds nothing left. */
export const missingUser = {
  plan: (given: string): PlanResult => ({
    Decision: 'skip',
    Before: { UserName: given, User: 'not found' },
    Summary: `${missing(given)} (deleted since the finding?); nothing to do`,
  }),
  change: (given: string): ChangeResult => ({ Changed: `nothing: ${missing(given)}` }),
  verify: (given: string): VerifyResult => ({ Verified: true, After: { UserName: given, User: 'not found' }, Unmet: '' }),
};
