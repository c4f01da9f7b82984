import { limiter } from '../util/pool';
import { type AwsCall, type AwsCredentials, type AwsOutput, AwsServiceError, type Invoker } from './invoker';
import { loadSdkPackage } from './sdk-packages';
import { serviceInfo } from './services';

/**
 * The invoker backed by AWS SDK v3: (boto3 service name, PascalCase operation) → the client of
 * the service's package and its `${operation}Command`. Packages load on first use; one client is
 * kept per service, Region, credentials and endpoint, at most `maxClients` of them (the least
 * recently used goes: credentials rotate, and each rotation would otherwise keep a client).
 * Outputs lose `$metadata` and carry dates as ISO 8601 strings and blobs as text (Lambda
 * payloads) or base64, as a JSON answer would.
 *
 * Faults: every call has a deadline (a hung connection fails as TimeoutError instead of holding
 * the Lambda), and the SDK's standard retry (throttling, 5xx; backoff with jitter) is hubfix's one
 * retry layer: callers above do not retry these again. What still fails for a passing reason is
 * retried by what runs the caller (Lambda's asynchronous retry, the step's maxAttempts).
 */

export interface SdkInvokerOptions {
  /** An endpoint override for every service (a local emulator such as moto). */
  endpoint?: string;
  /** Credentials used when a call brings none; default: the SDK's default provider chain. */
  credentials?: AwsCredentials;
  /** A named profile of the shared config/credentials files (the SDK resolves its credentials). */
  profile?: string;
  /** Loads a client package; tests replace it. Default: the packages in ./sdk-packages (bundled into the Lambdas). */
  load?: (pkg: string) => Record<string, unknown>;
  /** Tries per call, the first included, by the SDK's standard retry (default 3). */
  maxAttempts?: number;
  /** Milliseconds a call may take, the SDK's retries included (default 30 s; Lambda Invoke: 310 s). */
  requestTimeoutMs?: number;
  /** Clients kept at most (default 64). */
  maxClients?: number;
  /** Requests in flight at most, over every client; the rest wait their turn (default: no limit). */
  maxInFlight?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** aws:invokeLambdaFunction allows a function 300 s. */
const LAMBDA_INVOKE_TIMEOUT_MS = 310_000;
export const DEFAULT_MAX_CLIENTS = 64;

type ClientLike = { send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>; destroy?: () => void };
type ClientCtor = new (config: Record<string, unknown>) => ClientLike;
type CommandCtor = new (input: Record<string, unknown>) => unknown;

interface LoadedPackage {
  client: ClientCtor;
  exports: Record<string, unknown>;
}

/** Dates → ISO strings, byte arrays → base64, `$metadata` dropped. */
export function toJsonShape(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonShape);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata' || v === undefined) continue;
      out[k] = toJsonShape(v);
    }
    return out;
  }
  return value;
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export class SdkInvoker implements Invoker {
  private packages = new Map<string, LoadedPackage>();
  private clients = new Map<string, ClientLike>();
  private load: (pkg: string) => Record<string, unknown>;

  private readonly gate: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(private readonly options: SdkInvokerOptions = {}) {
    this.load = options.load ?? loadSdkPackage;
    this.gate = options.maxInFlight ? limiter(options.maxInFlight) : (fn) => fn();
  }

  async call(call: AwsCall): Promise<AwsOutput> {
    const info = serviceInfo(call.service);
    if (!info)
      throw new AwsServiceError(
        'UnknownService',
        `unknown service "${call.service}": hubfix has no SDK client for it`,
        call.service,
        call.operation,
      );
    const pkg = this.package(info.sdkPackage, call.service);
    const Command = pkg.exports[`${call.operation}Command`] as CommandCtor | undefined;
    if (typeof Command !== 'function')
      throw new AwsServiceError(
        'UnknownOperation',
        `${call.service} has no operation ${call.operation} (no ${call.operation}Command in ${info.sdkPackage})`,
        call.service,
        call.operation,
      );
    const client = this.client(pkg, call);
    const input = call.service === 'lambda' && call.operation === 'Invoke' ? lambdaInput(call.input) : call.input;
    // the call's own deadline (every attempt the SDK makes included): a hung connection fails
    // the call instead of holding the Lambda until it times out
    const ms = call.service === 'lambda' ? LAMBDA_INVOKE_TIMEOUT_MS : (this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), ms);
    let raw: Record<string, unknown>;
    try {
      raw = (await this.gate(() => client.send(new Command(input), { abortSignal: deadline.signal }))) as Record<string, unknown>;
    } catch (err) {
      if (deadline.signal.aborted)
        throw new AwsServiceError(
          'TimeoutError',
          `${call.service} ${call.operation}: no answer within ${ms} ms`,
          call.service,
          call.operation,
        );
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (call.service === 'lambda' && call.operation === 'Invoke' && raw.Payload instanceof Uint8Array) {
      return { ...(toJsonShape({ ...raw, Payload: undefined }) as AwsOutput), Payload: utf8(raw.Payload) };
    }
    return toJsonShape(raw) as AwsOutput;
  }

  private package(name: string, service: string): LoadedPackage {
    let pkg = this.packages.get(name);
    if (!pkg) {
      let exports: Record<string, unknown>;
      try {
        exports = this.load(name);
      } catch (err) {
        throw new AwsServiceError('UnknownService', `cannot load ${name} for ${service}: ${(err as Error).message}`, service);
      }
      const clientName = Object.keys(exports).find((k) => k.endsWith('Client') && !k.startsWith('__'));
      if (!clientName) throw new AwsServiceError('UnknownService', `${name} exports no client`, service);
      pkg = { client: exports[clientName] as ClientCtor, exports };
      this.packages.set(name, pkg);
    }
    return pkg;
  }

  private client(pkg: LoadedPackage, call: AwsCall): ClientLike {
    const creds = call.credentials ?? this.options.credentials ?? this.emulatorCredentials();
    const key = `${call.service}|${call.region}|${creds?.accessKeyId ?? 'default'}|${creds?.sessionToken ?? ''}|${this.options.endpoint ?? ''}`;
    let client = this.clients.get(key);
    if (client) {
      // most recently used last: the first entry is the one to let go
      this.clients.delete(key);
      this.clients.set(key, client);
      return client;
    }
    const config: Record<string, unknown> = {
      region: call.region,
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryMode: 'standard',
    };
    if (creds) config.credentials = creds;
    else if (this.options.profile) config.profile = this.options.profile;
    if (this.options.endpoint) {
      config.endpoint = this.options.endpoint;
      if (call.service === 's3') config.forcePathStyle = true;
    }
    client = new pkg.client(config);
    this.clients.set(key, client);
    const max = this.options.maxClients ?? DEFAULT_MAX_CLIENTS;
    while (this.clients.size > max) {
      const [oldest, old] = this.clients.entries().next().value as [string, ClientLike];
      this.clients.delete(oldest);
      old.destroy?.();
    }
    return client;
  }

  /** Clients kept (for tests). */
  get clientCount(): number {
    return this.clients.size;
  }

  /** An emulator accepts any credentials; give fixed ones when none are configured. */
  private emulatorCredentials(): AwsCredentials | undefined {
    if (!this.options.endpoint || this.options.profile || process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE) return undefined;
    return { accessKeyId: 'testing', secretAccessKey: 'testing' };
  }
}

/** Lambda's Payload is bytes: SSM documents give it as a JSON string (or a map). */
function lambdaInput(input: Record<string, unknown>): Record<string, unknown> {
  const p = input.Payload;
  if (p === undefined || p instanceof Uint8Array) return input;
  return { ...input, Payload: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p), 'utf8') };
}
