import { type SpawnOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The AWS emulator (moto server) in a project-local Python virtual environment, created on demand
 * from the pinned requirements-emulator.txt and reused while that file's hash is unchanged.
 */

export type EmulatorErrorCode =
  | 'PYTHON_MISSING'
  | 'PYTHON_TOO_OLD'
  | 'VENV_FAILED'
  | 'PACKAGE_INDEX_UNREACHABLE'
  | 'INSTALL_FAILED'
  | 'START_FAILED';

/** A failure to install or start the emulator; `message` is one line a person can act on. */
export class EmulatorError extends Error {
  constructor(
    readonly code: EmulatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export interface EmulatorInstall {
  /** The interpreter inside the virtual environment. */
  python: string;
  /** The virtual environment's directory. */
  venv: string;
}

export interface EnsureOptions {
  /** The repository root (default: found from this file). */
  root?: string;
  /** The Python used to create the venv (default: $HUBFIX_PYTHON, else python3). */
  python?: string;
  /** Called with one short line per stage (creating the venv, installing ...). */
  progress?: (line: string) => void;
}

const REQUIREMENTS = 'requirements-emulator.txt';
const MARKER = '.hubfix-requirements.sha256';
const MIN_PYTHON: [number, number] = [3, 10];

/** The repository root: the nearest directory above this file with requirements-emulator.txt. */
export function repoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, REQUIREMENTS)) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new EmulatorError('INSTALL_FAILED', `cannot find ${REQUIREMENTS} above ${from}`);
    dir = up;
  }
}

export function venvDir(root: string): string {
  return join(root, '.venv', 'moto');
}

