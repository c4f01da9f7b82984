import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { type AwsCall, type AwsOutput, AwsServiceError, type Invoker } from './invoker';

/**
 * An invoker backed by a mock table: nothing ever reaches AWS. The table is YAML or JSON:
 *
 *   mocks:
 *     - service: iam
 *       operation: GetAccountPasswordPolicy
 *       input: {...}          # optional, matched as a deep partial of the call's input
 *       account: '111122223333'  # optional
 *       region: us-east-1     # optional
 *       output: {...}         # or error: {name: NoSuchEntity, message: ...}
 *       times: 1              # optional: the entry answers this many calls, then no more
 *
 * The first entry that matches and has calls left answers. A call no entry matches throws
 * UnmatchedMockCall naming the call.
 *
 * Built in (used only when no entry matches, so an entry always wins): sts AssumeRole returns
 * fake temporary credentials for the role, and sts GetCallerIdentity returns the call's account
 * (or 123456789012). Pass `{ builtins: false }` to have those calls need entries too.
 */

export interface MockEntry {
  service: string;
  operation: string;
  input?: Record<string, unknown>;
  account?: string;
  region?: string;
  output?: AwsOutput;
  error?: { name: string; message?: string };
  times?: number;
}

export interface MockTable {
  mocks: MockEntry[];
}

/** A malformed mock table: one line saying where. */
export class MockTableError extends Error {
  readonly code = 'MalformedMockTable';
  constructor(message: string) {
    super(message);
    this.name = 'MockTableError';
  }
}

const ENTRY_KEYS = new Set(['service', 'operation', 'input', 'account', 'region', 'output', 'error', 'times']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed table; throws MockTableError naming the first problem. */
export function checkMockTable(raw: unknown, source = 'mock table'): MockTable {
  if (!isPlainObject(raw) || !Array.isArray(raw.mocks)) throw new MockTableError(`${source}: expected a map with a "mocks" list`);
  raw.mocks.forEach((e: unknown, i: number) => {
    const where = `${source}: mocks[${i}]`;
    if (!isPlainObject(e)) throw new MockTableError(`${where} is not a map`);
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) throw new MockTableError(`${where} has an unknown key "${k}"`);
    if (typeof e.service !== 'string' || !e.service) throw new MockTableError(`${where} needs "service" (boto3 name, e.g. iam)`);
    if (typeof e.operation !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(e.operation))
      throw new MockTableError(`${where} needs "operation" in PascalCase (e.g. GetAccountPasswordPolicy)`);
    if (e.input !== undefined && !isPlainObject(e.input)) throw new MockTableError(`${where}.input must be a map`);
    if (e.account !== undefined && typeof e.account !== 'string') throw new MockTableError(`${where}.account must be a string`);
    if (e.region !== undefined && typeof e.region !== 'string') throw new MockTableError(`${where}.region must be a string`);
    if (e.output !== undefined && e.error !== undefined) throw new MockTableError(`${where} has both output and error`);
    if (e.output !== undefined && !isPlainObject(e.output)) throw new MockTableError(`${where}.output must be a map`);
    if (e.error !== undefined && (!isPlainObject(e.error) || typeof e.error.name !== 'string' || !e.error.name))
      throw new MockTableError(`${where}.error needs a "name" (the AWS error code)`);
    if (e.times !== undefined && !(Number.isInteger(e.times) && (e.times as number) > 0))
      throw new MockTableError(`${where}.times must be a positive integer`);
  });
  return raw as unknown as MockTable;
}

