import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as sinon from 'sinon';
import { parseParams, runLocal } from '../../src/cli/run-local';
import { main } from '../../src/cli/main';
import { UsageError } from '../../src/cli/errors';
import type { CallRecord } from '../../src/engine/record';
import { validateDocument } from '../../src/validator';
import * as yaml from 'js-yaml';

const ROLE = 'arn:aws:iam::111122223333:role/HubfixPasswordPolicy';
const DOC = 'Hubfix-IAM-PasswordPolicy';
const STRONG = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  MaxPasswordAge: 90,
  PasswordReusePrevention: 24,
};

let dir: string;
function file(name: string, content: unknown): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

function quiet() {
  const out: string[] = [];
  return { out: (t: string) => out.push(t), err: (t: string) => out.push(t), text: () => out.join('') };
}

const getPolicy = (policy: unknown, times?: number) => ({
  service: 'iam',
  operation: 'GetAccountPasswordPolicy',
  ...(times ? { times } : {}),
  ...(policy
    ? { output: { PasswordPolicy: policy } }
    : { error: { name: 'NoSuchEntity', message: 'The Password Policy with domain name 111122223333 cannot be found.' } }),
});
const update = { service: 'iam', operation: 'UpdateAccountPasswordPolicy', output: {} };

function writes(calls: CallRecord[]): CallRecord[] {
  return calls.filter((c) =>
    /^(Update|Put|Create|Delete|Attach|Detach|Set|Enable|Disable|Revoke|Authorize|Modify|Tag|Untag)/.test(c.operation),
  );
}

async function runPasswordPolicy(mocks: unknown[], params: string[] = []) {
  const mock = file(`mocks-${Math.random().toString(36).slice(2)}.yaml`, { mocks });
  const o = quiet();
  const r = await runLocal(DOC, { mock, param: [`AutomationAssumeRole=${ROLE}`, ...params] }, { output: o });
  return { ...r, text: o.text() };
}

describe('run-local: the password-policy runbook against mock tables', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-run-local-'));
  });

  it('fixes a non-compliant account: the policy is written and verified, exit 0', async () => {
    const weak = { MinimumPasswordLength: 8, RequireSymbols: false };
    const r = await runPasswordPolicy([getPolicy(weak, 2), update, getPolicy(STRONG)]);
    expect(r.status, r.record.FailureMessage).to.equal('Success');
    expect(r.exitCode).to.equal(0);
    const w = writes(r.record.Calls);
    expect(w.map((c) => c.operation)).to.deep.equal(['UpdateAccountPasswordPolicy']);
    expect(w[0].input).to.include({ MinimumPasswordLength: 14, RequireSymbols: true, PasswordReusePrevention: 24, MaxPasswordAge: 90 });
    expect(r.outputs['Finalize.Verified']).to.equal(true);
    expect(r.text).to.match(/Success\s*$/);
  });

  it('makes no write call for a compliant account', async () => {
    const r = await runPasswordPolicy([getPolicy(STRONG)]);
    expect(r.status, r.record.FailureMessage).to.equal('Success');
    expect(writes(r.record.Calls)).to.deep.equal([]);
    expect(r.record.StepExecutions.map((s) => s.StepName)).to.not.include('Apply');
  });

  it('does not weaken a stricter existing policy', async () => {
    const stricter = { ...STRONG, MinimumPasswordLength: 24, MaxPasswordAge: 30, RequireSymbols: false };
    const fixed = { ...stricter, RequireSymbols: true };
    const r = await runPasswordPolicy([getPolicy(stricter, 2), update, getPolicy(fixed)]);
    expect(r.status, r.record.FailureMessage).to.equal('Success');
    const [w] = writes(r.record.Calls);
    expect(w.input).to.include({ MinimumPasswordLength: 24, MaxPasswordAge: 30, RequireSymbols: true, PasswordReusePrevention: 24 });
  });

  it('DryRun=true makes no mutating call', async () => {
    const r = await runPasswordPolicy([getPolicy({ MinimumPasswordLength: 6 })], ['DryRun=true']);
    expect(r.status, r.record.FailureMessage).to.equal('Success');
    expect(writes(r.record.Calls)).to.deep.equal([]);
    expect(r.record.Parameters.DryRun).to.deep.equal(['true']);
  });

  it('an account without a policy gets one created', async () => {
    const r = await runPasswordPolicy([getPolicy(null, 2), update, getPolicy(STRONG)]);
    expect(r.status, r.record.FailureMessage).to.equal('Success');
    expect(writes(r.record.Calls)).to.have.length(1);
  });

  it('a write the mock table does not answer fails the step naming the call, exit 1', async () => {
    const r = await runPasswordPolicy([getPolicy({ MinimumPasswordLength: 8 })]);
    expect(r.status).to.equal('Failed');
    expect(r.exitCode).to.equal(1);
    const apply = r.record.StepExecutions.find((s) => s.StepName === 'Apply');
    expect(apply?.FailureMessage).to.match(/no mock matches iam UpdateAccountPasswordPolicy \{/);
  });

  it('--json prints the execution record', async () => {
    const mock = file('strong.json', { mocks: [getPolicy(STRONG)] });
    const o = quiet();
    await runLocal(DOC, { mock, json: true, region: 'us-east-1', param: [`AutomationAssumeRole=${ROLE}`] }, { output: o });
    const record = JSON.parse(o.text());
    expect(record.DocumentName).to.equal(DOC);
    expect(record.AutomationExecutionStatus).to.equal('Success');
    expect(record.StepExecutions[0]).to.include.keys(
      'StepName',
      'Action',
      'StepStatus',
      'Inputs',
      'Attempts',
      'ExecutionStartTime',
      'ExecutionEndTime',
    );
    expect(record.Calls[0]).to.include({
      service: 'sts',
      operation: 'AssumeRole',
      account: '111122223333',
      region: 'us-east-1',
      outcome: 'ok',
    });
  });
});

