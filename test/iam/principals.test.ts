import { expect } from 'chai';
import { compileAll } from '../../src/compiler';
import { runbookRoleName } from '../../src/findings/naming';
import { principalPolicies, principalPolicy } from '../../src/iam/principals';

const documents = compileAll().map((c) => c.name);

function statementsFor(policy: ReturnType<typeof principalPolicy>, action: string) {
  return policy.Statement.filter((s) => s.Action.includes(action));
}

describe('derived policies of hubfix own principals', () => {
  const p = principalPolicies(documents);

  it('grant no wildcard action to any principal', () => {
    for (const [name, policy] of Object.entries(p))
      for (const s of policy.Statement) for (const a of s.Action) expect(a, name).to.match(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
  });

  it('build every ARN with the partition placeholder, never a literal partition', () => {
    for (const policy of Object.values(p))
      for (const s of policy.Statement)
        for (const r of s.Resource) if (r.startsWith('arn:')) expect(r).to.match(/^arn:\$\{AWS::Partition\}:/);
  });

  it('let the orchestrator assume only the member role name, inside the Organization', () => {
    const [s] = statementsFor(p.orchestrator, 'sts:AssumeRole');
    expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/${MemberRoleName}']);
    expect(s.Condition).to.deep.equal({ StringEquals: { 'aws:ResourceOrgID': '${OrganizationId}' } });
  });

  it('let the step runner assume exactly the runbook roles of its own account and read its execution', () => {
    const [assume] = statementsFor(p['step-runner'], 'sts:AssumeRole');
    expect(assume.Resource).to.deep.equal(
      documents.map((d) => `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${runbookRoleName(d)}`).sort(),
    );
    const [read] = statementsFor(p['step-runner'], 'ssm:GetAutomationExecution');
    expect(read.Resource).to.deep.equal(['arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:automation-execution/*']);
  });

  it('let the member role start only hubfix documents and pass only their roles, only to SSM', () => {
    const [start] = statementsFor(p.member, 'ssm:StartAutomationExecution');
    expect(start.Resource).to.have.length(documents.length);
    for (const r of start.Resource) expect(r).to.match(/:automation-definition\/Hubfix-[A-Za-z0-9-]+:\*$/);
    const [pass] = statementsFor(p.member, 'iam:PassRole');
    expect(pass.Condition).to.deep.equal({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
    expect(pass.Resource.every((r) => /:role\/hubfix-/.test(r))).to.equal(true);
  });

  it('refuses a wildcard action', () => {
    expect(() => principalPolicy([{ action: 'ssm:*', resource: '*' }])).to.throw(/not a single IAM action/);
  });

  it('is the same JSON whatever order the permissions come in', () => {
    const a = principalPolicy([
      { action: 'b:Two', resource: 'x' },
      { action: 'a:One', resource: 'y' },
      { action: 'a:One', resource: 'x' },
    ]);
    const b = principalPolicy([
      { action: 'a:One', resource: 'x' },
      { action: 'a:One', resource: 'y' },
      { action: 'b:Two', resource: 'x' },
    ]);
    expect(a).to.deep.equal(b);
  });
});
