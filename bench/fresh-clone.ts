import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchResult } from './types';

/**
 * The demo from a fresh clone, as a new user runs it: `git clone` (of this repository's HEAD),
 * `npm ci`, `npm run demo` — the emulator's installation included, until the demo has stopped the
 * emulator and exited. The package managers' own caches on this machine are as they are (warm
 * after the first run): the figure is for "package indexes reachable", not for a cold download.
 */

const ROOT = path.join(__dirname, '..');
const TARGET_S = 60;

function timed(cmd: string, args: string[], cwd: string): number {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${`${r.stderr}${r.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);
  return (Date.now() - t0) / 1000;
}

export async function benchFreshClone(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-fresh-'));
  const repo = path.join(dir, 'hubfix');
  try {
    const clone = timed('git', ['clone', '--quiet', ROOT, repo], dir);
    const ci = timed('npm', ['ci', '--no-audit', '--no-fund'], repo);
    const demo = timed('npm', ['run', '--silent', 'demo'], repo);
    const total = Math.round((clone + ci + demo) * 10) / 10;
    return [
      {
        name: `demo from a fresh clone: git clone ${clone.toFixed(1)} s + npm ci ${ci.toFixed(1)} s + npm run demo ${demo.toFixed(1)} s (emulator install included, until stopped)`,
        value: total,
        unit: 's',
        target: `< ${TARGET_S} s`,
        ok: total < TARGET_S,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchFreshClone().then((rs) => {
    for (const x of rs) process.stdout.write(`${x.ok ? 'ok  ' : 'MISS'}  ${x.name}: ${x.value} ${x.unit}  (target ${x.target})\n`);
  });
}