export function requirementsHash(root: string): string {
  return createHash('sha256')
    .update(readFileSync(join(root, REQUIREMENTS)))
    .digest('hex');
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT ...). */
  spawnError?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) => resolvePromise({ code: null, stdout, stderr, spawnError: err }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Parse `Python 3.11.7` → [3, 11]. */
export function parsePythonVersion(text: string): [number, number] | undefined {
  const m = /Python (\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * pip's failure in one line: the network when it could not reach the index, else its first
 * ERROR line. Pure, so the wording is tested without a broken network.
 */
export function summarizePipFailure(output: string): { code: EmulatorErrorCode; message: string } {
  const network =
    /(Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Connection refused|ConnectTimeoutError|ReadTimeoutError|Max retries exceeded|SSLError|ProxyError)/i.exec(
      output,
    );
  const errorLine = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('ERROR:'));
  const detail = (errorLine ?? network?.[0] ?? output.trim().split('\n').pop() ?? 'pip failed').replace(/^ERROR:\s*/, '');
  if (network || /No matching distribution found|Could not find a version that satisfies/i.test(output)) {
    return {
      code: 'PACKAGE_INDEX_UNREACHABLE',
      message: `cannot install the AWS emulator: the Python package index is unreachable or lacks a pinned package (${truncate(detail, 160)})`,
    };
  }
  return { code: 'INSTALL_FAILED', message: `cannot install the AWS emulator: pip failed (${truncate(detail, 200)})` };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

async function checkPython(python: string): Promise<void> {
  const r = await run(python, ['--version']);
  if (r.spawnError?.code === 'ENOENT') {
    throw new EmulatorError(
      'PYTHON_MISSING',
      `the AWS emulator needs Python ${MIN_PYTHON.join('.')}+ but "${python}" was not found: install python3 (with venv) or set HUBFIX_PYTHON`,
    );
  }
  const version = parsePythonVersion(`${r.stdout}${r.stderr}`);
  if (r.code !== 0 || !version)
    throw new EmulatorError('PYTHON_MISSING', `"${python} --version" failed: ${truncate(`${r.stderr}${r.stdout}`.trim(), 160)}`);
  if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
    throw new EmulatorError(
      'PYTHON_TOO_OLD',
      `the AWS emulator needs Python ${MIN_PYTHON.join('.')}+, "${python}" is ${version.join('.')}: set HUBFIX_PYTHON to a newer one`,
    );
  }
}

/** One process at a time installs; others wait for it (mocha and a demo started together). */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockIsStale(lock) || Date.now() > deadline) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // ESRCH: the holder is gone; ENOENT: the pid file is not written yet (not stale)
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isCurrent(venv: string, hash: string): boolean {
  try {
    return readFileSync(join(venv, MARKER), 'utf8').trim() === hash && existsSync(join(venv, 'bin', 'python'));
  } catch {
    return false;
  }
}

/** The uv release used when `uv` is not on PATH (bootstrapped with pip into the venv). */
export const UV_REQUIREMENT = 'uv==0.13.8';

/** How the environment gets its packages: uv (fast), or plain pip (always available with venv). */
export type Installer = 'uv' | 'pip';

/** Which installer to try first: `HUBFIX_EMULATOR_INSTALLER=pip` forces plain pip. Pure. */
export function preferredInstaller(env: NodeJS.ProcessEnv = process.env): Installer {
  return env.HUBFIX_EMULATOR_INSTALLER === 'pip' ? 'pip' : 'uv';
}

const QUIET_ENV = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', UV_NO_PROGRESS: '1' };

async function makeVenv(base: string, venv: string, withPip: boolean): Promise<void> {
  const mk = await run(base, ['-m', 'venv', '--clear', ...(withPip ? [] : ['--without-pip']), venv]);
  if (mk.code !== 0) {
    const why = `${mk.stderr}${mk.stdout}`.trim().split('\n').pop() ?? '';
    throw new EmulatorError(
      'VENV_FAILED',
      `cannot create ${venv} with "${base} -m venv" (${truncate(why, 160)}); on Debian/Ubuntu install python3-venv`,
    );
  }
}

/**
 * Install with uv: `uv` from PATH when there is one (no pip at all in the venv), else uv itself
 * pip-installed into a fresh venv first. Resolves false when uv is not usable here, so the caller
 * falls back to pip; the venv may then be half-made and is recreated.
 */
async function installWithUv(
  base: string,
  venv: string,
  root: string,
  env: NodeJS.ProcessEnv,
  progress: (l: string) => void,
): Promise<boolean> {
  const python = join(venv, 'bin', 'python');
  const onPath = await run('uv', ['--version'], { env });
  let uv = 'uv';
  if (onPath.code === 0) {
    const mk = await run(uv, ['venv', '--quiet', '--allow-existing', '--python', base, venv], { env, cwd: root });
    if (mk.code !== 0) return false;
  } else {
    await makeVenv(base, venv, true);
    progress(`installing the installer (${UV_REQUIREMENT})`);
    const boot = await run(python, ['-m', 'pip', 'install', '--quiet', UV_REQUIREMENT], { env, cwd: root });
    if (boot.code !== 0) return false;
    uv = join(venv, 'bin', 'uv');
  }
  progress(`installing the AWS emulator (${REQUIREMENTS}, with uv)`);
  const r = await run(uv, ['pip', 'install', '--quiet', '--python', python, '--requirement', join(root, REQUIREMENTS)], { env, cwd: root });
  return r.code === 0;
}

async function installWithPip(
  base: string,
  venv: string,
  root: string,
  env: NodeJS.ProcessEnv,
  progress: (l: string) => void,
): Promise<void> {
  await makeVenv(base, venv, true);
  progress(`installing the AWS emulator (${REQUIREMENTS}, with pip)`);
  const python = join(venv, 'bin', 'python');
  const pip = await run(python, ['-m', 'pip', 'install', '--quiet', '--requirement', join(root, REQUIREMENTS)], { env, cwd: root });
  if (pip.code !== 0) {
    const { code, message } = summarizePipFailure(`${pip.stderr}\n${pip.stdout}`);
    throw new EmulatorError(code, message);
  }
}

/**
 * Make sure the emulator is installed: reuse `.venv/moto` when it was built from the current
 * requirements, else (re)create it — with uv where it can be had (seconds), else with plain
 * `python3 -m venv` and `pip install -r` (the fallback, and the one whose errors are reported).
 */
export async function ensureEmulator(options: EnsureOptions = {}): Promise<EmulatorInstall> {
  const root = options.root ?? repoRoot();
  const venv = venvDir(root);
  const python = join(venv, 'bin', 'python');
  const hash = requirementsHash(root);
  if (isCurrent(venv, hash)) return { python, venv };
  return withLock(venv, async () => {
    if (isCurrent(venv, hash)) return { python, venv };
    const base = options.python ?? process.env.HUBFIX_PYTHON ?? 'python3';
    await checkPython(base);
    const progress = options.progress ?? (() => {});
    progress(`creating the emulator's Python environment in ${venv}`);
    // uv reads no pip configuration: hand it the index pip would use
    const index = process.env.PIP_INDEX_URL && !process.env.UV_DEFAULT_INDEX ? { UV_DEFAULT_INDEX: process.env.PIP_INDEX_URL } : {};
    const env = { ...process.env, ...QUIET_ENV, ...index };
    const viaUv = preferredInstaller() === 'uv' && (await installWithUv(base, venv, root, env, progress));
    if (!viaUv) await installWithPip(base, venv, root, env, progress);
    writeFileSync(join(venv, MARKER), `${hash}\n`);
    return { python, venv };
  });
}
