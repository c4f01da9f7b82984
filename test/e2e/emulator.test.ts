import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SdkInvoker } from '../../src/aws/sdk-invoker';
import { EmulatorError, ensureEmulator, modelData, repoRoot, startEmulator } from '../../src/emulator';
import { parsePythonVersion, preferredInstaller, summarizePipFailure } from '../../src/emulator/install';
import { useEmulator } from './support';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('emulator: install messages', () => {
  it('reads the version python --version prints', () => {
    expect(parsePythonVersion('Python 3.11.7\n')).to.deep.equal([3, 11]);
    expect(parsePythonVersion('command not found')).to.equal(undefined);
  });

  it('summarizes an unreachable package index in one line, naming the index', () => {
    const pip = [
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/moto/",
      'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.5 (from versions: none)',
      'ERROR: No matching distribution found for moto[server]==5.2.5',
    ].join('\n');
    const s = summarizePipFailure(pip);
    expect(s.code).to.equal('PACKAGE_INDEX_UNREACHABLE');
    expect(s.message).to.match(/package index is unreachable/);
    expect(s.message).to.not.include('\n');
    expect(s.message.length).to.be.below(300);
  });

  it('summarizes any other pip failure by its first ERROR line', () => {
    const s = summarizePipFailure('Collecting x\nERROR: x-1.0 has an invalid wheel\nTraceback ...');
    expect(s).to.deep.equal({
      code: 'INSTALL_FAILED',
      message: 'cannot install the AWS emulator: pip failed (x-1.0 has an invalid wheel)',
    });
  });

  it('fails with PYTHON_MISSING and one actionable line when the Python it is given does not exist', async () => {
    // a copy of the repository's requirements with no venv yet, so ensureEmulator must create one
    const root = mkdtempSync(join(tmpdir(), 'hubfix-emu-'));
    try {
      copyFileSync(join(repoRoot(), 'requirements-emulator.txt'), join(root, 'requirements-emulator.txt'));
      writeFileSync(join(root, 'package.json'), '{}');
      let error: unknown;
      try {
        await ensureEmulator({ root, python: join(root, 'no-such-python3') });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(EmulatorError);
      expect((error as EmulatorError).code).to.equal('PYTHON_MISSING');
      expect((error as EmulatorError).message).to.match(/needs Python 3\.10\+ .* was not found: install python3/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('pins every package of the emulator, moto 5.2.5 first, without the linters and tools of the server extra', () => {
    const lines = execFileSync('grep', ['-v', '^#', join(repoRoot(), 'requirements-emulator.txt')], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(lines[0]).to.equal('moto==5.2.5');
    for (const l of lines) expect(l, l).to.match(/^[A-Za-z0-9_.-]+==[^=\s]+$/);
    // server mode (Flask), the SSM and S3 parsers, the SDK moto answers with, and what moto's
    // CloudFormation imports (its API Gateway models need openapi-spec-validator; hubfix installs through CloudFormation)
    for (const pkg of ['cryptography', 'Flask', 'flask-cors', 'PyYAML', 'py-partiql-parser', 'boto3', 'openapi-spec-validator'])
      expect(
        lines.some((l) => l.startsWith(`${pkg}==`)),
        pkg,
      ).to.equal(true);
    // what moto[server] would pull in for services hubfix never calls
    for (const pkg of ['cfn-lint', 'docker', 'graphql-core', 'aws-xray-sdk', 'sympy'])
      expect(
        lines.some((l) => l.startsWith(`${pkg}==`)),
        pkg,
      ).to.equal(false);
  });

  it('installs with uv unless told to use plain pip', () => {
    expect(preferredInstaller({})).to.equal('uv');
    expect(preferredInstaller({ HUBFIX_EMULATOR_INSTALLER: 'pip' })).to.equal('pip');
  });
});

describe('emulator: lifecycle', () => {
  it('starts moto on 127.0.0.1, answers STS, and stops with no process left', async function () {
    this.timeout(10 * 60_000);
    const emu = await startEmulator();
    try {
      expect(emu.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const sdk = new SdkInvoker({ endpoint: emu.endpoint });
      const id = await sdk.call({ service: 'sts', operation: 'GetCallerIdentity', region: 'us-east-1', input: {} });
      expect(id.Account).to.equal('123456789012');
      expect(alive(emu.pid)).to.equal(true);
    } finally {
      await emu.stop();
    }
    expect(alive(emu.pid)).to.equal(false);
    await emu.stop(); // idempotent
  });

  it('leaves no emulator behind when the Node process that started it is killed outright', async function () {
    this.timeout(10 * 60_000);
    const script = `require('tsx/cjs'); require(${JSON.stringify(join(repoRoot(), 'src/emulator'))}).startEmulator().then((e) => { process.stdout.write(e.pid + '\\n'); setInterval(() => {}, 1000); });`;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => resolve(Number(c.toString().trim())));
      child.on('exit', (code) => reject(new Error(`the child exited (${code}) before starting the emulator`)));
    });
    expect(alive(pid)).to.equal(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid), `emulator ${pid} outlived its parent`).to.equal(false);
  });
});

describe('emulator: the moto behaviour hubfix relies on', () => {
  const emu = useEmulator();
  const region = 'us-east-1';

  it('gives credentials that act in the other account when AssumeRole names a role there', async () => {
    const sdk = new SdkInvoker({ endpoint: emu.current().endpoint });
    const out = await sdk.call({
      service: 'sts',
      operation: 'AssumeRole',
      region,
      input: { RoleArn: 'arn:aws:iam::111111111111:role/probe', RoleSessionName: 'probe' },
    });
    const c = out.Credentials as Record<string, string>;
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const id = await sdk.call({ service: 'sts', operation: 'GetCallerIdentity', region, credentials, input: {} });
    expect(id.Arn).to.equal('arn:aws:sts::111111111111:assumed-role/probe/probe');
    await sdk.call({ service: 'iam', operation: 'CreateUser', region, credentials, input: { UserName: 'only-in-111' } });
    let adminSees = true;
    try {
      await sdk.call({ service: 'iam', operation: 'GetUser', region, input: { UserName: 'only-in-111' } });
    } catch {
      adminSees = false;
    }
    expect(adminSees, 'the user created in 111111111111 must not exist in the administrator account').to.equal(false);
    const data = await modelData(emu.current().endpoint);
    expect(data.sts.AssumedRole.map((r) => r.role_arn)).to.include('arn:aws:iam::111111111111:role/probe');
  });

  it('ignores GetFindings Filters (why the GetFindings stand-in filters)', async () => {
    const sdk = new SdkInvoker({ endpoint: emu.current().endpoint });
    const at = new Date().toISOString();
    const finding = (id: string) => ({
      SchemaVersion: '2018-10-08',
      Id: id,
      ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
      GeneratorId: 'probe',
      AwsAccountId: '123456789012',
      CreatedAt: at,
      UpdatedAt: at,
      Title: 'probe',
      Description: 'probe',
      Severity: { Label: 'LOW' },
      Types: ['Software and Configuration Checks'],
      Resources: [{ Type: 'Other', Id: 'probe' }],
    });
    await sdk.call({ service: 'securityhub', operation: 'BatchImportFindings', region, input: { Findings: [finding('a'), finding('b')] } });
    const out = await sdk.call({
      service: 'securityhub',
      operation: 'GetFindings',
      region,
      input: { Filters: { Id: [{ Value: 'b', Comparison: 'EQUALS' }] } },
    });
    expect((out.Findings as Array<{ Id: string }>).map((f) => f.Id)).to.deep.equal(['a', 'b']);
  });

  it('lacks BatchUpdateFindings (why the Security Hub stand-in exists)', async () => {
    const sdk = new SdkInvoker({ endpoint: emu.current().endpoint });
    let error: unknown;
    try {
      await sdk.call({
        service: 'securityhub',
        operation: 'BatchUpdateFindings',
        region,
        input: { FindingIdentifiers: [{ Id: 'a', ProductArn: 'p' }], Workflow: { Status: 'NOTIFIED' } },
      });
    } catch (err) {
      error = err;
    }
    expect(error, 'moto answered BatchUpdateFindings: the stand-in may no longer be needed').to.be.instanceOf(Error);
  });
});
