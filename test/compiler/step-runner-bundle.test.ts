import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { runBuild } from '../../src/cli/build';
import { compileAll } from '../../src/compiler';
import { BUNDLED_SDK_PACKAGES } from '../../src/aws/sdk-packages';
import { builtStepsModule } from '../../src/compiler/bundle';
import { SHARED_FILE, clientFile } from '../../src/compiler/sdk-split';
import { runbookHandlers } from '../../src/compiler/compile';
import { shippedHandlers, stepHandlersOf } from '../../src/steprunner/lambda';
import { STUB_EVENT, STUB_FUNCTION_ARN, finalizeScenario, startStubAws, stubEnvironment } from '../steprunner/stub-aws';

/** What a cold start of the step runner does not do any more: compile every runbook. */

type Fresh = Array<{ ok?: unknown; refused?: string }> & { loaded?: string[] };

/** Runs the step-runner bundle in a fresh `node`: each payload in turn; `loaded`: the files it required. */
function runFresh(bundle: string, env: NodeJS.ProcessEnv, payloads: unknown[]): Promise<Fresh> {
  const script = `
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    const { handler } = require(process.argv[1]);
    (async () => {
      const out = [];
      for (const p of JSON.parse(process.argv[2]))
        out.push(await handler(p, { invokedFunctionArn: process.argv[3] }).then((ok) => ({ ok }), (e) => ({ refused: e.message })));
      write(JSON.stringify({ out, loaded: Object.keys(require.cache).map((f) => require('path').basename(f)) }));
    })();`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['-e', script, bundle, JSON.stringify(payloads), STUB_FUNCTION_ARN],
      { env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(stderr.slice(-500)));
        const { out, loaded } = JSON.parse(stdout) as { out: Fresh; loaded: string[] };
        resolve(Object.assign(out, { loaded }));
      },
    ),
  );
}

describe('the step runner without the runbook compiler', () => {
  it("gathers one runbook's handlers when its document is first run, the same handlers compiling gives", () => {
    const handlersOf = shippedHandlers();
    for (const c of compileAll()) {
      const gathered = handlersOf(c.name);
      expect([...(gathered?.keys() ?? [])].sort(), c.name).to.deep.equal(c.handlers.map((h) => h.id).sort());
      expect(handlersOf(c.name), 'kept while warm').to.equal(gathered);
      expect(runbookHandlers(c.runbook).map((h) => h.id)).to.deep.equal(c.handlers.map((h) => h.id));
    }
    expect(handlersOf('Evil-Doc')).to.equal(undefined);
  });
});