/** Reads and checks a mock table file (YAML or JSON). */
export function loadMockTable(file: string): MockTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new MockTableError(`cannot read mock table ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new MockTableError(`mock table ${file} is not valid YAML or JSON: ${first}`);
  }
  return checkMockTable(parsed, `mock table ${file}`);
}

/** True when every field of `pattern` is in `actual` with a matching value (lists: same length, item by item). */
export function deepPartialMatch(pattern: unknown, actual: unknown): boolean {
  if (pattern === actual) return true;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual) || actual.length !== pattern.length) return false;
    for (let i = 0; i < pattern.length; i++) if (!deepPartialMatch(pattern[i], actual[i])) return false;
    return true;
  }
  if (isPlainObject(pattern)) {
    if (!isPlainObject(actual)) return false;
    for (const k of Object.keys(pattern)) if (!deepPartialMatch(pattern[k], actual[k])) return false;
    return true;
  }
  return false;
}

interface LiveEntry {
  entry: MockEntry;
  remaining: number;
  used: number;
}

function accountOfRole(roleArn: unknown): string | undefined {
  return typeof roleArn === 'string' ? /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1] : undefined;
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

export class MockInvoker implements Invoker {
  /** Every call made, in order (for tests that look at what was called). */
  readonly calls: AwsCall[] = [];
  private byOperation = new Map<string, LiveEntry[]>();
  private builtins: boolean;

  constructor(table: MockTable, options: { builtins?: boolean } = {}) {
    checkMockTable(table);
    this.builtins = options.builtins ?? true;
    for (const entry of table.mocks) {
      const key = `${entry.service} ${entry.operation}`;
      const list = this.byOperation.get(key) ?? [];
      list.push({ entry, remaining: entry.times ?? Number.POSITIVE_INFINITY, used: 0 });
      this.byOperation.set(key, list);
    }
  }

  static fromFile(file: string, options?: { builtins?: boolean }): MockInvoker {
    return new MockInvoker(loadMockTable(file), options);
  }

  async call(call: AwsCall): Promise<AwsOutput> {
    this.calls.push(call);
    const candidates = this.byOperation.get(`${call.service} ${call.operation}`);
    if (candidates) {
      for (const live of candidates) {
        if (live.remaining <= 0) continue;
        const e = live.entry;
        if (e.account !== undefined && e.account !== call.account) continue;
        if (e.region !== undefined && e.region !== call.region) continue;
        if (e.input !== undefined && !deepPartialMatch(e.input, call.input)) continue;
        live.remaining--;
        live.used++;
        if (e.error) throw new AwsServiceError(e.error.name, e.error.message ?? e.error.name, call.service, call.operation);
        return clone(e.output ?? {});
      }
    }
    const builtin = this.builtins ? this.builtin(call) : undefined;
    if (builtin) return builtin;
    throw new AwsServiceError(
      'UnmatchedMockCall',
      `no mock matches ${call.service} ${call.operation} ${JSON.stringify(call.input)} (account ${call.account ?? 'unknown'}, region ${call.region})`,
      call.service,
      call.operation,
    );
  }

  /** Mock entries no call used (to spot a table that no longer fits its runbook). */
  unused(): MockEntry[] {
    const out: MockEntry[] = [];
    for (const list of this.byOperation.values()) for (const live of list) if (live.used === 0) out.push(live.entry);
    return out;
  }

  private builtin(call: AwsCall): AwsOutput | undefined {
    if (call.service !== 'sts') return undefined;
    if (call.operation === 'AssumeRole') {
      const roleArn = String(call.input.RoleArn ?? '');
      const account = accountOfRole(roleArn);
      if (!account) return undefined;
      const roleName = roleArn.split('/').pop();
      const session = String(call.input.RoleSessionName ?? 'session');
      return {
        Credentials: {
          AccessKeyId: 'ASIAMOCKMOCKMOCKMOCK',
          SecretAccessKey: 'mock-secret-access-key',
          SessionToken: 'mock-session-token',
          Expiration: new Date(Date.UTC(2100, 0, 1)).toISOString(),
        },
        AssumedRoleUser: {
          AssumedRoleId: `AROAMOCKMOCKMOCK:${session}`,
          Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`,
        },
      };
    }
    if (call.operation === 'GetCallerIdentity') {
      const account = call.account ?? '123456789012';
      return { Account: account, Arn: `arn:aws:iam::${account}:user/mock`, UserId: 'AIDAMOCKMOCKMOCK' };
    }
    return undefined;
  }
}