describe('run-local: input errors exit 2 and run nothing', () => {
  afterEach(() => sinon.restore());

  async function cli(...args: string[]): Promise<{ code: number; err: string; out: string }> {
    const stderr = sinon.stub(process.stderr, 'write');
    const stdout = sinon.stub(process.stdout, 'write');
    let code: number;
    try {
      code = await main(['node', 'hubfix', 'run-local', ...args]);
    } finally {
      stderr.restore();
      stdout.restore();
    }
    const err = stderr
      .getCalls()
      .map((c) => String(c.args[0]))
      .join('');
    const out = stdout
      .getCalls()
      .map((c) => String(c.args[0]))
      .join('');
    return { code, err, out };
  }

  it('an unknown document', async () => {
    const r = await cli('No-Such-Doc', '--mock', file('empty.yaml', 'mocks: []'));
    expect(r.code).to.equal(2);
    expect(r.err).to.equal('hubfix: unknown document No-Such-Doc: not a document of the build nor a file\n');
  });

  it('a parameter that fails its pattern', async () => {
    const r = await cli(DOC, '--mock', file('empty2.yaml', 'mocks: []'), '--param', 'AutomationAssumeRole=not-a-role');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^hubfix: parameter AutomationAssumeRole: "not-a-role" does not match allowedPattern/);
    expect(r.err.trim().split('\n')).to.have.length(1);
  });

  it('a malformed mock file', async () => {
    const r = await cli(DOC, '--mock', file('bad.yaml', 'mocks:\n  - service: iam\n'), '--param', `AutomationAssumeRole=${ROLE}`);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^hubfix: mock table .*bad\.yaml: mocks\[0\] needs "operation"/);
  });

  it('a document file that fails validation', async () => {
    const bad = file(
      'Broken-Doc.yaml',
      "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:sleep\n    inputs: {Duration: PT1S}\n    nextStep: Nowhere\n",
    );
    const r = await cli(bad, '--mock', file('empty3.yaml', 'mocks: []'));
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^hubfix: Broken-Doc fails validation: /);
  });

  it('usage mistakes: --approve with --reject, a bad --account, --mock with --endpoint, a --param without =', async () => {
    const mock = file('empty4.yaml', 'mocks: []');
    expect((await cli(DOC, '--mock', mock, '--approve', '--reject')).code).to.equal(2);
    expect((await cli(DOC, '--mock', mock, '--account', '12')).code).to.equal(2);
    expect((await cli(DOC, '--mock', mock, '--endpoint', 'http://127.0.0.1:5000')).code).to.equal(2);
    expect((await cli(DOC, '--mock', mock, '--param', 'NoEquals')).code).to.equal(2);
  });

  it("runs a document file from outside the build, checked against its own steps' actions", async () => {
    const ext = file(
      'Ext-Doc.yaml',
      "schemaVersion: '0.3'\nparameters:\n  Name: {type: String, default: web, allowedPattern: '^[a-z]+$'}\nmainSteps:\n  - name: Get\n    action: aws:executeAwsApi\n    inputs: {Service: iam, Api: GetUser, UserName: '{{ Name }}'}\n    outputs:\n      - {Name: Arn, Selector: $.User.Arn, Type: String}\noutputs: [Get.Arn]\n",
    );
    const mock = file('ext.yaml', {
      mocks: [
        {
          service: 'iam',
          operation: 'GetUser',
          input: { UserName: 'web' },
          output: { User: { Arn: 'arn:aws:iam::123456789012:user/web' } },
        },
      ],
    });
    const r = await cli(ext, '--mock', mock, '--account', '123456789012');
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.out).to.include('Get.Arn = arn:aws:iam::123456789012:user/web');
  });
  it('runs a document file with a step no path reaches, as SSM does, with a one-line warning naming the step', async () => {
    const doc = file(
      'Ext-Unreachable.yaml',
      "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:sleep\n    inputs: {Duration: PT0S}\n    isEnd: true\n  - name: Orphan\n    action: aws:sleep\n    inputs: {Duration: PT0S}\n",
    );
    const r = await cli(doc, '--mock', file('empty5.yaml', 'mocks: []'), '--account', '123456789012', '--region', 'us-east-1');
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.err).to.match(
      /^hubfix: warning: Ext-Unreachable: \$\.mainSteps\[1\]: step "Orphan" can never run: .*\(SSM runs it anyway\)\n$/,
    );
    // hubfix validate still refuses it for a document one would ship
    expect(validateDocument(yaml.load(fs.readFileSync(doc, 'utf8')), { name: 'Ext-Unreachable' }).map((p) => p.message)).to.satisfy(
      (m: string[]) => m.some((x) => /can never run/.test(x)),
    );
  });

  it("warns and runs a build-named file that differs from the build document with its own steps' policy", async () => {
    const doc = file(`${DOC}.yaml`, "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:sleep\n    inputs: {Duration: PT0S}\n");
    const r = await cli(doc, '--mock', file('empty6.yaml', 'mocks: []'), '--account', '123456789012');
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.err).to.contain(`differs from the build's document ${DOC}`);
  });

  it('runs an AWS-style document (an AWS- name, a String parameter without a pattern): those rules are for publishing, not running', async () => {
    const ext = file(
      'AWS-Style-Doc.yaml',
      "schemaVersion: '0.3'\nparameters:\n  UserName: {type: String}\nmainSteps:\n  - name: Get\n    action: aws:executeAwsApi\n    inputs: {Service: iam, Api: GetUser, UserName: '{{ UserName }}'}\n",
    );
    const mock = file('aws-style.yaml', {
      mocks: [{ service: 'iam', operation: 'GetUser', input: { UserName: 'bob' }, output: { User: {} } }],
    });
    const r = await cli(ext, '--mock', mock, '--account', '123456789012', '--param', 'UserName=bob');
    expect(r.code, r.err + r.out).to.equal(0);
    // hubfix validate still reports both for a document one would ship
    const problems = validateDocument(yaml.load(fs.readFileSync(ext, 'utf8')), { name: 'AWS-Style-Doc' });
    expect(problems.map((p) => p.message).join('\n'))
      .to.match(/reserved/)
      .and.to.match(/UserName/);
  });
});

describe('run-local: parameters on the command line', () => {
  it('parses KEY=VALUE and makes a repeated key a list', () => {
    expect(parseParams(['A=1', 'B=x=y', 'L=a', 'L=b'])).to.deep.equal({ A: '1', B: 'x=y', L: ['a', 'b'] });
    expect(() => parseParams(['=v'])).to.throw(UsageError);
  });
});
