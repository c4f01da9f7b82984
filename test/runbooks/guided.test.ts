import { expect } from 'chai';
import { adminPoliciesGuidanceRunbook, allowsFullAdmin } from '../../runbooks/iam-admin-policies-guidance';
import { rootGuidanceRunbook, rootProblem } from '../../runbooks/iam-root-guidance';
import { lacksMfa, userMfaGuidanceRunbook } from '../../runbooks/iam-user-mfa-guidance';
import { userPoliciesGuidanceRunbook, userPolicyFacts } from '../../runbooks/iam-user-policies-guidance';
import { LISTED, guidedSummary } from '../../runbooks/support/guided';
import { compileRunbook } from '../../src/compiler/compile';
import { shippedCatalog } from '../../src/compiler';
import { expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TOPIC = 'arn:aws:sns:us-east-1:999999999999:hubfix-notifications';
const GUIDED = [userMfaGuidanceRunbook, userPoliciesGuidanceRunbook, adminPoliciesGuidanceRunbook, rootGuidanceRunbook];

describe('guided controls: read-only runbooks that gather the facts for a person', () => {
  it('are class C, flagged guided in the catalog, and their roles can only read (no write action at all)', () => {
    const catalog = shippedCatalog();
    for (const rb of GUIDED) {
      expect(rb.class, rb.document).to.equal('C');
      for (const c of rb.controls) expect(catalog.controls[c.id].guided, c.id).to.equal(true);
      const { policy, document } = compileRunbook(rb);
      const actions = policy.Statement.flatMap((s) => s.Action).filter(
        (a) =>
          ![
            'lambda:InvokeFunction',
            'securityhub:BatchUpdateFindings',
            'securityhub:GetFindings',
            'sns:Publish',
            'ssm:GetAutomationExecution',
          ].includes(a),
      );
      for (const a of actions) expect(a, rb.document).to.match(/^iam:(List|Get)/);
      expect(document.mainSteps.map((s) => s.name)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    }
  });

  it('serve the six CIS 1.2.0 rules that need a person: 1.2, 1.12, 1.13, 1.14, 1.16, 1.22', () => {
    const rules = GUIDED.flatMap((rb) => rb.controls.flatMap((c) => c.aliases?.['cis-1.2.0'] ?? []));
    expect(rules.sort()).to.deep.equal(['1.12', '1.13', '1.14', '1.16', '1.2', '1.22']);
  });

  it('lists at most a few offenders in the one-line summary and counts the rest', () => {
    const offenders = Array.from({ length: LISTED + 3 }, (_, i) => `user${i}`);
    const s = guidedSummary({ offenders, noun: 'things', details: {}, advice: 'Fix them.' });
    expect(s).to.match(new RegExp(`^needs a person: ${LISTED + 3} things: user0, .*user${LISTED - 1} and 3 more\\. Fix them\\.$`));
    expect(guidedSummary({ offenders: [], noun: 'things', details: {}, advice: '' })).to.equal('no things');
  });

  it('judge the facts purely: MFA, user policies, "*" on "*", root credentials', () => {
    expect(lacksMfa(true, 0)).to.equal(true);
    expect(lacksMfa(true, 1)).to.equal(false);
    expect(lacksMfa(false, 0)).to.equal(false);
    expect(userPolicyFacts(['B', 'A'], ['x'])).to.equal('attached: A, B; inline: x');
    expect(userPolicyFacts([], [])).to.equal('');
    expect(allowsFullAdmin({ Effect: 'Allow', Action: '*', Resource: '*' })).to.equal(true);
    expect(allowsFullAdmin({ Effect: 'Allow', Action: ['*'], Resource: ['*'] })).to.equal(true);
    expect(allowsFullAdmin({ Effect: 'Deny', Action: '*', Resource: '*' })).to.equal(false);
    expect(allowsFullAdmin({ Effect: 'Allow', Action: 's3:*', Resource: '*' })).to.equal(false);
    const base = { accessKeysPresent: false, mfaEnabled: true, virtualMfa: false };
    expect(rootProblem('IAM.4', { ...base, accessKeysPresent: true })).to.contain('access key');
    expect(rootProblem('IAM.9', { ...base, mfaEnabled: false })).to.contain('no MFA');
    expect(rootProblem('IAM.6', { ...base, virtualMfa: true })).to.contain('virtual');
    expect(rootProblem('IAM.6', base)).to.equal('');
  });
});

describe('guided runbooks in the local engine (mock tables)', () => {
  it('IAM.5: names the console users without MFA in the summary and the before-state, writes nothing, ends NOT_VERIFIED', async () => {
    const run = await runRunbook(userMfaGuidanceRunbook, 'guided/user-mfa-mixed.yaml', { NotificationTopicArn: TOPIC, UserName: 'alice' });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.match(/^needs a person: 1 IAM users with a console password and no MFA device: alice\. /);
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.include({
      alice: 'console password, no MFA device',
      UsersChecked: '3',
      FindingUser: 'alice (offends)',
    });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['Publish']);
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(finalStatus(run).summary).to.contain('alice');
    expectPolicyClean(run);
  });

  it('IAM.5: with every console user enrolled, the control is met and verified (no write)', async () => {
    const run = await runRunbook(userMfaGuidanceRunbook, 'guided/user-mfa-all-enrolled.yaml', {});
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('IAM.5: a dry run reports the same facts and writes nothing', async () => {
    const run = await runRunbook(userMfaGuidanceRunbook, 'guided/user-mfa-mixed.yaml', { DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('alice');
  });

  it('IAM.2: names the users with policies and the policy names', async () => {
    const run = await runRunbook(userPoliciesGuidanceRunbook, 'guided/user-policies-mixed.yaml', { UserName: 'erin' });
    expect(output(run, 'Plan', 'Summary')).to.match(/^needs a person: 1 IAM users with policies attached directly: dave\. /);
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.include({
      dave: 'attached: PowerUserAccess; inline: dave-s3-scratch',
      FindingUser: 'erin (does not offend now)',
    });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });

  it('IAM.1: names the policy that allows * on * with its statement, not the NotAction one', async () => {
    const run = await runRunbook(adminPoliciesGuidanceRunbook, 'guided/admin-policies-mixed.yaml', {});
    expect(output(run, 'Plan', 'Summary')).to.contain('1 customer managed policies allowing "*" on "*": admin-all.');
    const before = mapOutput(run, 'Plan', 'Before');
    expect(before['admin-all']).to.equal(
      'arn:aws:iam::111122223333:policy/admin-all (version v3, attached 2 times): {"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}',
    );
    expect(before).to.not.have.property('s3-read');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });

  for (const [control, expected] of [
    ['IAM.4', 'the root user has an access key'],
    ['IAM.6', 'the root user has a virtual MFA device, not a hardware one'],
  ] as const) {
    it(`${control}: reads the account summary and says what the root user lacks`, async () => {
      const run = await runRunbook(rootGuidanceRunbook, 'guided/root-virtual-mfa.yaml', { Control: control });
      expect(output(run, 'Plan', 'Decision')).to.equal('skip');
      expect(mapOutput(run, 'Plan', 'Before')).to.deep.include({ 'root user': expected, Control: control });
      expect(mutatingCalls(run)).to.deep.equal([]);
      expectPolicyClean(run);
    });
  }

  it('IAM.9: root MFA present (even virtual) meets the control', async () => {
    const run = await runRunbook(rootGuidanceRunbook, 'guided/root-virtual-mfa.yaml', { Control: 'IAM.9' });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });
});
