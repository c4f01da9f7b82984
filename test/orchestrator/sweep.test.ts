import { expect } from 'chai';
import * as sinon from 'sinon';
import { handler } from '../../orchestrator/handler';
import { isScheduledEvent, scheduledSweep } from '../../orchestrator/schedule';
import { AwsServiceError } from '../../src/aws/invoker';
import { adminTemplate } from '../../src/cfn/admin';
import { SWEEP_RULE_NAME } from '../../src/cfn/sweep';
import { defaultConfig, parseConfig } from '../../src/findings/config';
import { credentialsFor } from '../../src/findings/orchestrate';
import { type SweepDeps, sweep } from '../../src/findings/sweeper';
import { principalPolicies } from '../../src/iam/principals';
import { notificationProblems } from '../../src/notify/schema';
import { type AnyJson, NOW, testCatalog } from '../findings/helpers';
import { DOC, HOUR, iso, runRecord, startedFinding, type SweepFake, sweepFake } from './sweep-fake';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:hubfix-notifications';

function depsFor(fake: SweepFake, over: Partial<SweepDeps> = {}): SweepDeps & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const base = { invoker: fake.invoker, now: () => NOW, sleep: sinon.stub().resolves() };
  return {
    ...base,
    catalog: testCatalog(),
    config: parseConfig({ notificationTopicArn: TOPIC }),
    credentials: credentialsFor(base),
    region: 'us-east-1',
    log: (l) => lines.push(l),
    ...over,
    lines,
  };
}

const FAILED_BEFORE_FINALIZER = [
  { StepName: 'Plan', StepStatus: 'Success' },
  {
    StepName: 'Apply',
    StepStatus: 'Failed',
    FailureMessage:
      'User: arn:aws:sts::222233334444:assumed-role/hubfix-Test-SecurityGroup/x is not authorized to perform: lambda:InvokeFunction',
  },
];

