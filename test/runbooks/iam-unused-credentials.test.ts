import { expect } from 'chai';
import {
  type UserCredentials,
  credentialState,
  describeUnused,
  findUnusedCredentials,
  lastActivity,
  unusedCredentialsRunbook,
} from '../../runbooks/iam-unused-credentials';
import { checkDays, isoDate } from '../../runbooks/support/iam-user';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const now = new Date('2024-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

function user(over: Partial<UserCredentials> = {}): UserCredentials {
  return { UserName: 'alice', keys: [], password: null, ...over };
}

describe('IAM unused credentials (pure)', () => {
  it('marks an active key unused for more than N days, by its last use', () => {
    const creds = user({
      keys: [
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: daysAgo(400), LastUsedDate: daysAgo(91) },
        { AccessKeyId: 'AKIARECENT', Status: 'Active', CreateDate: daysAgo(400), LastUsedDate: daysAgo(89) },
      ],
    });
    expect(findUnusedCredentials(creds, 90, now).keys.map((k) => k.AccessKeyId)).to.deep.equal(['AKIAOLD']);
  });

  it('counts a key that was never used from its creation date', () => {
    const creds = user({
      keys: [
        { AccessKeyId: 'AKIANEVEROLD', Status: 'Active', CreateDate: daysAgo(120) },
        { AccessKeyId: 'AKIANEVERNEW', Status: 'Active', CreateDate: daysAgo(10) },
      ],
    });
    expect(findUnusedCredentials(creds, 90, now).keys.map((k) => k.AccessKeyId)).to.deep.equal(['AKIANEVEROLD']);
  });

  it('leaves inactive keys alone however old they are', () => {
    const creds = user({ keys: [{ AccessKeyId: 'AKIAOFF', Status: 'Inactive', CreateDate: daysAgo(900) }] });
    expect(findUnusedCredentials(creds, 90, now).keys).to.deep.equal([]);
  });

  it('uses "more than N days": exactly N days is not yet unused', () => {
    const creds = user({ keys: [{ AccessKeyId: 'AKIAEDGE', Status: 'Active', CreateDate: daysAgo(90) }] });
    expect(findUnusedCredentials(creds, 90, now).keys).to.deep.equal([]);
    expect(findUnusedCredentials(creds, 89, now).keys).to.have.length(1);
  });

  it('marks a console password by PasswordLastUsed, or by the login profile creation when never used', () => {
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(500), LastUsedDate: daysAgo(100) } }), 90, now).password).to.equal(
      true,
    );
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(500), LastUsedDate: daysAgo(3) } }), 90, now).password).to.equal(
      false,
    );
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(100) } }), 90, now).password).to.equal(true);
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(5) } }), 90, now).password).to.equal(false);
    expect(findUnusedCredentials(user(), 90, now).password).to.equal(false);
  });

  it('counts a password set again after its last use from when it was set', () => {
    const reset = { CreateDate: daysAgo(2), LastUsedDate: daysAgo(300) };
    expect(lastActivity(reset)).to.deep.equal({ at: reset.CreateDate, basis: 'created' });
    expect(findUnusedCredentials(user({ password: reset }), 90, now).password).to.equal(false);
  });

  it('names what it will disable and why, and says when nothing is unused', () => {
    const creds = user({
      keys: [{ AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: daysAgo(400) }],
      password: { CreateDate: daysAgo(300), LastUsedDate: daysAgo(200) },
    });
    const text = describeUnused(creds, findUnusedCredentials(creds, 90, now), 90, now);
    expect(text).to.contain('deactivate access key AKIAOLD (never used since it was created');
    expect(text).to.contain('delete the console password (last used 2023-11-14, 200 days ago)');
    const fine = user({ keys: [{ AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: daysAgo(1) }] });
    expect(describeUnused(fine, findUnusedCredentials(fine, 90, now), 90, now)).to.match(
      /no credential unused for more than 90 days .*nothing to change$/,
    );
  });

  it('keeps every key with its last use in the before-state', () => {
    const keys = [{ AccessKeyId: 'AKIA1', Status: 'Active', CreateDate: daysAgo(10), LastUsedDate: daysAgo(1), LastUsedService: 's3' }];
    const state = credentialState(user({ keys, password: { CreateDate: daysAgo(10) } }));
    expect(JSON.parse(String(state.AccessKeys))).to.deep.equal(keys);
    expect(state.PasswordLastUsed).to.equal('never');
    expect(state.ConsolePassword).to.equal('present');
  });

  it('reads dates given as Date objects (SDK) or strings (mock tables)', () => {
    expect(isoDate(new Date('2024-01-02T03:04:05Z'))).to.equal('2024-01-02T03:04:05.000Z');
    expect(isoDate('2024-01-02T03:04:05Z')).to.equal('2024-01-02T03:04:05.000Z');
    expect(isoDate(undefined)).to.equal(undefined);
    expect(isoDate('not a date')).to.equal(undefined);
  });

  it('refuses thresholds outside 30–3650 days and accepts a string of digits', () => {
    expect(() => checkDays('MaxUnusedDays', 7)).to.throw(/MaxUnusedDays must be an integer from 30 to 3650, got 7/);
    expect(() => checkDays('MaxUnusedDays', 90.5)).to.throw(/MaxUnusedDays/);
    expect(checkDays('MaxUnusedDays', '90')).to.equal(90);
    expect(checkDays('MaxUnusedDays', 90)).to.equal(90);
  });
});

