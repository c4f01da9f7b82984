import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * cfn-lint over the templates `hubfix build` writes, from a development-tools virtual environment
 * (.venv/devtools, pinned by requirements-devtools.txt, separate from the emulator's), created on
 * first use and reused while that file is unchanged. Any error or warning fails.
 *
 *   node --require tsx/cjs scripts/cfn-lint.ts [template ...]   (default: dist/cfn/*.yaml)
 */

const root = path.resolve(__dirname, '..');
const requirements = path.join(root, 'requirements-devtools.txt');
const venv = path.join(root, '.venv', 'devtools');
const marker = path.join(venv, '.hubfix-requirements.sha256');
const bin = (name: string) => path.join(venv, 'bin', name);

function fail(message: string): never {
  process.stderr.write(`cfn-lint: ${message}\n`);
  process.exit(2);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed (exit ${r.status})`);
}

function ensureVenv(): void {
  const hash = createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === hash && fs.existsSync(bin('cfn-lint'))) return;
  process.stderr.write('cfn-lint: installing the development tools into .venv/devtools (pinned)\n');
  fs.rmSync(venv, { recursive: true, force: true });
  run(process.env.HUBFIX_PYTHON ?? 'python3', ['-m', 'venv', venv]);
  run(bin('pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  fs.writeFileSync(marker, `${hash}\n`);
}

const args = process.argv.slice(2);
const templates = args.length
  ? args
  : fs.existsSync(path.join(root, 'dist', 'cfn'))
    ? fs
        .readdirSync(path.join(root, 'dist', 'cfn'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => path.join(root, 'dist', 'cfn', f))
    : [];
if (templates.length === 0) fail('no templates: run `hubfix build` first (they go to dist/cfn/)');
ensureVenv();
const r = spawnSync(bin('cfn-lint'), ['--format', 'parseable', '--', ...templates], { stdio: 'inherit' });
if (r.status === 0) process.stdout.write(`cfn-lint: ${templates.length} template(s), no errors or warnings\n`);
process.exit(r.status ?? 2);
