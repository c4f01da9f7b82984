import { expect } from 'chai';
import { defaultConfig } from '../../src/findings/config';
import { examineFinding, graceMs, hasEnded, runOf, type StuckFinding, verdictFor } from '../../src/findings/sweep';
import { NOW, testCatalog } from './helpers';
import { HOUR, iso, runRecord, startedFinding } from '../orchestrator/sweep-fake';

const ctx = { catalog: testCatalog(), config: defaultConfig(), now: NOW, grace: HOUR };

function stuck(raw: unknown): StuckFinding {
  const e = examineFinding(raw, ctx);
  if (e.kind !== 'stuck') throw new Error(`not stuck: ${e.kind} ${e.detail}`);
  return e.finding;
}

describe('sweep, pure: which findings are stuck and what their runs say', () => {
  it('locates a stuck finding: its document, member role, account and the resource Region, from the finding checked, not its note', () => {
    const f = startedFinding('aaaaaaaa-2222-4333-8444-555555555555', 2 * HOUR, '333344445555', 'eu-west-1');
    f.Note.Text = 'STARTED exec pending: Hubfix-Something-Else for IAM.1';
    const s = stuck(f);
    expect(s).to.include({
      document: 'Hubfix-Test-SecurityGroup',
      control: 'EC2.13',
      account: '333344445555',
      region: 'eu-west-1',
      memberRoleArn: 'arn:aws:iam::333344445555:role/hubfix-member',
      startedAt: NOW - 2 * HOUR,
    });
    expect(s.since).to.equal(NOW - 2 * HOUR - 15 * 60_000);
  });

  it('a finding that no longer says STARTED, or started within the grace period, is not stuck', () => {
    const done = startedFinding('bbbbbbbb-2222-4333-8444-555555555555');
    done.UserDefinedFields['hubfix:status'] = 'SUCCEEDED';
    expect(examineFinding(done, ctx)).to.include({ kind: 'not-stuck' });
    const fresh = startedFinding('cccccccc-2222-4333-8444-555555555555', 20 * 60_000);
    expect(examineFinding(fresh, ctx)).to.include({ kind: 'not-stuck' });
  });

  it('a note dated in the future is distrusted like the fields: it cannot hold the finding inside the grace period', () => {
    const f = startedFinding('dddddddd-2222-4333-8444-555555555555');
    const future = iso(NOW + 24 * HOUR);
    f.Note.UpdatedAt = future;
    Object.assign(f.UserDefinedFields, { 'hubfix:lastAttempt': future, 'hubfix:updatedAt': future, 'hubfix:attemptTimes': future });
    const s = stuck(f);
    expect(s.startedAt).to.equal(undefined);
    expect(s.distrusted).to.include.members(['hubfix:lastAttempt', 'hubfix:updatedAt', 'Note.UpdatedAt']);
    expect(s.since, 'the whole loop guard window').to.equal(NOW - 24 * HOUR - 15 * 60_000);
  });

  it('a finding whose Id names another account than AwsAccountId is not located (its run could be anyone’s)', () => {
    const f = startedFinding('eeeeeeee-2222-4333-8444-555555555555');
    f.AwsAccountId = '999988887777';
    const e = examineFinding(f, ctx);
    expect(e.kind).to.equal('unlocatable');
  });

  it('reads a run: its FindingId parameter, start, and the first failed step before the finalizer (else SSM’s FailureMessage)', () => {
    const r = runOf({
      AutomationExecution: runRecord('e1', 'F', 'Failed', NOW, [
        { StepName: 'Plan', StepStatus: 'Success' },
        { StepName: 'Apply', StepStatus: 'Failed', FailureMessage: 'denied' },
        { StepName: 'Finalize', StepStatus: 'Failed', FailureMessage: 'the step runner is missing' },
      ]),
    });
    expect(r).to.deep.include({ id: 'e1', findingId: 'F', status: 'Failed', startedAt: NOW, finalized: false });
    expect(r.failure).to.deep.equal({ step: 'Apply', message: 'denied' });
    const noStep = runOf({
      AutomationExecution: runRecord('e2', 'F', 'Failed', NOW, [], {
        FailureMessage: 'The role hubfix-X could not be assumed',
        CurrentStepName: 'Plan',
      }),
    });
    expect(noStep.failure).to.deep.equal({ step: 'Plan', message: 'The role hubfix-X could not be assumed' });
  });

  it('only statuses after which SSM runs no more steps count as ended; an unknown one is in flight', () => {
    for (const s of ['Success', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithFailure']) expect(hasEnded(s), s).to.equal(true);
    for (const s of ['Pending', 'InProgress', 'Waiting', 'Cancelling', 'PendingApproval', 'SomethingNew'])
      expect(hasEnded(s), s).to.equal(false);
  });

  it('a run of another finding, another document, or from before the start is not the finding’s', () => {
    const s = stuck(startedFinding('f1f1f1f1-2222-4333-8444-555555555555'));
    const other = runOf({ AutomationExecution: runRecord('x1', 'another-finding', 'Failed', NOW - HOUR) });
    const old = runOf({ AutomationExecution: runRecord('x2', s.findingId, 'Failed', NOW - 5 * HOUR) });
    const doc = { ...runOf({ AutomationExecution: runRecord('x3', s.findingId, 'Failed', NOW - HOUR) }), document: 'Hubfix-Other' };
    expect(verdictFor(s, [other, old, doc], true)).to.deep.equal({ kind: 'no-run', finalized: [] });
  });

  it('no run found among runs not all read is no proof: nothing is decided', () => {
    const s = stuck(startedFinding('f2f2f2f2-2222-4333-8444-555555555555'));
    expect(verdictFor(s, [], false).kind).to.equal('undetermined');
  });

  it('the grace period is the configuration’s in-flight time, at least 15 minutes', () => {
    expect(graceMs(defaultConfig())).to.equal(60 * 60_000);
    expect(graceMs({ inFlightMinutes: 5 })).to.equal(15 * 60_000);
    expect(graceMs(defaultConfig(), 90)).to.equal(90 * 60_000);
  });
});
