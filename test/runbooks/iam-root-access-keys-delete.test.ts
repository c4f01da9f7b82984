import { expect } from 'chai';
import {
  AUDIT_TASK_POLICY,
  DELETE_TASK_POLICY,
  placementProblem,
  rootAccessKeysDeleteRunbook,
  taskPolicyArn,
} from '../../runbooks/iam-root-access-keys-delete';
import { shippedCatalog } from '../../src/compiler';
import { compileRunbook } from '../../src/compiler/compile';
import { callsTo, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TABLE = 'root-access-keys';
const MEMBER = '444455556666';

describe('opt-in root access key deletion (Organizations privileged root session)', () => {
  it('is never routed by the orchestrator: IAM.4 stays with the guided runbook', () => {
    expect(shippedCatalog().controls['IAM.4'].document).to.equal('Hubfix-IAM-RootCredentialsGuidance');
    expect(rootAccessKeysDeleteRunbook.optIn?.runFrom).to.contain('management account');
  });

  it("lets its role call only sts:AssumeRoot (the session's task policy governs the IAM calls)", () => {
    const { policy } = compileRunbook(rootAccessKeysDeleteRunbook);
    const own = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('sts:') || a.startsWith('iam:')));
    expect(own.flatMap((s) => s.Action).filter((a) => a.startsWith('sts:') || a.startsWith('iam:'))).to.deep.equal(['sts:AssumeRoot']);
  });

  it('names the AWS managed task policies in the run partition, and refuses its own account', () => {
    expect(taskPolicyArn('aws', DELETE_TASK_POLICY)).to.equal('arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials');
    expect(taskPolicyArn('aws-us-gov', AUDIT_TASK_POLICY)).to.equal('arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials');
    expect(placementProblem('111122223333', '111122223333')).to.contain('member accounts');
    expect(placementProblem(MEMBER, '111122223333')).to.equal(undefined);
  });

  it("deletes the member root user's access key in a root session, and verifies with the account summary in a read-only one", async () => {
    const run = await runRunbook(rootAccessKeysDeleteRunbook, `${TABLE}/one-key.yaml`, { TargetAccountId: MEMBER });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Delete', 'Verify', 'Finalize']);
    expect(callsTo(run, 'AssumeRoot').map((c) => c.input)).to.deep.equal([
      {
        TargetPrincipal: MEMBER,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials' },
        DurationSeconds: 900,
      },
      {
        TargetPrincipal: MEMBER,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials' },
        DurationSeconds: 900,
      },
      {
        TargetPrincipal: MEMBER,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
        DurationSeconds: 900,
      },
    ]);
    // only the access key: never the password, MFA devices or signing certificates
    expect(mutatingCalls(run).map((c) => `${c.operation} ${c.account}`)).to.deep.equal([`DeleteAccessKey ${MEMBER}`]);
    expect(callsTo(run, 'DeleteAccessKey')[0].input).to.deep.equal({ AccessKeyId: 'AKIAROOTKEY000000001' });
    expect(mapOutput(run, 'Plan', 'Before')).to.deep.equal({
      TargetAccount: MEMBER,
      RootAccessKeys: 'AKIAROOTKEY000000001 (Active, created 2019-03-01T00:00:00.000Z)',
    });
    expect(mapOutput(run, 'Verify', 'After')).to.deep.equal({ TargetAccount: MEMBER, AccountAccessKeysPresent: '0' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('changes nothing when the root user has no access key (compliant)', async () => {
    const run = await runRunbook(rootAccessKeysDeleteRunbook, `${TABLE}/no-key.yaml`, { TargetAccountId: MEMBER });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('deletes nothing in a dry run', async () => {
    const run = await runRunbook(rootAccessKeysDeleteRunbook, `${TABLE}/one-key.yaml`, { TargetAccountId: MEMBER, DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('AKIAROOTKEY000000001');
  });

  it('reports NOT_VERIFIED when the account summary still shows a root key', async () => {
    const run = await runRunbook(rootAccessKeysDeleteRunbook, `${TABLE}/still-there.yaml`, { TargetAccountId: MEMBER });
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(output(run, 'Verify', 'Unmet')).to.contain('still shows a root access key');
  });

  it('skips, opening no session, when pointed at the account it runs in', async () => {
    const run = await runRunbook(rootAccessKeysDeleteRunbook, `${TABLE}/no-key.yaml`, { TargetAccountId: '111122223333' });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(callsTo(run, 'AssumeRoot')).to.deep.equal([]);
  });
});
