import { expect } from 'chai';
import * as yaml from 'js-yaml';
import { passwordPolicyRunbook } from '../../runbooks/iam-password-policy';
import { buildCatalog } from '../../src/compiler/catalog';
import { compileRunbook, RunbookDefinitionError } from '../../src/compiler/compile';
import { defineHandler } from '../../src/model/handlers';
import { param } from '../../src/model/parameters';
import { defineRunbook, type Runbook } from '../../src/model/runbook';
import { executeAwsApi, script } from '../../src/model/steps';

const echo = defineHandler<{ GroupId: string }, { Decision: string; State: Record<string, unknown>; Ok: boolean }>({
  id: 'test.echo',
  description: 'test handler',
  permissions: [{ action: 'ec2:DescribeSecurityGroups' }],
  outputs: { Decision: 'String', State: 'StringMap', Ok: 'Boolean' },
  async run() {
    return { Decision: 'compliant', State: {}, Ok: true };
  },
});

function tinyRunbook(over: Partial<Runbook> = {}): Runbook {
  const rb = defineRunbook({
    document: 'Test-Tiny',
    title: 't',
    description: 'tiny',
    class: 'A',
    defaultMode: 'auto',
    scope: 'resource',
    resourceType: 'AwsEc2SecurityGroup',
    changes: 'nothing',
    guidance: 'none',
    controls: [{ id: 'EC2.99', title: 't', aliases: { 'cis-1.2.0': ['9.9'] } }],
    extract: [{ parameter: 'GroupId', from: 'resourceId', pattern: '^.*/(sg-[0-9a-f]{8,17})$' }],
    parameters: { GroupId: param.string({ description: 'g', pattern: '^sg-[0-9a-f]{8,17}$' }) },
    body(p) {
      const plan = script({ name: 'Plan', handler: echo, input: { GroupId: p.GroupId } });
      const fix = executeAwsApi({
        name: 'Fix',
        service: 'ec2',
        api: 'RevokeSecurityGroupIngress',
        params: { GroupId: p.GroupId, SecurityGroupRuleIds: ['sgr-1'] },
      });
      const verify = script({ name: 'Verify', handler: echo, input: { GroupId: p.GroupId } });
      return {
        plan: [plan],
        remediate: [fix],
        verify: [verify],
        decision: plan.out.Decision,
        before: plan.out.State,
        summary: plan.out.Decision,
        after: verify.out.State,
        verified: verify.out.Ok,
      };
    },
  });
  return { ...rb, ...over };
}

