import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';
import * as sinon from 'sinon';
import { buildTemplates, type Template } from '../../src/cfn';
import { IMPORTED_PATTERN } from '../../src/cfn/events';
import { runBuild } from '../../src/cli/build';
import { compileAll } from '../../src/compiler';
import { runbookRoleName } from '../../src/findings/naming';
import { principalPolicies } from '../../src/iam/principals';

const runbooks = compileAll();
const fakeBundles = [
  { name: 'orchestrator', sha256: 'a'.repeat(64) },
  { name: 'step-runner', sha256: 'b'.repeat(64) },
];

/** Resolve the intrinsic functions a policy uses: Fn::Sub kept as written (or with values), Fn::If by the given conditions. */
function resolve(value: unknown, conditions: Record<string, boolean>, values: Record<string, string> = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, conditions, values));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Sub' in o) return String(o['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (m, k: string) => values[k] ?? m);
    if ('Fn::If' in o) {
      const [cond, a, b] = o['Fn::If'] as [string, unknown, unknown];
      return resolve(conditions[cond] ? a : b, conditions, values);
    }
    if ('Ref' in o && o.Ref === 'AWS::NoValue') return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const r = resolve(v, conditions, values);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}

function inlinePolicy(t: Template, logicalId: string): unknown {
  const policies = t.Resources[logicalId].Properties?.Policies as Array<{ PolicyDocument: unknown }>;
  expect(policies, logicalId).to.have.length(1);
  return policies[0].PolicyDocument;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('CloudFormation templates', () => {
  const templates = buildTemplates(runbooks, fakeBundles);
  const admin = templates['hubfix-admin.yaml'];
  const account = templates['hubfix-member-account.yaml'];
  const region = templates['hubfix-member-region.yaml'];
  const derived = principalPolicies(runbooks.map((r) => r.name));

  it("embed exactly the build's derived policies of the orchestrator, member role and step runner", () => {
    const withOrg = { HasOrganizationId: true };
    expect(resolve(inlinePolicy(admin, 'OrchestratorRole'), withOrg)).to.deep.equal(derived.orchestrator);
    expect(resolve(inlinePolicy(account, 'MemberRole'), withOrg)).to.deep.equal(derived.member);
    expect(resolve(inlinePolicy(account, 'StepRunnerRole'), withOrg)).to.deep.equal(derived['step-runner']);
  });

  it('drop the Organization condition when no Organization id is given, and only it', () => {
    const noOrg = resolve(inlinePolicy(admin, 'OrchestratorRole'), { HasOrganizationId: false }) as typeof derived.orchestrator;
    const assume = noOrg.Statement.find((s) => s.Action.includes('sts:AssumeRole'));
    expect(assume?.Condition).to.equal(undefined);
    expect(noOrg.Statement.map((s) => s.Action)).to.deep.equal(derived.orchestrator.Statement.map((s) => s.Action));
  });

  it("give every runbook role the runbook's derived policy (partition-aware), trusted by SSM of this account and the step runner", () => {
    for (const rb of runbooks) {
      const role = Object.values(account.Resources).find((r) => r.Properties?.RoleName === runbookRoleName(rb.name));
      expect(role, rb.name).to.not.equal(undefined);
      const policies = role?.Properties?.Policies as Array<{ PolicyDocument: unknown }>;
      expect(resolve(policies[0].PolicyDocument, {}), rb.name).to.deep.equal(rb.policy);
      const trust = resolve(role?.Properties?.AssumeRolePolicyDocument, {}) as { Statement: Array<Record<string, unknown>> };
      expect(trust.Statement[0]).to.deep.include({ Principal: { Service: 'ssm.amazonaws.com' } });
      expect(trust.Statement[0].Condition).to.deep.include({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
      expect(trust.Statement[1].Principal).to.deep.equal({ AWS: { 'Fn::GetAtt': ['StepRunnerRole', 'Arn'] } });
    }
  });

  it('build every ARN with the partition pseudo-parameter', () => {
    for (const [file, t] of Object.entries(templates))
      for (const s of strings(t.Resources)) expect(s, file).to.not.match(/arn:aws(-[a-z]+)?:/);
  });

  it('are flat: no nested stacks and no custom resources', () => {
    for (const t of Object.values(templates))
      for (const r of Object.values(t.Resources)) expect(r.Type).to.not.match(/^(AWS::CloudFormation::(Stack|CustomResource)|Custom::)/);
  });

  it('run both Lambdas on nodejs22.x from content-addressed zips', () => {
    const fns = [admin.Resources.Orchestrator, region.Resources.StepRunner];
    for (const f of fns) expect(f.Properties?.Runtime).to.equal('nodejs22.x');
    expect(admin.Resources.Orchestrator.Properties?.Code).to.deep.equal({
      S3Bucket: { Ref: 'CodeBucket' },
      S3Key: { 'Fn::Sub': `\${CodeKeyPrefix}orchestrator-${'a'.repeat(64)}.zip` },
    });
  });

  it('hold one document per runbook with the compiled content', () => {
    for (const rb of runbooks) {
      const d = Object.values(region.Resources).find((r) => r.Type === 'AWS::SSM::Document' && r.Properties?.Name === rb.name);
      expect(d?.Properties?.Content, rb.name).to.deep.equal(rb.document);
    }
  });

  it('let only new, failed, active findings start the orchestrator, and send failed invocations to a queue', () => {
    expect(IMPORTED_PATTERN.detail.findings).to.deep.equal({
      Compliance: { Status: ['FAILED'] },
      RecordState: ['ACTIVE'],
      Workflow: { Status: ['NEW'] },
    });
    expect(admin.Resources.FindingsImportedRule.Properties?.EventPattern).to.deep.equal(IMPORTED_PATTERN);
    const invoke = admin.Resources.OrchestratorInvokeConfig.Properties as Record<string, unknown>;
    expect(invoke.DestinationConfig).to.deep.equal({ OnFailure: { Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } } });
    expect(admin.Resources.RemediateAction.Type).to.equal('AWS::SecurityHub::ActionTarget');
  });

  it('put events on a queue only the two rules may send to, fed to the orchestrator in batches with failures reported per message', () => {
    const att = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    for (const rule of ['FindingsImportedRule', 'CustomActionRule'])
      expect(admin.Resources[rule].Properties?.Targets).to.deep.equal([{ Id: 'events-queue', Arn: att('EventsQueue') }]);
    // no rule of Security Hub's events invokes the function directly
    const invokers = Object.values(admin.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Permission')
      .map((r) => JSON.stringify(r.Properties?.SourceArn));
    for (const rule of ['FindingsImportedRule', 'CustomActionRule']) expect(invokers.join(' ')).not.to.contain(rule);
    const queue = admin.Resources.EventsQueue.Properties as Record<string, unknown>;
    expect(queue.RedrivePolicy).to.deep.equal({ deadLetterTargetArn: att('FailureQueue'), maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).to.equal(6 * Number(admin.Resources.Orchestrator.Properties?.Timeout));
    expect(queue.SqsManagedSseEnabled).to.equal(true);
    const policy = admin.Resources.EventsQueuePolicy.Properties?.PolicyDocument as
      | { Statement: Array<Record<string, unknown>> }
      | undefined;
    const [statement] = policy?.Statement ?? [];
    expect(statement).to.deep.include({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    expect(statement.Condition).to.deep.equal({ ArnEquals: { 'aws:SourceArn': [att('FindingsImportedRule'), att('CustomActionRule')] } });
    expect(admin.Resources.EventsQueueMapping.Properties).to.deep.include({
      EventSourceArn: att('EventsQueue'),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const sqs = derived.orchestrator.Statement.filter((st) => [st.Action].flat().some((a) => String(a).startsWith('sqs:')));
    const onQueue = (arn: string) => sqs.filter((st) => [st.Resource].flat().includes(arn)).flatMap((st) => [st.Action].flat());
    expect(onQueue('${EventsQueue.Arn}')).to.have.members(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']);
    expect(onQueue('${FailureQueue.Arn}')).to.deep.equal(['sqs:SendMessage']);
  });

  describe('as hubfix build writes them', () => {
    let out: string;
    before(async function () {
      this.timeout(120_000);
      out = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-cfn-'));
      const stdout = sinon.stub(process.stdout, 'write').returns(true);
      try {
        expect(await runBuild({ out })).to.equal(0);
      } finally {
        stdout.restore();
      }
    });

    it('writes the three templates, pointing at the zips it wrote, and the principals policies', () => {
      const written = load(fs.readFileSync(path.join(out, 'cfn', 'hubfix-member-region.yaml'), 'utf8')) as Template;
      const code = written.Resources.StepRunner.Properties?.Code as { S3Key: { 'Fn::Sub': string } };
      const key = code.S3Key['Fn::Sub'];
      const sha = /step-runner-([0-9a-f]{64})\.zip$/.exec(key)?.[1];
      const zip = fs.readFileSync(path.join(out, 'lambda', 'step-runner.zip'));
      expect(sha).to.equal(require('node:crypto').createHash('sha256').update(zip).digest('hex'));
      for (const f of ['hubfix-admin.yaml', 'hubfix-member-account.yaml']) expect(fs.existsSync(path.join(out, 'cfn', f))).to.equal(true);
      expect(JSON.parse(fs.readFileSync(path.join(out, 'policies', 'hubfix-member.json'), 'utf8'))).to.deep.equal(derived.member);
    });

    it('bundles carry the AWS SDK: the step runner runs with no node_modules around it', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bundle-'));
      // what the zip holds: index.js and the SDK files beside it
      for (const f of fs.readdirSync(path.join(out, 'lambda', 'step-runner')))
        fs.copyFileSync(path.join(out, 'lambda', 'step-runner', f), path.join(dir, f));
      const script = `require('./index.js').handler(${JSON.stringify({
        handler: runbooks[0].handlers[0].id,
        roleArn: `arn:aws:iam::111111111111:role/${runbookRoleName(runbooks[0].name)}`,
        executionId: '00000000-0000-4000-8000-000000000000',
        input: {},
      })}, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:hubfix-step-runner' })
        .then(() => console.log('ran'), (e) => console.log('error:', e.name, e.message))`;
      const r = spawnSync(process.execPath, ['-e', script], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'y',
          AWS_MAX_ATTEMPTS: '1',
        },
      });
      // it got as far as calling STS (connection refused), so the SDK was in the bundle
      expect(r.stdout + r.stderr).to.not.match(/Cannot find module/);
      expect(r.stdout).to.match(/error: .*(ECONNREFUSED|connect)/i);
    });
  });
});
