import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../src/compiler/bundle';

/**
 * The CLI as a user installs it: `npm pack` of this checkout, installed into an empty directory
 * (no clone, no dev dependencies), then `hubfix build` and `hubfix decide` run from there.
 */

const TIMEOUT_MS = 8 * 60_000;

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r;
}

describe('the packed CLI, installed into an empty directory', function () {
  this.timeout(TIMEOUT_MS);
  let dir: string;
  let tarball: string;
  let files: string[];

  before(function () {
    this.timeout(TIMEOUT_MS);
    const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-pack-'));
    const packed = run('npm', ['pack', '--json', '--pack-destination', packDir], repoRoot());
    const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(packDir, info[0].filename);
    files = info[0].files.map((f) => f.path);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-installed-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}\n');
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir);
  });

  it('ships the compiled CLI, the sources build bundles, the schemas and the LICENSE, and no tests', () => {
    for (const f of [
      'bin/hubfix.js',
      'build/src/cli/main.js',
      'src/steprunner/lambda.ts',
      'schemas/config.schema.json',
      'LICENSE',
      'README.md',
    ])
      expect(files, f).to.include(f);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('build/test/'))).to.deep.equal([]);
    expect(fs.readFileSync(path.join(repoRoot(), 'LICENSE'), 'utf8')).to.include('Apache License');
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).to.equal('Apache-2.0');
  });

  it('installs without any dev dependency', () => {
    for (const dev of ['typescript', 'tsx', 'mocha', '@biomejs/biome'])
      expect(fs.existsSync(path.join(dir, 'node_modules', dev)), dev).to.equal(false);
  });

  it('runs hubfix build there: documents, policies, bundles and templates', () => {
    const r = run('npx', ['--no-install', 'hubfix', 'build', '--out', 'dist'], dir);
    expect(r.stdout).to.match(/built \d+ runbook/);
    for (const f of ['cfn/hubfix-admin.yaml', 'cfn/hubfix-member-region.yaml', 'lambda/step-runner.zip', 'policies/hubfix-member.json'])
      expect(fs.existsSync(path.join(dir, 'dist', f)), f).to.equal(true);
  });

  it('runs hubfix decide there on an event file', () => {
    const event = path.join(repoRoot(), 'test', 'fixtures', 'events', 'imported-consolidated-iam15.json');
    const r = run('npx', ['--no-install', 'hubfix', 'decide', event, '--json'], dir);
    expect(r.stdout).to.include('IAM.15');
    expect(r.stdout).to.match(/"decision":\s*"start"/);
  });
});