describe('sweep: findings left at STARTED by a run that ended without its finalizer', () => {
  it('a run that ended Failed before its finalizer gets FAILED written (status and failure message), the note trail kept, and a notification', async () => {
    const f = startedFinding('aaaaaaaa-2222-4333-8444-555555555555');
    const fake = sweepFake([f], [runRecord('exec-1', f.Id, 'Failed', NOW - 2 * HOUR + 5000, FAILED_BEFORE_FINALIZER)]);
    const deps = depsFor(fake);
    const r = await sweep(deps);

    expect(r.counts).to.deep.equal({ written: 1, 'would-write': 0, left: 0, failed: 0 });
    const [update] = fake.calls('securityhub', 'BatchUpdateFindings');
    const u = update.input as AnyJson;
    expect(u.Note.Text).to.match(
      /^2024-06-01T12:01Z FAILED exec exec-1: swept: the run ended Failed before its finalizer recorded an outcome; step Apply: User: arn:aws:sts::222233334444:assumed-role/,
    );
    expect(u.Note.Text, 'the older entries stay').to.include('STARTED exec pending').and.to.include('FAILED exec old-1');
    expect(u.Note.UpdatedBy).to.equal('hubfix');
    expect(u.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    expect(u.UserDefinedFields).to.include({
      'hubfix:status': 'FAILED',
      'hubfix:execution': 'exec-1',
      'hubfix:attempts': '1',
      team: 'payments',
      'hubfix:updatedAt': iso(NOW),
    });
    // the run was read in the member account, as the member role, in the resource's Region
    const [get] = fake.calls('ssm', 'GetAutomationExecution');
    expect(get.region).to.equal('us-east-1');
    expect(get.account).to.equal('222233334444');
    expect(get.credentials?.sessionToken).to.equal('t-arn:aws:iam::222233334444:role/hubfix-member');
    // read again just before the write, never blind
    expect(fake.order().slice(-3)).to.deep.equal(['securityhub.GetFindings', 'securityhub.BatchUpdateFindings', 'sns.Publish']);
    const [publish] = fake.calls('sns', 'Publish');
    expect(publish.input.TopicArn).to.equal(TOPIC);
    const message = JSON.parse(String(publish.input.Message));
    expect(notificationProblems(message)).to.deep.equal([]);
    expect(message).to.deep.include({ status: 'FAILED', executionId: 'exec-1', verified: false, control: 'EC2.13' });
    expect(message.failure.step).to.equal('Apply');
    expect(message.reason).to.match(/swept by hubfix/);
    expect(String(publish.input.Subject)).to.match(/^hubfix FAILED: EC2.13/);
    const [line] = deps.lines.filter((l) => l.msg === 'hubfix.sweep');
    expect(line).to.include({ level: 'warn', action: 'written', executionStatus: 'Failed', findingId: f.Id });
  });

  it('a run still in flight is left alone: nothing written, nothing published', async () => {
    const f = startedFinding('bbbbbbbb-2222-4333-8444-555555555555', 3 * HOUR);
    const fake = sweepFake(
      [f],
      [runRecord('exec-2', f.Id, 'InProgress', NOW - 3 * HOUR + 5000, [{ StepName: 'Plan', StepStatus: 'InProgress' }])],
    );
    const r = await sweep(depsFor(fake));
    expect(r.counts).to.include({ written: 0, left: 1 });
    expect(r.findings[0].detail).to.match(/in flight: execution exec-2 is InProgress/);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it('a start within the grace period is left without asking SSM', async () => {
    const f = startedFinding('cccccccc-2222-4333-8444-555555555555', 10 * 60_000);
    const fake = sweepFake([f]);
    const r = await sweep(depsFor(fake));
    expect(r.findings[0]).to.include({ action: 'left' });
    expect(r.findings[0].detail).to.match(/within the grace period of 60 min/);
    expect(fake.calls('ssm', 'DescribeAutomationExecutions')).to.have.length(0);
    expect(fake.calls('sts', 'AssumeRole')).to.have.length(0);
  });

  it('a finding with no run since its recorded start gets FAILED "no execution found"; its pending execution id is not kept', async () => {
    const f = startedFinding('dddddddd-2222-4333-8444-555555555555');
    const fake = sweepFake([f], []);
    const r = await sweep(depsFor(fake));
    expect(r.counts.written).to.equal(1);
    const u = fake.calls('securityhub', 'BatchUpdateFindings')[0].input as AnyJson;
    expect(u.Note.Text).to.match(/^2024-06-01T12:01Z FAILED no run: swept: no execution of Hubfix-Test-SecurityGroup for this finding/);
    expect(u.UserDefinedFields['hubfix:status']).to.equal('FAILED');
    expect(u.UserDefinedFields).to.not.have.property('hubfix:execution');
    const message = JSON.parse(String(fake.calls('sns', 'Publish')[0].input.Message));
    expect(message.executionId).to.equal(null);
    expect(message.failure.message).to.match(/^no execution found/);
  });

  it('an earlier run whose finalizer ran is not taken for the lost one: the latest start made no run', async () => {
    const f = startedFinding('eeeeeeee-2222-4333-8444-555555555555');
    // a dry run ten minutes before the start the finding records, finalized then
    const earlier = runRecord('exec-dry', f.Id, 'Success', NOW - 2 * HOUR - 10 * 60_000, [
      { StepName: 'Plan', StepStatus: 'Success' },
      { StepName: 'Finalize', StepStatus: 'Success' },
    ]);
    const fake = sweepFake([f], [earlier]);
    await sweep(depsFor(fake));
    const u = fake.calls('securityhub', 'BatchUpdateFindings')[0].input as AnyJson;
    expect(u.Note.Text).to.match(/FAILED no run: swept: no execution of Hubfix-Test-SecurityGroup for this finding since 2024-06-01T10:01/);
    const message = JSON.parse(String(fake.calls('sns', 'Publish')[0].input.Message));
    expect(message.failure.message).to.match(/\(only runs that recorded their outcome: exec-dry\)$/);
  });

  it('a finding whose lastAttempt claims a time in the future is not trusted: it is swept, and the log names the field', async () => {
    const f = startedFinding('ffffffff-2222-4333-8444-555555555555');
    const future = iso(NOW + 30 * 24 * HOUR);
    Object.assign(f.UserDefinedFields, { 'hubfix:lastAttempt': future, 'hubfix:updatedAt': future, 'hubfix:attemptTimes': future });
    const fake = sweepFake(
      [f],
      [runRecord('exec-3', f.Id, 'TimedOut', NOW - 2 * HOUR + 1000, [{ StepName: 'Plan', StepStatus: 'TimedOut' }])],
    );
    const deps = depsFor(fake);
    const r = await sweep(deps);
    expect(r.findings[0]).to.include({ action: 'written', executionStatus: 'TimedOut' });
    expect(r.findings[0].distrusted).to.include.members(['hubfix:lastAttempt', 'hubfix:updatedAt']);
    expect(deps.lines[0]).to.include({ level: 'warn' });
    const u = fake.calls('securityhub', 'BatchUpdateFindings')[0].input as AnyJson;
    expect(u.Note.Text).to.include('ended TimedOut');
  });

  it('a start that cannot be placed at all (every time in the future) is still checked against the runs of the loop guard window', async () => {
    const f = startedFinding('abababab-2222-4333-8444-555555555555');
    const future = iso(NOW + 30 * 24 * HOUR);
    Object.assign(f.UserDefinedFields, { 'hubfix:lastAttempt': future, 'hubfix:updatedAt': future, 'hubfix:attemptTimes': future });
    f.Note.UpdatedAt = future;
    const fake = sweepFake([f], [runRecord('exec-4', f.Id, 'InProgress', NOW - 5 * HOUR)]);
    const r = await sweep(depsFor(fake));
    expect(r.findings[0]).to.include({ action: 'left', executionId: 'exec-4' });
    const since = (fake.calls('ssm', 'DescribeAutomationExecutions')[0].input.Filters as Array<{ Key: string; Values: string[] }>).find(
      (x) => x.Key === 'StartTimeAfter',
    );
    expect(Date.parse(String(since?.Values[0]))).to.be.at.most(NOW - 24 * HOUR);
  });

  it('a failed re-read of the finding never leads to a write: no update, no notification, and the next sweep tries again', async () => {
    const f = startedFinding('12121212-2222-4333-8444-555555555555');
    const fake = sweepFake([f], [runRecord('exec-5', f.Id, 'Failed', NOW - 2 * HOUR + 5000, FAILED_BEFORE_FINALIZER)]);
    let listed = false;
    fake.fail = (call) => {
      if (call.operation !== 'GetFindings') return undefined;
      if (!listed) {
        listed = true;
        return undefined;
      }
      return new AwsServiceError('ThrottlingException', 'Rate exceeded', 'securityhub', 'GetFindings');
    };
    const r = await sweep(depsFor(fake));
    expect(r.findings[0]).to.include({ action: 'failed', retryable: true });
    expect(r.findings[0].detail).to.match(/reading the finding failed: ThrottlingException/);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it('runs that cannot be read never lead to a write (DescribeAutomationExecutions or GetAutomationExecution failing)', async () => {
    for (const operation of ['DescribeAutomationExecutions', 'GetAutomationExecution']) {
      const f = startedFinding('34343434-2222-4333-8444-555555555555');
      const fake = sweepFake([f], [runRecord('exec-6', f.Id, 'Failed', NOW - 2 * HOUR + 5000)]);
      fake.fail = (call) =>
        call.operation === operation ? new AwsServiceError('AccessDeniedException', 'denied', 'ssm', operation) : undefined;
      const r = await sweep(depsFor(fake));
      expect(r.findings[0].action, operation).to.equal('failed');
      expect(r.findings[0].detail, operation).to.match(/nothing written/);
      expect(fake.calls('securityhub', 'BatchUpdateFindings'), operation).to.have.length(0);
      expect(fake.calls('sns', 'Publish'), operation).to.have.length(0);
    }
  });

  it('a finding the finalizer wrote between the listing and the re-read is left as the finalizer wrote it', async () => {
    const f = startedFinding('56565656-2222-4333-8444-555555555555');
    const fake = sweepFake([f], [runRecord('exec-7', f.Id, 'Failed', NOW - 2 * HOUR + 5000, FAILED_BEFORE_FINALIZER)]);
    // the finalizer's retry lands once the runs have been read
    fake.fail = (call) => {
      if (call.operation === 'GetAutomationExecution') f.UserDefinedFields['hubfix:status'] = 'SUCCEEDED';
      return undefined;
    };
    const r = await sweep(depsFor(fake));
    expect(r.findings[0]).to.include({ action: 'left' });
    expect(r.findings[0].detail).to.match(/now says hubfix:status SUCCEEDED; nothing written/);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
  });

  it('the listing failing writes nothing and says so', async () => {
    const fake = sweepFake([startedFinding('78787878-2222-4333-8444-555555555555')]);
    fake.fail = () => new AwsServiceError('InternalServerError', 'boom', 'securityhub', 'GetFindings');
    const r = await sweep(depsFor(fake));
    expect(r.listingError).to.match(/^GetFindings in us-east-1: InternalServerError/);
    expect(r.listingRetryable).to.equal(true);
    expect(fake.stub.callCount).to.equal(1);
  });

  it('lists at most 500 a sweep, page by page, asking only for findings at STARTED noted before the grace period', async () => {
    const findings = Array.from({ length: 620 }, (_, i) =>
      startedFinding(`${i.toString(16).padStart(8, '0')}-2222-4333-8444-555555555555`, 10 * 60_000),
    );
    const fake = sweepFake(findings);
    const r = await sweep(depsFor(fake));
    const listings = fake.calls('securityhub', 'GetFindings');
    expect(listings.map((c) => c.input.MaxResults)).to.deep.equal([100, 100, 100, 100, 100]);
    const filters = listings[0].input.Filters as AnyJson;
    expect(filters.UserDefinedFields).to.deep.equal([{ Key: 'hubfix:status', Value: 'STARTED', Comparison: 'EQUALS' }]);
    expect(filters.NoteUpdatedAt[0].End).to.equal(iso(NOW - HOUR));
    expect(r).to.include({ listed: 500, truncated: true });
  });

  it('checks at most maxFindings a sweep against their runs, the most recent starts first; the rest wait for the next sweep', async () => {
    // 30 stuck findings started 2 h to 31 h ago; their runs are gone
    const findings = Array.from({ length: 30 }, (_, i) =>
      startedFinding(`${i.toString(16).padStart(8, '0')}-2222-4333-8444-555555555555`, (2 + i) * HOUR),
    );
    const fake = sweepFake(findings);
    const r = await sweep(depsFor(fake, { maxFindings: 10 }));
    expect(r.counts).to.include({ written: 10, left: 20 });
    expect(r.truncated).to.equal(true);
    const written = new Set(r.findings.filter((f) => f.action === 'written').map((f) => f.findingId));
    expect(written).to.deep.equal(new Set(findings.slice(0, 10).map((f) => f.Id)));
    expect(r.findings.find((f) => f.action === 'left')?.detail).to.equal('waits for the next sweep (10 checked a sweep)');
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(10);
  });

  it('--dry-run reports what it would write and writes, reads again and publishes nothing', async () => {
    const f = startedFinding('9a9a9a9a-2222-4333-8444-555555555555');
    const fake = sweepFake([f], [runRecord('exec-8', f.Id, 'Cancelled', NOW - 2 * HOUR + 5000)]);
    const r = await sweep(depsFor(fake, { dryRun: true }));
    expect(r.findings[0]).to.include({ action: 'would-write', status: 'FAILED', executionId: 'exec-8', executionStatus: 'Cancelled' });
    expect(fake.calls('securityhub', 'GetFindings')).to.have.length(1);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it('findings of one account, Region and document share one listing of the runs', async () => {
    const a = startedFinding('a1a1a1a1-2222-4333-8444-555555555555');
    const b = startedFinding('b1b1b1b1-2222-4333-8444-555555555555');
    const fake = sweepFake(
      [a, b],
      [runRecord('exec-a', a.Id, 'Failed', NOW - 2 * HOUR + 1000), runRecord('exec-b', b.Id, 'InProgress', NOW - 2 * HOUR + 2000)],
    );
    const r = await sweep(depsFor(fake));
    expect(fake.calls('ssm', 'DescribeAutomationExecutions')).to.have.length(1);
    expect(fake.calls('sts', 'AssumeRole')).to.have.length(1);
    expect(r.counts).to.include({ written: 1, left: 1 });
  });
});

describe('sweep: the orchestrator on its schedule', () => {
  const scheduled = (rule = SWEEP_RULE_NAME, account = '111122223333') => ({
    version: '0',
    id: 'e1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: iso(NOW),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:${account}:rule/${rule}`],
    detail: {},
  });

  it('knows a scheduled event from a Security Hub one', () => {
    expect(isScheduledEvent(scheduled())).to.equal(true);
    expect(isScheduledEvent({ source: 'aws.securityhub', 'detail-type': 'Scheduled Event' })).to.equal(false);
    expect(isScheduledEvent('{"source":"aws.events"}')).to.equal(false);
  });

  it('sweeps on its own rule, and refuses another rule or another account without an AWS call', async () => {
    const f = startedFinding('c1c1c1c1-2222-4333-8444-555555555555');
    const fake = sweepFake([f], []);
    const base = { invoker: fake.invoker, catalog: testCatalog(), config: defaultConfig(), now: () => NOW, log: () => {} };
    const other = await scheduledSweep(scheduled('someone-else') as never, { ...base, adminAccount: '111122223333' }, 'us-east-1');
    expect(other.rejected).to.match(/not from the rule hubfix-sweep/);
    const elsewhere = await scheduledSweep(
      scheduled(SWEEP_RULE_NAME, '999988887777') as never,
      { ...base, adminAccount: '111122223333' },
      'us-east-1',
    );
    expect(elsewhere.rejected).to.match(/from account 999988887777/);
    expect(fake.stub.callCount).to.equal(0);
    const ours = await scheduledSweep(scheduled() as never, { ...base, adminAccount: '111122223333' }, 'us-east-1');
    expect(ours.counts.written).to.equal(1);
  });

  it('the Lambda handler sends a scheduled event to the sweep: one from another rule sweeps nothing and decides no finding', async () => {
    const out = sinon.stub(process.stdout, 'write').returns(true);
    let r: { sweep?: { rejected?: string }; counts?: Record<string, number> };
    try {
      r = (await handler(scheduled('not-hubfix'), {
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:hubfix-orchestrator',
      })) as typeof r;
    } finally {
      out.restore();
    }
    expect(r.sweep?.rejected).to.match(/not from the rule hubfix-sweep/);
    expect(r.counts).to.deep.equal({ start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 });
    const [line] = out.getCalls().map((c) => JSON.parse(String(c.args[0])));
    expect(line).to.include({ level: 'warn', msg: 'hubfix.event-rejected' });
  });

  it('fails the invocation when the listing fails (Lambda retries; the error shows)', async () => {
    const fake = sweepFake([]);
    fake.fail = () => new AwsServiceError('ThrottlingException', 'slow down', 'securityhub', 'GetFindings');
    const deps = { invoker: fake.invoker, catalog: testCatalog(), config: defaultConfig(), now: () => NOW, log: () => {} };
    let error: Error | undefined;
    await scheduledSweep(scheduled() as never, deps, 'us-east-1').catch((e: Error) => (error = e));
    expect(error?.message).to.match(/listing the findings at STARTED failed: GetFindings in us-east-1: ThrottlingException/);
  });

  it('the admin template schedules the sweep every 30 minutes, invoking only the orchestrator, only from its rule', () => {
    const t = adminTemplate({ orchestratorPolicy: { Version: '2012-10-17', Statement: [] }, orchestratorZipKey: 'k' });
    const rule = t.Resources.SweepRule as AnyJson;
    expect(rule.Properties).to.include({ Name: SWEEP_RULE_NAME, ScheduleExpression: 'rate(30 minutes)', State: 'ENABLED' });
    expect(rule.Properties.Targets).to.deep.equal([{ Id: 'orchestrator-sweep', Arn: { 'Fn::GetAtt': ['Orchestrator', 'Arn'] } }]);
    const permission = t.Resources.SweepPermission as { Properties: Record<string, unknown> };
    expect(permission.Properties).to.deep.include({
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['SweepRule', 'Arn'] },
      FunctionName: { Ref: 'Orchestrator' },
    });
  });

  it('the orchestrator may read findings, the member role may read runs of its own account only', () => {
    const p = principalPolicies([DOC]);
    expect(p.orchestrator.Statement.some((s) => s.Action.includes('securityhub:GetFindings'))).to.equal(true);
    const [read] = p.member.Statement.filter((s) => s.Action.includes('ssm:GetAutomationExecution'));
    expect(read.Resource).to.deep.equal(['arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:automation-execution/*']);
    expect(p.member.Statement.filter((s) => s.Action.includes('ssm:DescribeAutomationExecutions'))).to.have.length(1);
  });
});
