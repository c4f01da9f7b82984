import { expect } from 'chai';
import {
  accountTrustPolicy,
  supportPolicyArn,
  supportRoleDecision,
  supportRoleRunbook,
  trustsAccount,
} from '../../runbooks/iam-support-role';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { compileRunbook } from '../../src/compiler/compile';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TABLE = 'iam-support-role';
const ACCOUNT = '111122223333';

describe('IAM.18 support role: decisions and policies (pure)', () => {
  it('names AWSSupportAccess in the caller partition', () => {
    expect(supportPolicyArn('aws')).to.equal('arn:aws:iam::aws:policy/AWSSupportAccess');
    expect(supportPolicyArn('aws-us-gov')).to.equal('arn:aws-us-gov:iam::aws:policy/AWSSupportAccess');
  });

  it('trusts the account by root ARN or id, and nothing else counts', () => {
    const own = accountTrustPolicy('aws-cn', ACCOUNT);
    expect(own.Statement[0].Principal).to.deep.equal({ AWS: `arn:aws-cn:iam::${ACCOUNT}:root` });
    expect(trustsAccount(own, 'aws-cn', ACCOUNT)).to.equal(true);
    expect(trustsAccount(own, 'aws', ACCOUNT), 'another partition').to.equal(false);
    expect(trustsAccount(accountTrustPolicy('aws', '999988887777'), 'aws', ACCOUNT), 'another account').to.equal(false);
    const byId = parsePolicyDocument(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["${ACCOUNT}"]},"Action":["sts:AssumeRole"]}}`);
    expect(trustsAccount(byId, 'aws', ACCOUNT)).to.equal(true);
    const denied = parsePolicyDocument(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"${ACCOUNT}"},"Action":"sts:AssumeRole"}]}`);
    expect(trustsAccount(denied, 'aws', ACCOUNT)).to.equal(false);
    expect(trustsAccount(null, 'aws', ACCOUNT)).to.equal(false);
  });

  it('decides compliant on any role with the policy, else create, attach or skip', () => {
    expect(supportRoleDecision(['Ops'], 'hubfix-support', { exists: false }).decision).to.equal('compliant');
    expect(supportRoleDecision([], 'hubfix-support', { exists: false }).decision).to.equal('remediate');
    expect(supportRoleDecision([], 'hubfix-support', { exists: true, arn: 'a', trusted: true }).summary).to.contain(
      'attach it to the existing role',
    );
    expect(supportRoleDecision([], 'hubfix-support', { exists: true, arn: 'a', trusted: false }).decision).to.equal('skip');
  });

  it('scopes IAM writes to hubfix-* roles and the listing to the AWSSupportAccess policy; no wildcard action', () => {
    const { policy } = compileRunbook(supportRoleRunbook);
    const onRoles = policy.Statement.filter((s) => s.Resource[0] === 'arn:${AWS::Partition}:iam::*:role/hubfix-*');
    expect(onRoles.flatMap((s) => s.Action).sort()).to.deep.equal(['iam:AttachRolePolicy', 'iam:CreateRole', 'iam:GetRole']);
    const onPolicy = policy.Statement.filter((s) => s.Resource[0] === 'arn:${AWS::Partition}:iam::aws:policy/AWSSupportAccess');
    expect(onPolicy.flatMap((s) => s.Action)).to.deep.equal(['iam:ListEntitiesForPolicy']);
    for (const s of policy.Statement) for (const a of s.Action) expect(a).not.to.contain('*');
  });

  it('refuses a role name outside hubfix-* before any call', async () => {
    const err = await runRunbook(supportRoleRunbook, `${TABLE}/missing.yaml`, { RoleName: 'Admin' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('parameter RoleName: "Admin" does not match allowedPattern ^hubfix-[\\w+=,.@-]{1,57}$');
  });
});

describe('IAM.18 support role runbook in the local engine', () => {
  it('makes no change when a role already has AWSSupportAccess', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/compliant.yaml`, {});
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.equal({ SupportRoles: 'OpsSupport' });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('creates the role trusted by the account, bounded by AWSSupportAccess, attaches it and verifies', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/missing.yaml`, {});
    expect(run.result.status).to.equal('Success');
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.equal({ SupportRoles: 'none', Role: 'hubfix-support (missing)' });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['CreateRole', 'AttachRolePolicy']);
    const create = callsTo(run, 'CreateRole')[0].input;
    expect(create.PermissionsBoundary).to.equal('arn:aws:iam::aws:policy/AWSSupportAccess');
    expect(parsePolicyDocument(create.AssumeRolePolicyDocument)?.Statement).to.deep.equal([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
    ]);
    expect(output(run, 'EnsureRole', 'Changed')).to.match(
      /^created role arn:aws:iam::111122223333:role\/hubfix-support .*; attached AWSSupportAccess/,
    );
    expect(mapOutput(run, 'Verify', 'After')).to.deep.equal({ SupportRoles: 'hubfix-support' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('reuses an existing hubfix-support role trusted by the account: attaches only, reading every page', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/reuse.yaml`, {});
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['AttachRolePolicy']);
    expect(callsTo(run, 'ListEntitiesForPolicy').map((c) => c.input.Marker ?? '')).to.deep.equal(['', 'page-2', '', 'page-2', '']);
    expect(output(run, 'EnsureRole', 'Changed')).to.equal('attached AWSSupportAccess to hubfix-support');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no write in a dry run and says what it would do', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/missing.yaml`, { DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('will create role hubfix-support trusted by this account');
  });

  it('skips a hubfix-support role that does not trust the account, writing nothing', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/untrusted.yaml`, {});
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('does not name this account');
    expect(mutatingCalls(run)).to.deep.equal([]);
  });

  it('does not call the finding resolved when the policy never shows up on a role', async () => {
    const run = await runRunbook(supportRoleRunbook, `${TABLE}/not-attached.yaml`, {});
    expect(callsTo(run, 'AttachRolePolicy')).to.have.length(1);
    expect(output(run, 'Verify', 'Unmet')).to.equal('no role has AWSSupportAccess attached');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
  });
});