describe('compiler', () => {
  it('gives byte-identical YAML and policy for the same source', () => {
    const a = compileRunbook(passwordPolicyRunbook);
    const b = compileRunbook(passwordPolicyRunbook);
    expect(a.yaml).to.equal(b.yaml);
    expect(JSON.stringify(a.policy)).to.equal(JSON.stringify(b.policy));
  });

  it('assembles plan → gate → remediate → verify → finalize, failures leading to the finalizer', () => {
    const doc = compileRunbook(tinyRunbook()).document;
    expect(doc.mainSteps.map((s) => s.name)).to.deep.equal(['Plan', 'Gate', 'Fix', 'Verify', 'Finalize']);
    const gate = doc.mainSteps[1];
    expect(gate.action).to.equal('aws:branch');
    expect(gate.inputs?.Default).to.equal('Fix');
    const choices = gate.inputs?.Choices as Array<Record<string, unknown>>;
    expect(choices[0]).to.deep.equal({ NextStep: 'Finalize', Variable: '{{ DryRun }}', BooleanEquals: true });
    expect(choices[1]).to.deep.equal({ NextStep: 'Verify', Variable: '{{ Plan.Decision }}', StringEquals: 'compliant' });
    for (const s of doc.mainSteps.slice(0, 4)) expect(s.onFailure, s.name).to.equal('step:Finalize');
    expect(doc.mainSteps[4].isEnd).to.equal(true);
    expect(doc.assumeRole).to.equal('{{ AutomationAssumeRole }}');
  });

  it('compiles a script step to the step runner with the role and execution id in the payload', () => {
    const plan = compileRunbook(tinyRunbook()).document.mainSteps[0];
    expect(plan.action).to.equal('aws:invokeLambdaFunction');
    expect(plan.inputs).to.deep.equal({
      FunctionName: 'hubfix-step-runner',
      InputPayload: {
        handler: 'test.echo',
        roleArn: '{{ AutomationAssumeRole }}',
        executionId: '{{ automation:EXECUTION_ID }}',
        input: { GroupId: '{{ GroupId }}' },
      },
    });
    expect(plan.outputs).to.deep.include({ Name: 'State', Selector: '$.Payload.State', Type: 'StringMap' });
  });

  it('derives the policy from the steps: API calls, declared permissions, the finalizer, no wildcard action', () => {
    const { policy } = compileRunbook(tinyRunbook());
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).to.include.members([
      'ec2:RevokeSecurityGroupIngress',
      'ec2:DescribeSecurityGroups',
      'lambda:InvokeFunction',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
      'ssm:GetAutomationExecution',
    ]);
    for (const a of actions) expect(a).not.to.include('*');
    const revoke = policy.Statement.find((s) => s.Action.includes('ec2:RevokeSecurityGroupIngress'));
    expect(revoke?.Resource).to.deep.equal(['arn:${AWS::Partition}:ec2:*:*:security-group/*']);
    const invoke = policy.Statement.find((s) => s.Action.includes('lambda:InvokeFunction'));
    expect(invoke?.Resource).to.deep.equal(['arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:hubfix-step-runner']);
  });

  it('gives every document the common parameters with strict patterns', () => {
    const params = compileRunbook(tinyRunbook()).document.parameters ?? {};
    expect(Object.keys(params)).to.include.members([
      'AutomationAssumeRole',
      'FindingId',
      'FindingProductArn',
      'DryRun',
      'NotificationTopicArn',
      'GroupId',
    ]);
    expect(new RegExp(params.AutomationAssumeRole.allowedPattern ?? '').test('arn:aws:iam::123456789012:role/hubfix-x')).to.equal(true);
    expect(new RegExp(params.AutomationAssumeRole.allowedPattern ?? '').test('arn:aws:iam::123456789012:role/x; rm -rf /')).to.equal(false);
    expect(params.DryRun).to.deep.equal({ type: 'Boolean', description: 'Plan and report only: make no change.', default: false });
  });

  it('writes YAML that parses back to the same document', () => {
    const c = compileRunbook(passwordPolicyRunbook);
    expect(yaml.load(c.yaml)).to.deep.equal(JSON.parse(JSON.stringify(c.document)));
  });

  describe('rejects a runbook source that breaks a rule, naming runbook, step and field', () => {
    it('a String parameter without a pattern', () => {
      const rb = tinyRunbook({ parameters: { GroupId: param.string({ description: 'g' }) } });
      expect(() => compileRunbook(rb)).to.throw(
        RunbookDefinitionError,
        'runbook Test-Tiny: parameter GroupId: a String parameter needs a pattern or allowed values',
      );
    });
    it('an extraction for a parameter that does not exist', () => {
      const rb = tinyRunbook({ extract: [{ parameter: 'Nope', from: 'resourceId', pattern: '^(x)$' }] });
      expect(() => compileRunbook(rb)).to.throw(
        RunbookDefinitionError,
        'runbook Test-Tiny: extract Nope: names a parameter the runbook does not have',
      );
    });
    it('two steps with one name', () => {
      const base = tinyRunbook();
      const rb: Runbook = {
        ...base,
        body: (p) => {
          const b = base.body(p);
          return { ...b, remediate: [b.plan[0]] };
        },
      };
      expect(() => compileRunbook(rb)).to.throw(RunbookDefinitionError, 'runbook Test-Tiny: step Plan: name is used twice');
    });
    it('a step name outside [a-zA-Z0-9_]', () => {
      const base = tinyRunbook();
      const rb: Runbook = {
        ...base,
        body: (p) => {
          const b = base.body(p);
          return { ...b, remediate: [executeAwsApi({ name: 'Fix-It', service: 'ec2', api: 'DescribeSecurityGroups' })] };
        },
      };
      expect(() => compileRunbook(rb)).to.throw(RunbookDefinitionError, 'step Fix-It: name must match [a-zA-Z0-9_]+');
    });
    it('a call to a service hubfix does not know', () => {
      const base = tinyRunbook();
      const rb: Runbook = {
        ...base,
        body: (p) => ({ ...base.body(p), remediate: [executeAwsApi({ name: 'Fix', service: 'nosuch', api: 'Do' })] }),
      };
      expect(() => compileRunbook(rb)).to.throw(/unknown service "nosuch"/);
    });
  });

  it('builds a catalog keyed by consolidated id with aliases per standard, refusing a control served twice', () => {
    const catalog = buildCatalog([compileRunbook(passwordPolicyRunbook)]);
    expect(catalog.controls['IAM.15'].document).to.equal('Hubfix-IAM-PasswordPolicy');
    expect(catalog.aliases['cis-1.2.0']['1.9']).to.equal('IAM.15');
    expect(catalog.aliases['cis-1.4.0']['1.8']).to.equal('IAM.15');
    expect(Object.keys(catalog.controls)).to.deep.equal(['IAM.7', 'IAM.11', 'IAM.12', 'IAM.13', 'IAM.14', 'IAM.15', 'IAM.16', 'IAM.17']);
    const twice = { ...tinyRunbook(), document: 'Test-Other' };
    expect(() => buildCatalog([compileRunbook(tinyRunbook()), compileRunbook(twice)])).to.throw(
      /control EC2.99: is served by Test-Tiny already/,
    );
  });
});
