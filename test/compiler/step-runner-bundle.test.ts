import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { runBuild } from '../../src/cli/build';
import { compileAll } from '../../src/compiler';
import { builtStepsModule } from '../../src/compiler/bundle';
import { runbookHandlers } from '../../src/compiler/compile';
import { shippedHandlers, stepHandlersOf } from '../../src/steprunner/lambda';
import { STUB_EVENT, STUB_FUNCTION_ARN, startStubAws, stubEnvironment } from '../steprunner/stub-aws';

/** What a cold start of the step runner does not do any more: compile every runbook. */

/** Runs the step-runner bundle in a fresh `node`: each payload in turn, printing each result or refusal. */
function runFresh(bundle: string, env: NodeJS.ProcessEnv, payloads: unknown[]): Promise<Array<{ ok?: unknown; refused?: string }>> {
  const script = `
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    const { handler } = require(process.argv[1]);
    (async () => {
      const out = [];
      for (const p of JSON.parse(process.argv[2]))
        out.push(await handler(p, { invokedFunctionArn: process.argv[3] }).then((ok) => ({ ok }), (e) => ({ refused: e.message })));
      write(JSON.stringify(out));
    })();`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['-e', script, bundle, JSON.stringify(payloads), STUB_FUNCTION_ARN],
      { env, encoding: 'utf8' },
      (err, stdout, stderr) => (err ? reject(new Error(stderr.slice(-500))) : resolve(JSON.parse(stdout))),
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

  it('carries the built step table and catalog, and no runbook compiler', () => {
    const text = fs.readFileSync(path.join(out, 'lambda', 'step-runner', 'index.js'), 'utf8');
    expect(text).to.include('["Hubfix-IAM-PasswordPolicy",[["Plan","iamPasswordPolicy.plan"]');
    expect(text).to.include('{"version":1,"controls":{');
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
});
