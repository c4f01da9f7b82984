import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsCall, AwsServiceError } from '../aws/invoker';

/**
 * A fault-injecting HTTP proxy between hubfix's SDK clients and the emulator, for the
 * fault-injection suite: it listens on 127.0.0.1 only, forwards every request to the emulator,
 * and answers some itself as AWS does on a bad day: throttling (HTTP 429 with the protocol's
 * throttling error), internal errors (HTTP 500) and hung requests (no answer until the client
 * gives up, held at most `hangMs`, at most `maxHung` at once). It counts what it saw.
 */

export interface FaultRates {
  /** Share of requests answered with a throttling error (0.2 = 20 %). */
  throttle: number;
  /** Share answered HTTP 500. */
  serverError: number;
  /** Share held without an answer. */
  hang: number;
}

export interface FaultProxyOptions {
  /** The emulator's endpoint (`http://127.0.0.1:<port>`). */
  target: string;
  rates: FaultRates;
  /** Longest a hung request is held before its socket is destroyed (default 30 s). */
  hangMs?: number;
  /** Hung requests held at once at most; past it, requests are forwarded (default 8). */
  maxHung?: number;
  random?: () => number;
}

export interface FaultCounts {
  requests: number;
  forwarded: number;
  throttled: number;
  serverErrors: number;
  hung: number;
  /** Requests by service (the signing name of each HTTP request; the call's service in-process). */
  byService: Record<string, number>;
}

/** Counts with nothing counted yet. */
export function emptyFaultCounts(): FaultCounts {
  return { requests: 0, forwarded: 0, throttled: 0, serverErrors: 0, hung: 0, byService: {} };
}

/** The service a signed request is for: the SigV4 credential scope's service (`…/us-east-1/ec2/aws4_request`). Pure. */
export function signedService(authorization: string | undefined): string {
  return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1] ?? 'unsigned';
}

function countService(counts: FaultCounts, service: string): void {
  counts.byService[service] = (counts.byService[service] ?? 0) + 1;
}

export interface FaultProxy {
  endpoint: string;
  counts: FaultCounts;
  /** Turn faults on or off (off: every request is forwarded). */
  enabled: boolean;
  close(): Promise<void>;
}

/** The error body a service's protocol uses, so the SDK reads the code as it would from AWS. */
function errorBody(req: IncomingMessage, code: string, message: string): { type: string; body: string } {
  const target = req.headers['x-amz-target'];
  const json = typeof target === 'string' || String(req.headers['content-type'] ?? '').includes('json');
  if (json) return { type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: code, message }) };
  return {
    type: 'text/xml',
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
  };
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  const { type, body } = errorBody(req, code, message);
  res.writeHead(status, { 'content-type': type, 'x-amzn-errortype': code, 'x-amzn-requestid': 'fault-proxy' });
  res.end(body);
}

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(o.target);
  const random = o.random ?? Math.random;
  const hangMs = o.hangMs ?? 30_000;
  const maxHung = o.maxHung ?? 8;
  const counts = emptyFaultCounts();
  let hungNow = 0;
  const proxy: FaultProxy = { endpoint: '', counts, enabled: true, close: async () => {} };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    counts.forwarded++;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    counts.requests++;
    countService(counts, signedService(req.headers.authorization));
    if (!proxy.enabled) return forward(req, res);
    const roll = random();
    if (roll < o.rates.throttle) {
      counts.throttled++;
      req.resume();
      return answer(req, res, 429, 'ThrottlingException', 'Rate exceeded (fault proxy)');
    }
    if (roll < o.rates.throttle + o.rates.serverError) {
      counts.serverErrors++;
      req.resume();
      return answer(req, res, 500, 'InternalFailure', 'internal error (fault proxy)');
    }
    if (roll < o.rates.throttle + o.rates.serverError + o.rates.hang && hungNow < maxHung) {
      counts.hung++;
      hungNow++;
      req.resume();
      const release = () => {
        clearTimeout(timer);
        hungNow--;
        res.socket?.destroy();
      };
      const timer = setTimeout(release, hangMs);
      res.on('close', () => {
        if (hungNow > 0 && timer) {
          clearTimeout(timer);
          hungNow--;
        }
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/**
 * The same faults for the calls the in-process stand-ins answer (they never cross HTTP), with
 * the SDK's standard retry in front of them as it would be (`attempts` tries): so every call
 * hubfix makes meets the faults, and sees them through one retry layer.
 */
export async function withStandInFaults<T>(
  call: AwsCall,
  rates: FaultRates,
  attempts: number,
  counts: FaultCounts,
  run: () => Promise<T>,
  random: () => number = Math.random,
): Promise<T> {
  let last: unknown;
  for (let n = 0; n < attempts; n++) {
    counts.requests++;
    countService(counts, call.service);
    const roll = random();
    if (roll < rates.throttle) {
      counts.throttled++;
      last = new AwsServiceError('ThrottlingException', 'Rate exceeded (stand-in faults)', call.service, call.operation);
    } else if (roll < rates.throttle + rates.serverError) {
      counts.serverErrors++;
      last = new AwsServiceError('InternalServerError', 'internal error (stand-in faults)', call.service, call.operation);
    } else {
      counts.forwarded++;
      return run();
    }
    await new Promise((r) => setTimeout(r, Math.floor(random() * 50 * 2 ** n)));
  }
  throw last;
}
