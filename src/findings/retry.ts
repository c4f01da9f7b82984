import { hasErrorCode, THROTTLING_CODES } from '../aws/invoker';

/**
 * Retrying AWS calls: exponential backoff with full jitter (a random wait between 0 and
 * base·2^n, capped), through an injectable sleep and random source so tests and the benchmark
 * never wait for real.
 */

export type Sleep = (ms: number) => Promise<void>;

export interface RetryOptions {
  /** Total tries, the first included (default 5). */
  tries?: number;
  baseMs?: number;
  maxMs?: number;
  sleep: Sleep;
  random?: () => number;
  /** Which errors are worth another try (default: throttling). */
  retryable?: (err: unknown) => boolean;
}

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const THROTTLING = [...THROTTLING_CODES];

export function isThrottling(err: unknown): boolean {
  return hasErrorCode(err, ...THROTTLING);
}

/** Throttling and the server-side errors AWS says to retry. */
export function isTransient(err: unknown): boolean {
  return (
    isThrottling(err) ||
    hasErrorCode(err, 'InternalServerError', 'InternalError', 'InternalException', 'ServiceUnavailable', 'InternalFailure')
  );
}

/** The wait before try n+1 (n counts from 0). */
export function backoff(n: number, random: () => number, baseMs = 100, maxMs = 5000): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** n));
}

export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const tries = o.tries ?? 5;
  const random = o.random ?? Math.random;
  const retryable = o.retryable ?? isThrottling;
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (n + 1 >= tries || !retryable(err)) throw err;
      await o.sleep(backoff(n, random, o.baseMs, o.maxMs));
    }
  }
}

/**
 * A fault that may pass: throttling (429 included), 5xx, a timeout or a broken connection. What
 * still fails this way after the SDK's retries is worth another try later (Lambda's async retry).
 */
export function mayPass(err: unknown): boolean {
  if (isTransient(err)) return true;
  const e = err as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | undefined;
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  return hasErrorCode(err, 'TimeoutError', 'RequestTimeout', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ServiceUnavailable');
}
