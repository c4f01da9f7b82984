import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as sinon from 'sinon';
import { parseIni, readProfile, resolveAws, resolveOutput } from '../../src/cli/aws-options';
import { UsageError } from '../../src/cli/errors';
import { main } from '../../src/cli/main';
import { runLocal } from '../../src/cli/run-local';
import { runRemediate } from '../../src/cli/remediate';
import { fakeAws } from '../orchestrator/fake-aws';

/** hubfix behaves like aws-cli: profile and Region resolution, --output, errors on stderr, exit codes, --version. */

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out = sinon.stub(process.stdout, 'write').returns(true);
  const err = sinon.stub(process.stderr, 'write').returns(true);
  try {
    const code = await main(['node', 'hubfix', ...args]);
    const text = (s: sinon.SinonStub) =>
      s
        .getCalls()
        .map((c) => String(c.args[0]))
        .join('');
    return { code, out: text(out), err: text(err) };
  } finally {
    out.restore();
    err.restore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let dir: string;
let env: Record<string, string>;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-profiles-'));
  fs.writeFileSync(
    path.join(dir, 'config'),
    [
      '[default]',
      'region = us-west-2',
      '',
      '[profile dev]',
      'region = eu-west-2',
      'output = json',
      '',
      '[profile noregion]',
      'output = text',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'credentials'),
    ['[dev]', 'aws_access_key_id = AKIDEXAMPLE', 'aws_secret_access_key = x', '[keysonly]', 'aws_access_key_id = AKID2', ''].join('\n'),
  );
  env = { AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials') };
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('cli conventions: the Region comes from --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile (like aws-cli)', () => {
  it("takes the named profile's region from the shared config file", () => {
    expect(resolveAws({ profile: 'dev' }, env)).to.deep.equal({ profile: 'dev', region: 'eu-west-2' });
    expect(resolveAws({}, { ...env, AWS_PROFILE: 'dev' }).region).to.equal('eu-west-2');
    expect(resolveAws({}, env).region, 'the default profile').to.equal('us-west-2');
  });

  it('AWS_REGION beats AWS_DEFAULT_REGION beats the profile; --region beats them all', () => {
    expect(resolveAws({ profile: 'dev' }, { ...env, AWS_DEFAULT_REGION: 'ap-south-1' }).region).to.equal('ap-south-1');
    expect(resolveAws({ profile: 'dev' }, { ...env, AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'ca-central-1' }).region).to.equal(
      'ca-central-1',
    );
    expect(resolveAws({ profile: 'dev', region: 'sa-east-1' }, { ...env, AWS_REGION: 'ca-central-1' }).region).to.equal('sa-east-1');
  });

  it('a profile only in the credentials file exists; a profile in neither file is a usage error naming both files', () => {
    expect(readProfile('keysonly', env)).to.deep.equal({ name: 'keysonly', exists: true });
    expect(() => resolveAws({ profile: 'nosuch' }, env)).to.throw(
      UsageError,
      /--profile nosuch: no such profile in .*config or .*credentials/,
    );
    expect(() => resolveAws({}, { ...env, AWS_PROFILE: 'nosuch' })).to.throw(UsageError, /^AWS_PROFILE nosuch: no such profile/);
  });

  it('no Region anywhere is a usage error when the command needs one; a bad Region names where it came from', () => {
    expect(() => resolveAws({ profile: 'noregion' }, env)).to.throw(UsageError, /no Region/);
    expect(resolveAws({ profile: 'noregion' }, env, false)).to.deep.equal({ profile: 'noregion' });
    expect(() => resolveAws({}, { ...env, AWS_REGION: 'Mars' })).to.throw(UsageError, /^AWS_REGION "Mars" is not a Region name/);
  });

  it('parses INI sections, ignoring comments and indented continuation lines', () => {
    const ini = parseIni('# c\n[profile a]\nregion=eu-north-1\ns3 =\n  max_concurrent_requests = 5\n; x\n[b]\nk = v\n');
    expect(ini.get('profile a')).to.deep.equal({ region: 'eu-north-1', s3: '' });
    expect(ini.get('b')).to.deep.equal({ k: 'v' });
  });

  it("run-local runs in the profile's Region (it no longer picks us-east-1 behind the operator's back)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env, { AWS_PROFILE: 'dev' });
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const mock = path.join(dir, 'mock.json');
    fs.writeFileSync(
      mock,
      JSON.stringify({
        mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: { MinimumPasswordLength: 14 } } }],
      }),
    );
    let out = '';
    try {
      await runLocal(
        'Hubfix-IAM-PasswordPolicy',
        { mock, json: true, param: ['AutomationAssumeRole=arn:aws:iam::111122223333:role/HubfixPasswordPolicy'] },
        { output: { out: (t) => (out += t), err: () => {} } },
      );
    } finally {
      process.env = saved;
    }
    expect(JSON.parse(out).Region).to.equal('eu-west-2');
  });
});

