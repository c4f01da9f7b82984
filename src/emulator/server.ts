import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { EmulatorError, type EnsureOptions, ensureEmulator } from './install';

/** A running moto server on 127.0.0.1. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the endpoint override for every SDK client. */
  endpoint: string;
  /** The server's process id (it leads its own process group). */
  pid: number;
  /** Drop every resource in every account and Region (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stop the server and its process group; resolves when it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions extends EnsureOptions {
  /** How long to wait for the server to answer (default 30 s). */
  readyTimeoutMs?: number;
}

/** A port the OS says is free now (the server binds it right after; a lost race is retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/** No orphan: whatever way this process ends, the servers it started end too. */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      running.clear();
      // the default action for these signals, now that cleanup has run
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[sig]);
    });
  }
}

async function waitReady(
  endpoint: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
  spawnError: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const err = spawnError();
    if (err)
      throw new EmulatorError('START_FAILED', `cannot run the AWS emulator's Python: ${err.message} (delete .venv/moto to reinstall it)`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new EmulatorError(
        'START_FAILED',
        `the AWS emulator exited during start-up (${child.exitCode ?? child.signalCode}): ${lastLine(log())}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new EmulatorError(
    'START_FAILED',
    `the AWS emulator did not answer on ${endpoint} within ${timeoutMs / 1000} s: ${lastLine(log())}`,
  );
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200) || 'no output';
}

/**
 * moto's own entry point, behind a watchdog thread: when the Node process that started it dies
 * without cleaning up (SIGKILL, a CI timeout), the server sees its parent change and exits.
 */
const LAUNCHER = `
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
# only the AWS managed policies hubfix attaches: all ~1,600 of them in every account would make
# /moto-api/data.json take tens of seconds
import json, moto.iam.models as iam_models
managed = json.loads(iam_models.aws_managed_policies_data)
iam_models.aws_managed_policies_data = json.dumps({k: v for k, v in managed.items() if k in {'AWSSupportAccess'}})
from moto.server import main
main(sys.argv[1:])
`;

async function spawnOnce(python: string, timeoutMs: number): Promise<RunningEmulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-c', LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // moto delivers SNS http subscriptions itself: never through a proxy
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      PYTHONUNBUFFERED: '1',
      // AWS managed policies (AWSSupportAccess for IAM.18) exist only when loaded; LAUNCHER keeps only those hubfix attaches
      MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
    },
  });
  // keep the tail of the server's output for error messages; moto logs every request
  let tail = '';
  const keep = (c: Buffer) => {
    tail = (tail + c.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  running.add(child);
  hookExit();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  try {
    await waitReady(
      endpoint,
      child,
      () => tail,
      timeoutMs,
      () => spawnError,
    );
  } catch (err) {
    killGroup(child, 'SIGKILL');
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    pid: child.pid ?? -1,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new EmulatorError('START_FAILED', `POST ${endpoint}/moto-api/reset answered ${res.status}`);
    },
    stop() {
      stopping ??= (async () => {
        // the child is unref'd so it never holds the process open; while stopping it must, or Node
        // ends (exit code 0, nothing after stop() runs) before the exit event arrives
        child.ref();
        killGroup(child, 'SIGTERM');
        const kill = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
        await exited;
        clearTimeout(kill);
      })();
      return stopping;
    },
  };
}

/** Install (when needed) and start moto on 127.0.0.1 on a free port; resolves once it answers. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const { python } = await ensureEmulator(options);
  options.progress?.('starting the AWS emulator');
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await spawnOnce(python, options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      last = err;
      // a port taken between the probe and the bind shows as an early exit: try another port
      if (!(err instanceof EmulatorError) || !/exited during start-up/.test(err.message)) throw err;
    }
  }
  throw last;
}

/** moto's view of its models (GET /moto-api/data.json): service → model → instances. */
export async function modelData(endpoint: string): Promise<Record<string, Record<string, Array<Record<string, unknown>>>>> {
  const res = await fetch(`${endpoint}/moto-api/data.json`);
  if (!res.ok) throw new Error(`GET ${endpoint}/moto-api/data.json answered ${res.status}`);
  return (await res.json()) as Record<string, Record<string, Array<Record<string, unknown>>>>;
}
