/**
 * One way to call AWS everywhere (DESIGN.md): an invoker takes (service, operation, input) and
 * returns the operation's output. It is backed by SDK v3 clients (real accounts or an emulator
 * endpoint) or by a mock table in tests and local runs.
 *
 * `service` is the boto3 client name SSM uses in aws:executeAwsApi (`iam`, `ec2`, `logs`, ...);
 * `operation` is the PascalCase API name (`GetAccountPasswordPolicy`).
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  region: string;
  /** The account the call acts in (known from the assumed role); used by mock tables to match. */
  account?: string;
  /** Credentials to sign with; absent means the invoker's default credentials. */
  credentials?: AwsCredentials;
}

export type AwsOutput = Record<string, unknown>;

export interface Invoker {
  call(call: AwsCall): Promise<AwsOutput>;
}

/** An error returned by an AWS API (or a mock of one): `name` is the AWS error code. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly service?: string,
    readonly operation?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The error code of anything thrown by an invoker: SDK v3 errors carry it in `name`. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown; Code?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.Code === 'string') return e.Code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'Error';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Codes AWS uses for throttling, retried with backoff by callers that loop. */
export const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'Throttled',
  'SlowDown',
]);

/**
 * True when an error carries one of the codes. SDK v3 names some errors with an `Exception`
 * suffix that the wire code (and boto3, and our mock tables) lacks: both forms match.
 */
export function hasErrorCode(err: unknown, ...codes: string[]): boolean {
  const code = errorCode(err).replace(/Exception$/, '');
  return codes.some((c) => c.replace(/Exception$/, '') === code);
}