describe('cli conventions: --output on every command, --json its short form', () => {
  it('resolves --output, keeps --json as --output json, and refuses an unknown format or a contradiction', () => {
    expect(resolveOutput({}, ['table', 'json'])).to.equal('table');
    expect(resolveOutput({ json: true }, ['table', 'json'])).to.equal('json');
    expect(resolveOutput({ output: 'json', json: true }, ['table', 'json'])).to.equal('json');
    expect(() => resolveOutput({ output: 'xml' }, ['table', 'json'])).to.throw(UsageError, '--output "xml" is not one of table, json');
    expect(() => resolveOutput({ output: 'table', json: true }, ['table', 'json'])).to.throw(UsageError, 'not both');
  });

  it('an unknown --output is one line on stderr, exit 2, nothing on stdout, for every command that takes it', async () => {
    const finding = 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/6c0f4c7e-2b8a-4f1c-9d3e-000000000001';
    for (const args of [
      ['remediate', '--finding-id', finding, '--output', 'xml'],
      ['actions', 'list', '--region', 'us-east-1', '--output', 'xml'],
      ['decide', path.join(__dirname, '..', 'fixtures', 'events', 'imported-consolidated-iam15.json'), '--output', 'xml'],
      ['report', '--region', 'us-east-1', '--output', 'xml'],
      ['list', '--output', 'xml'],
      ['validate', 'x.yaml', '--output', 'xml'],
      ['build', '--out', path.join(dir, 'never'), '--output', 'xml'],
      ['simulate', 'x.json', '--output', 'xml'],
      ['run-local', 'x', '--output', 'xml'],
    ]) {
      const r = await run(args, env);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(/^hubfix: --output "xml" is not one of [a-z, ]+\n$/);
      expect(r.out).to.equal('');
    }
    expect(fs.existsSync(path.join(dir, 'never')), 'build wrote nothing').to.equal(false);
    const list = await run(['list', '--output', 'json']);
    expect(list.code).to.equal(0);
    expect(JSON.parse(list.out)).to.deep.equal(JSON.parse((await run(['list', '--json'])).out));
  });

  it('a profile that does not exist: one line, exit 2, no AWS call (AWS_PROFILE too)', async () => {
    const finding = 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/6c0f4c7e-2b8a-4f1c-9d3e-000000000001';
    for (const [args, extra] of [
      [['remediate', '--finding-id', finding, '--profile', 'nosuch'], {}],
      [['actions', 'create', '--profile', 'nosuch'], {}],
      [['actions', 'list'], { AWS_PROFILE: 'nosuch' }],
    ] as Array<[string[], Record<string, string>]>) {
      const r = await run(args, { ...env, ...extra, AWS_REGION: undefined });
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err.split('\n').filter(Boolean), r.err).to.have.length(1);
      expect(r.err).to.match(/no such profile/);
    }
  });
});

describe('cli conventions: errors on stderr, exit codes, version', () => {
  it('remediate prints its errors on stderr even with --json, and exits 1 when no run started', async () => {
    const fake = fakeAws();
    let out = '';
    let err = '';
    const code = await runRemediate(
      { findingId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/x', json: true },
      fake.invoker,
      (s) => (out += s),
      (s) => (err += s),
    );
    expect(code).to.equal(1);
    expect(out).to.equal('');
    expect(err).to.match(/^hubfix: no finding arn:aws:securityhub:.* in us-east-1\n$/);
  });

  it('hubfix --help documents the exit codes, as the README does', async () => {
    const r = await run(['--help']);
    expect(r.code).to.equal(0);
    expect(r.out).to.include('Exit codes:');
    for (const code of ['0', '1', '2', '3']) expect(r.out).to.match(new RegExp(`\\n  ${code}  `));
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).to.match(/## Exit codes/);
    for (const line of ['| 0 |', '| 1 |', '| 2 |', '| 3 |']) expect(readme).to.include(line);
  });

  it('hubfix --version prints the version in package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const r = await run(['--version']);
    expect(r.code).to.equal(0);
    expect(r.out.trim()).to.equal(pkg.version);
  });
});