describe('IAM unused credentials runbook in the local engine', () => {
  it('deactivates only the unused key and deletes the unused password, then verifies', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/stale.yaml', { UserName: 'alice' });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Disable', 'Verify', 'Finalize']);
    expect(mutatingCalls(run).map((c) => [c.operation, c.input])).to.deep.equal([
      ['UpdateAccessKey', { UserName: 'alice', AccessKeyId: 'AKIAOLDUNUSED', Status: 'Inactive' }],
      ['DeleteLoginProfile', { UserName: 'alice' }],
    ]);
    expect(callsTo(run, 'DeleteAccessKey'), 'keys are never deleted').to.deep.equal([]);
    expect(output(run, 'Disable', 'Changed')).to.equal('deactivated access key AKIAOLDUNUSED; deleted the console password');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expect(mapOutput(run, 'Verify', 'After')).to.include({ ConsolePassword: 'none' });
    expectPolicyClean(run);
  });

  it("records each key's id, status and last use and the password's last use before changing anything", async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/stale.yaml', { UserName: 'alice' });
    const before = mapOutput(run, 'Plan', 'Before');
    expect(JSON.parse(String(before.AccessKeys))).to.deep.equal([
      {
        AccessKeyId: 'AKIAOLDUNUSED',
        Status: 'Active',
        CreateDate: '2023-01-01T00:00:00.000Z',
        LastUsedDate: '2024-02-01T00:00:00.000Z',
        LastUsedService: 's3',
      },
      {
        AccessKeyId: 'AKIARECENTLYUSED',
        Status: 'Active',
        CreateDate: '2023-01-01T00:00:00.000Z',
        LastUsedDate: '2024-05-30T00:00:00.000Z',
        LastUsedService: 'sts',
      },
    ]);
    expect(before).to.include({
      ConsolePassword: 'present',
      PasswordLastUsed: '2024-01-15T00:00:00.000Z',
      PasswordCreateDate: '2023-01-01T00:00:00.000Z',
    });
    expect(output(run, 'Plan', 'Summary')).to.equal(
      'user alice: deactivate access key AKIAOLDUNUSED (last used 2024-02-01, 121 days ago); delete the console password (last used 2024-01-15, 138 days ago)',
    );
  });

  it('deactivates a key never used since its creation more than N days ago', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/never-used.yaml', { UserName: 'dave' });
    expect(mutatingCalls(run).map((c) => c.input)).to.deep.equal([{ UserName: 'dave', AccessKeyId: 'AKIADAVENEVER', Status: 'Inactive' }]);
    expect(output(run, 'Plan', 'Summary')).to.contain('never used since it was created 2024-01-01, 152 days ago');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('leaves a key alone that was used between the plan and the change', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/used-meanwhile.yaml', { UserName: 'frank' });
    expect(output(run, 'Plan', 'Decision')).to.equal('remediate');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(output(run, 'Disable', 'Changed')).to.equal('nothing: no credential is unused any more');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
  });

  it('writes nothing for a user whose credentials are all in use', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/compliant.yaml', { UserName: 'bob' });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no mutating call in a dry run', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/stale.yaml', { UserName: 'alice', DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('deactivate access key AKIAOLDUNUSED');
    expectPolicyClean(run);
  });

  it('skips a user that no longer exists', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/not-found.yaml', { UserName: 'alice' });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('IAM user alice does not exist');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });

  it('resolves a unique id (as AWS Config findings name users) to the user in the plan, records both, and acts on the user', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/by-unique-id.yaml', {
      UserName: 'AIDACKCEVSQ6C2EXAMPLE',
      MaxUnusedDays: 45,
    });
    expect(run.result.status).to.equal('Success');
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ UserName: 'carol', UserId: 'AIDACKCEVSQ6C2EXAMPLE' });
    expect(output(run, 'Plan', 'Summary')).to.match(
      /^unique id AIDACKCEVSQ6C2EXAMPLE is carol; user carol: deactivate access key AKIACAROLIDLE/,
    );
    expect(mutatingCalls(run).map((c) => c.input)).to.deep.equal([{ UserName: 'carol', AccessKeyId: 'AKIACAROLIDLE', Status: 'Inactive' }]);
    expect(mapOutput(run, 'Verify', 'After')).to.include({ UserName: 'carol', UserId: 'AIDACKCEVSQ6C2EXAMPLE' });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('skips with the reason when no user has the unique id', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/unknown-unique-id.yaml', {
      UserName: 'AIDAZZZZZZZZZZZZZZZZZ',
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('no IAM user has the unique id AIDAZZZZZZZZZZZZZZZZZ');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expectPolicyClean(run);
  });

  it('IAM.22 runs with 45 days: a key idle for 60 days is deactivated, which the 90 days of IAM.8 leave alone', async () => {
    const iam22 = unusedCredentialsRunbook.controls.find((c) => c.id === 'IAM.22');
    expect(iam22?.parameters).to.deep.equal({ MaxUnusedDays: 45 });
    const at45 = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/by-unique-id.yaml', {
      UserName: 'AIDACKCEVSQ6C2EXAMPLE',
      ...iam22?.parameters,
    });
    expect(output(at45, 'Plan', 'Decision')).to.equal('remediate');
    expect(mutatingCalls(at45)).to.have.length(1);
    const at90 = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/by-unique-id.yaml', {
      UserName: 'AIDACKCEVSQ6C2EXAMPLE',
    });
    expect(output(at90, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(at90)).to.deep.equal([]);
  });

  it('fails without a change when the threshold is below 30 days', async () => {
    const run = await runRunbook(unusedCredentialsRunbook, 'iam-unused-credentials/stale.yaml', { UserName: 'alice', MaxUnusedDays: 7 });
    expect(run.result.status).to.equal('Failed');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).summary).to.contain('MaxUnusedDays must be an integer from 30 to 3650, got 7');
  });
});
