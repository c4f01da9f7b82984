import { type AwsCredentials, AwsServiceError, type Invoker } from '../aws/invoker';
import { PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { mayPass, type Sleep } from './retry';

/**
 * Member-account credentials: sts:AssumeRole through the Regional STS endpoint of the Region the
 * credentials are for (the SDK v3 STS client uses the Regional endpoint by default), cached per
 * role, account and Region until five minutes before they expire. Concurrent requests for the
 * same key share one AssumeRole call; a failure is remembered for a short while so a broken
 * account costs one call per batch, not one per finding.
 */

export interface CredentialsCacheOptions {
  invoker: Invoker;
  now: () => number;
  sleep: Sleep;
  random?: () => number;
  sessionName?: string;
  /** Refresh this long before expiry (default 5 min). */
  marginMs?: number;
  /** How long a failed AssumeRole is remembered (default 30 s). */
  failureMs?: number;
}

interface Entry {
  promise: Promise<AwsCredentials>;
  expiresAt: number;
}

const DEFAULT_DURATION_S = 900;

export class CredentialsCache {
  private entries = new Map<string, Entry>();

  constructor(private readonly o: CredentialsCacheOptions) {}

  get(roleArn: string, region: string): Promise<AwsCredentials> {
    const key = `${roleArn}|${region}`;
    const now = this.o.now();
    const hit = this.entries.get(key);
    if (hit && now < hit.expiresAt) return hit.promise;
    const entry: Entry = { promise: this.assume(roleArn, region), expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    entry.promise.then(
      (creds) => {
        const expiry = creds.expiration ? creds.expiration.getTime() : now + DEFAULT_DURATION_S * 1000;
        entry.expiresAt = expiry - (this.o.marginMs ?? 5 * 60_000);
      },
      (err) => {
        // a failure that may pass is not remembered: the next try (Lambda's retry) assumes again
        if (mayPass(err)) {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        } else entry.expiresAt = this.o.now() + (this.o.failureMs ?? 30_000);
      },
    );
    return entry.promise;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private async assume(roleArn: string, region: string): Promise<AwsCredentials> {
    // throttling and 5xx are retried by the SDK (one retry layer)
    const out = await this.o.invoker.call({
      service: 'sts',
      operation: 'AssumeRole',
      input: { RoleArn: roleArn, RoleSessionName: this.o.sessionName ?? 'hubfix-orchestrator', DurationSeconds: DEFAULT_DURATION_S },
      region,
    });
    const c = (out as { Credentials?: Record<string, unknown> }).Credentials;
    if (!c || typeof c.AccessKeyId !== 'string' || typeof c.SecretAccessKey !== 'string')
      throw new AwsServiceError('InvalidCredentials', `AssumeRole ${roleArn} returned no credentials`, 'sts', 'AssumeRole');
    const expiration = c.Expiration instanceof Date ? c.Expiration : typeof c.Expiration === 'string' ? new Date(c.Expiration) : undefined;
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(typeof c.SessionToken === 'string' ? { sessionToken: c.SessionToken } : {}),
      ...(expiration && Number.isFinite(expiration.getTime()) ? { expiration } : {}),
    };
  }
}

/**
 * What assuming member roles needs (the orchestrator role's policy): sts:AssumeRole on the one
 * member role name in any account, and only inside the Organization when its id is given.
 */
export const MEMBER_ROLE_ASSUMPTION: readonly PrincipalPermission[] = [
  {
    action: 'sts:AssumeRole',
    resource: `arn:${PLACEHOLDERS.partition}:iam::*:role/${PLACEHOLDERS.memberRoleName}`,
    condition: { StringEquals: { 'aws:ResourceOrgID': PLACEHOLDERS.organizationId } },
  },
];