describe('the step-runner bundle', () => {
  let out: string;
  before(async function () {
    this.timeout(120_000);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-runner-cold-'));
    const stdout = sinon.stub(process.stdout, 'write').returns(true);
    try {
      expect(await runBuild({ out })).to.equal(0);
    } finally {
      stdout.restore();
    }
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('knows the script steps of exactly the documents the build wrote', () => {
    const m = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', builtStepsModule(out))(m, m.exports);
    const built = (m.exports.shippedSteps as () => Map<string, Map<string, string>>)();
    expect(built).to.deep.equal(stepHandlersOf(compileAll()));
    expect(built.get('Hubfix-IAM-PasswordPolicy')?.get('Plan')).to.equal('iamPasswordPolicy.plan');
    const file = path.join(out, 'runbooks', 'Hubfix-IAM-PasswordPolicy.yaml');
    const kept = fs.readFileSync(file);
    fs.rmSync(file);
    try {
      const again = { exports: {} as Record<string, unknown> };
      new Function('module', 'exports', builtStepsModule(out))(again, again.exports);
      expect((again.exports.shippedSteps as () => Map<string, unknown>)().has('Hubfix-IAM-PasswordPolicy')).to.equal(false);
    } finally {
      fs.writeFileSync(file, kept);
    }
    expect(() => builtStepsModule(path.join(out, 'nowhere'))).to.throw(/has no documents/);
  });

  it("carries the built step table, and the catalog and validators beside it (the finalizer's), and no runbook compiler", () => {
    const dir = path.join(out, 'lambda', 'step-runner');
    const text = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(text).to.include('["Hubfix-IAM-PasswordPolicy",[["Plan","iamPasswordPolicy.plan"]');
    expect(text).to.not.include('{"version":1,"controls":{');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8'))).to.deep.equal(
      JSON.parse(fs.readFileSync(path.join(out, 'catalog.json'), 'utf8')),
    );
    expect(fs.readFileSync(path.join(dir, 'validators.js'), 'utf8')).to.include('ucs2length');
    expect(text).to.not.include('ucs2length');
    // messages only compileRunbook and its checks carry: they would be there if the runner could compile
    expect(text).to.not.include('must match [a-zA-Z0-9_]+');
    expect(text).to.not.include('a String parameter needs a pattern or allowed values');
  });

  it('loaded fresh, refuses a bad payload without AWS and runs a script step with the execution check first', async function () {
    this.timeout(30_000);
    const stub = await startStubAws();
    try {
      const bundle = path.join(out, 'lambda', 'step-runner', 'index.js');
      const results = await runFresh(bundle, stubEnvironment(stub), [{ ...STUB_EVENT, handler: 'nope.nope' }, STUB_EVENT]);
      expect(results[0].refused).to.match(/unknown script handler "nope.nope"/);
      expect(results[1].ok).to.include({ Decision: 'remediate' });
      expect(stub.requests).to.deep.equal(['ssm:GetAutomationExecution', 'sts:AssumeRole', 'iam:GetAccountPasswordPolicy']);
      // the code it read: index.js, the shared SDK code and the three clients it called; no finalizer files
      expect([...(results.loaded ?? [])].sort()).to.deep.equal([
        'index.js',
        'sdk-client-iam.js',
        'sdk-client-ssm.js',
        'sdk-client-sts.js',
        'sdk-shared.js',
      ]);
    } finally {
      await stub.close();
    }
  });

  it('loaded fresh, refuses a payload whose input differs from the one SSM resolved, before assuming the role', async function () {
    this.timeout(30_000);
    const stub = await startStubAws();
    try {
      const bundle = path.join(out, 'lambda', 'step-runner', 'index.js');
      const tampered = { ...STUB_EVENT, input: { ...STUB_EVENT.input, MinimumPasswordLength: 6 } };
      const [result] = await runFresh(bundle, stubEnvironment(stub), [tampered]);
      expect(result.refused).to.match(/the payload's input differs from the input SSM resolved/);
      expect(stub.requests).to.deep.equal(['ssm:GetAutomationExecution']);
    } finally {
      await stub.close();
    }
  });

  it("loaded fresh, finalizes a run: reads the finding, finds it is this run's by the built catalog, writes it", async function () {
    this.timeout(30_000);
    const { at, finding } = finalizeScenario();
    const event = at.event;
    const stub = await startStubAws({ at, finding });
    try {
      const [result] = await runFresh(path.join(out, 'lambda', 'step-runner', 'index.js'), stubEnvironment(stub), [event]);
      expect(result.refused).to.equal(undefined);
      expect(result.ok).to.include({ Status: 'NOT_VERIFIED', FindingUpdate: 'updated' });
      expect(stub.requests).to.deep.equal([
        'ssm:GetAutomationExecution',
        'sts:AssumeRole',
        'securityhub:GetFindings',
        'securityhub:BatchUpdateFindings',
      ]);
      const update = JSON.parse(stub.bodies[stub.bodies.length - 1]);
      expect(update.FindingIdentifiers).to.deep.equal([{ Id: finding.Id, ProductArn: finding.ProductArn }]);
      expect(update.UserDefinedFields['hubfix:status']).to.equal('NOT_VERIFIED');
      expect(update.Note.Text).to.not.include("not this run's finding");
    } finally {
      await stub.close();
    }
  });

  /** One read of each service, sent with the client file and the shared SDK code alone. */
  const READS: Record<string, string> = {
    '@aws-sdk/client-iam': 'ListRoles',
    '@aws-sdk/client-ec2': 'DescribeVpcs',
    '@aws-sdk/client-s3': 'ListBuckets',
    '@aws-sdk/client-cloudtrail': 'DescribeTrails',
    '@aws-sdk/client-kms': 'ListKeys',
    '@aws-sdk/client-cloudwatch-logs': 'DescribeLogGroups',
    '@aws-sdk/client-cloudwatch': 'DescribeAlarms',
    '@aws-sdk/client-sns': 'ListTopics',
    '@aws-sdk/client-sts': 'GetCallerIdentity',
    '@aws-sdk/client-ssm': 'ListDocuments',
    '@aws-sdk/client-securityhub': 'GetFindings',
    '@aws-sdk/client-eventbridge': 'ListRules',
    '@aws-sdk/client-config-service': 'DescribeConfigurationRecorders',
    '@aws-sdk/client-lambda': 'ListFunctions',
  };

  it('keeps each SDK client in its own file beside index.js and the shared SDK code in one, each client sending a request', async function () {
    this.timeout(60_000);
    const dir = path.join(out, 'lambda', 'step-runner');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(
      ['index.js', 'catalog.json', 'validators.js', SHARED_FILE, ...BUNDLED_SDK_PACKAGES.map(clientFile)].sort(),
    );
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).to.not.include('GetAutomationExecutionCommand');
    const zipped = fs.readFileSync(path.join(out, 'lambda', 'step-runner.zip')).toString('latin1');
    for (const f of fs.readdirSync(dir)) expect(zipped).to.include(f);
    expect(Object.keys(READS).sort()).to.deep.equal([...BUNDLED_SDK_PACKAGES].sort());
    const stub = await startStubAws();
    try {
      const script = `
        const [dir, url, reads] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
        (async () => {
          const out = {};
          for (const [file, operation] of reads) {
            const m = require(require('path').join(dir, file));
            const Client = m[Object.keys(m).find((k) => k.endsWith('Client') && !k.startsWith('__'))];
            const client = new Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, maxAttempts: 1,
              credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
            out[file] = await client.send(new m[operation + 'Command']({})).then(() => 'answered', (e) => e.name + ': ' + e.message);
          }
          process.stdout.write(JSON.stringify(out));
        })();`;
      const reads = BUNDLED_SDK_PACKAGES.map((p) => [clientFile(p), READS[p]]);
      const results = await new Promise<Record<string, string>>((resolve, reject) =>
        execFile(process.execPath, ['-e', script, dir, stub.url, JSON.stringify(reads)], { encoding: 'utf8' }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr.slice(-500))) : resolve(JSON.parse(stdout)),
        ),
      );
      for (const [file, result] of Object.entries(results))
        expect(result, file).to.not.match(/^(TypeError|ReferenceError|SyntaxError)|Cannot find module|is not a (function|constructor)/);
      // every client reached the wire: serialised, signed and sent with the shared code
      expect(stub.requests).to.have.length(BUNDLED_SDK_PACKAGES.length);
    } finally {
      await stub.close();
    }
  });
});
