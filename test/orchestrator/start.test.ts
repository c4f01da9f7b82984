import { expect } from 'chai';
import * as sinon from 'sinon';
import { AwsServiceError } from '../../src/aws/invoker';
import { defaultConfig, type HubfixConfig, parseConfig } from '../../src/findings/config';
import { decide } from '../../src/findings/decide';
import { handleEvent, type OrchestratorDeps } from '../../src/findings/orchestrate';
import { failForPassingFaults } from '../../orchestrator/handler';
import { notificationProblems } from '../../src/notify/schema';
import {
  type AnyJson,
  customActionEvent,
  findingOf,
  fixture,
  importedEvent,
  NOW,
  sgFinding,
  testCatalog,
  underControl,
} from '../findings/helpers';
import { type FakeAws, fakeAws } from './fake-aws';

function depsFor(
  fake: FakeAws,
  over: Partial<OrchestratorDeps> & { config?: HubfixConfig } = {},
): OrchestratorDeps & { lines: Record<string, unknown>[]; sleep: sinon.SinonStub } {
  const lines: Record<string, unknown>[] = [];
  const sleep = sinon.stub().resolves();
  return {
    invoker: fake.invoker,
    catalog: testCatalog(),
    config: defaultConfig(),
    now: () => NOW,
    sleep,
    random: () => 1,
    log: (l) => lines.push(l),
    ...over,
    lines,
  } as OrchestratorDeps & { lines: Record<string, unknown>[]; sleep: sinon.SinonStub };
}

/** n security group findings spread over `accounts` accounts (us-east-1). */
function sgFindings(n: number, accounts = 5): AnyJson[] {
  return Array.from({ length: n }, (_, i) => {
    const account = String(222233330000 + (i % accounts)).padStart(12, '0');
    const sg = `sg-${i.toString(16).padStart(8, '0')}`;
    const uuid = `${i.toString(16).padStart(8, '0')}-2222-4333-8444-555555555555`;
    return sgFinding(account, 'us-east-1', sg, uuid);
  });
}

/** The finding as Security Hub would show it after a BatchUpdateFindings (UpdatedAt unchanged). */
function applyUpdate(f: AnyJson, update: Record<string, unknown>): AnyJson {
  const out = JSON.parse(JSON.stringify(f));
  const u = update as {
    Note?: { Text: string; UpdatedBy: string };
    Workflow?: { Status: string };
    UserDefinedFields?: Record<string, string>;
  };
  if (u.Note) out.Note = { ...u.Note, UpdatedAt: '2024-06-01T12:01:05Z' };
  if (u.Workflow) out.Workflow = { Status: u.Workflow.Status };
  if (u.UserDefinedFields) out.UserDefinedFields = u.UserDefinedFields;
  return out;
}

describe('orchestrator: start path', () => {
  it('assumes the member role in the resource Region, starts the automation with typed parameters, records the start on the finding', async () => {
    const fake = fakeAws();
    const f = sgFinding('333344445555', 'eu-west-1', 'sg-0123456789abcdef0');
    f.UserDefinedFields = { team: 'payments' };
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent([f]), deps);
    expect(r.counts).to.include({ start: 1, started: 1 });

    const [assume] = fake.calls('sts', 'AssumeRole');
    expect(assume.region).to.equal('eu-west-1');
    expect(assume.input.RoleArn).to.equal('arn:aws:iam::333344445555:role/hubfix-member');
    expect(assume.credentials).to.equal(undefined);

    const [start] = fake.calls('ssm', 'StartAutomationExecution');
    expect(start.region).to.equal('eu-west-1');
    expect(start.account).to.equal('333344445555');
    expect(start.credentials?.sessionToken).to.equal('token-for-arn:aws:iam::333344445555:role/hubfix-member');
    expect(start.input.DocumentName).to.equal('Hubfix-Test-SecurityGroup');
    expect(start.input.Parameters).to.deep.equal({
      AutomationAssumeRole: ['arn:aws:iam::333344445555:role/hubfix-Test-SecurityGroup'],
      FindingId: [f.Id],
      FindingProductArn: ['arn:aws:securityhub:eu-west-1::product/aws/securityhub'],
      DryRun: ['false'],
      Port: ['22'],
      GroupId: ['sg-0123456789abcdef0'],
    });
    expect(start.input.ClientToken).to.equal(r.outcomes[0].decision.target?.clientToken);
    expect(start.input.Tags).to.deep.equal([{ Key: 'hubfix:finding', Value: f.Id }]);

    const [update] = fake.calls('securityhub', 'BatchUpdateFindings');
    expect(update.region).to.equal('eu-west-1');
    expect(update.credentials).to.equal(undefined);
    expect(update.input.FindingIdentifiers).to.deep.equal([{ Id: f.Id, ProductArn: f.ProductArn }]);
    expect(update.input.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    expect((update.input.Note as { Text: string }).Text)
      .to.contain('exec pending')
      .and.contain("this finding's runbook, attempt 1");
    expect((update.input.Note as { UpdatedBy: string }).UpdatedBy).to.equal('hubfix');
    expect(update.input.UserDefinedFields).to.deep.equal({
      team: 'payments',
      'hubfix:attemptTimes': '2024-06-01T12:01:00.000Z',
      'hubfix:attempts': '1',
      'hubfix:execution': 'pending',
      'hubfix:lastAttempt': '2024-06-01T12:01:00.000Z',
      'hubfix:status': 'STARTED',
      'hubfix:updatedAt': '2024-06-01T12:01:00.000Z',
    });
    expect(r.outcomes[0].findingUpdate).to.equal('updated');
  });

  it('idempotency: the same event handled twice (two invocations) starts once, with the same ClientToken', async () => {
    const fake = fakeAws();
    const event = fixture('custom-action-multi-account.json');
    const first = await handleEvent(event, depsFor(fake));
    const second = await handleEvent(event, depsFor(fake));
    const tokens = fake.calls('ssm', 'StartAutomationExecution').map((c) => c.input.ClientToken);
    expect(tokens).to.have.length(6);
    expect(tokens.slice(0, 3)).to.deep.equal(tokens.slice(3));
    expect(fake.started).to.have.length(3);
    expect(second.outcomes.map((o) => o.executionId)).to.deep.equal(first.outcomes.map((o) => o.executionId));
  });

  it('the echo of our own update is not restarted, and a finding already NOTIFIED by us is not restarted', async () => {
    const fake = fakeAws();
    const f = sgFinding();
    await handleEvent(importedEvent([f]), depsFor(fake));
    const [update] = fake.calls('securityhub', 'BatchUpdateFindings');
    const echo = applyUpdate(f, update.input);
    const deps = depsFor(fake, { now: () => NOW + 60_000 });
    const r = await handleEvent(importedEvent([echo]), deps);
    expect(r.outcomes[0].decision.reason).to.equal('OWN_UPDATE');
    // a later periodic evaluation, still FAILED: Security Hub keeps NOTIFIED
    const later = { ...echo, UpdatedAt: '2024-06-02T00:00:00Z' };
    const r2 = await handleEvent(importedEvent([later]), depsFor(fake, { now: () => Date.parse('2024-06-02T00:00:10Z') }));
    expect(r2.outcomes[0].decision.reason).to.equal('NOT_NEW');
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(1);
    // re-failed: reset to NEW by Security Hub → attempt 2, a new token
    const refailed = { ...later, Workflow: { Status: 'NEW' } };
    const r3 = await handleEvent(importedEvent([refailed]), depsFor(fake, { now: () => Date.parse('2024-06-02T00:00:10Z') }));
    expect(r3.outcomes[0].decision.reason).to.equal('MODE_DRY_RUN');
    expect(r3.outcomes[0].decision.target?.attempt).to.equal(2);
    expect(fake.started).to.have.length(2);
  });

  it('credentials are cached per account and Region: 100 findings in 5 accounts assume 5 roles', async () => {
    const fake = fakeAws();
    const r = await handleEvent(customActionEvent(sgFindings(100, 5)), depsFor(fake));
    expect(r.counts.started).to.equal(100);
    expect(fake.calls('sts', 'AssumeRole')).to.have.length(5);
    const mixed = fakeAws();
    const findings = [
      sgFinding('222233334444', 'us-east-1'),
      sgFinding('222233334444', 'eu-west-1', 'sg-0123456789abcdef0', '99999999-2222-4333-8444-555555555555'),
    ];
    await handleEvent(customActionEvent(findings), depsFor(mixed));
    expect(mixed.calls('sts', 'AssumeRole').map((c) => c.region)).to.deep.equal(['us-east-1', 'eu-west-1']);
  });

  it('every start is recorded before it is made, so the record can never overwrite the outcome; identical records share calls', async () => {
    const fake = fakeAws();
    await handleEvent(customActionEvent(sgFindings(150, 5)), depsFor(fake));
    const updates = fake.calls('securityhub', 'BatchUpdateFindings');
    expect(updates.map((u) => (u.input.FindingIdentifiers as unknown[]).length)).to.deep.equal([100, 50]);
    expect((updates[0].input.Note as { Text: string }).Text)
      .to.contain('exec pending')
      .and.contain('tagged hubfix:finding');
    expect((updates[0].input.UserDefinedFields as Record<string, string>)['hubfix:execution']).to.equal('pending');

    const small = fakeAws();
    await handleEvent(customActionEvent(sgFindings(3, 3)), depsFor(small));
    const order = small.stub.getCalls().map((c) => c.args[0].operation);
    expect(order.indexOf('BatchUpdateFindings')).to.be.lessThan(order.indexOf('StartAutomationExecution'));
    expect(order.filter((o) => o === 'BatchUpdateFindings')).to.have.length(1);
  });

  it('a clock that moves during the batch does not split the grouped update (one write time per batch)', async () => {
    const fake = fakeAws();
    let t = NOW;
    await handleEvent(customActionEvent(sgFindings(100, 5)), depsFor(fake, { now: () => t++ }));
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(1);
  });

  it('UnprocessedFindings are retried; a finding Security Hub does not know is reported, not retried', async () => {
    const fake = fakeAws();
    const findings = sgFindings(2, 2);
    fake.unprocessed.push(
      { id: findings[0].Id, code: 'ConcurrentUpdateError', times: 1 },
      { id: findings[1].Id, code: 'FindingNotFound', times: 5 },
    );
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent(findings), deps);
    const updates = fake.calls('securityhub', 'BatchUpdateFindings');
    expect(updates).to.have.length(2);
    expect(updates[1].input.FindingIdentifiers).to.deep.equal([{ Id: findings[0].Id, ProductArn: findings[0].ProductArn }]);
    expect(r.outcomes[0].findingUpdate).to.equal('updated');
    expect(r.outcomes[1].findingUpdate).to.match(/^unprocessed: FindingNotFound/);
    expect(deps.lines[1].level).to.equal('warn');
  });

  it("throttling is retried in one layer (the SDK's), not again here: the finding fails the invocation for Lambda to retry", async () => {
    const fake = fakeAws();
    fake.fail = (call) =>
      call.operation === 'StartAutomationExecution' ? new AwsServiceError('ThrottlingException', 'Rate exceeded') : undefined;
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent([sgFinding()]), deps);
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(1);
    expect(r.outcomes[0]).to.include({ outcome: 'start-failed', retryable: true });
    expect(() => failForPassingFaults(r)).to.throw(/1 finding\(s\) failed for reasons that may pass/);
    const denied = fakeAws();
    denied.fail = (call) =>
      call.operation === 'StartAutomationExecution' ? new AwsServiceError('AccessDeniedException', 'no') : undefined;
    const d = await handleEvent(customActionEvent([sgFinding()]), depsFor(denied));
    expect(d.outcomes[0].retryable).to.not.equal(true);
    expect(() => failForPassingFaults(d)).not.to.throw();
  });

  it('a record that fails for a passing reason holds its start back (the retried event starts it, once)', async () => {
    const fake = fakeAws();
    fake.fail = (call) => (call.operation === 'BatchUpdateFindings' ? new AwsServiceError('InternalServerError', 'oops') : undefined);
    const r = await handleEvent(customActionEvent([sgFinding()]), depsFor(fake));
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(0);
    expect(r.outcomes[0]).to.include({ outcome: 'start-failed', retryable: true });
  });

  it("one account's failure never blocks the others: its findings get a note saying why, a warn log line, and one AssumeRole", async () => {
    const fake = fakeAws();
    fake.fail = (call) =>
      call.operation === 'AssumeRole' && String(call.input.RoleArn).includes('222233330001')
        ? new AwsServiceError('AccessDenied', 'not authorized to perform sts:AssumeRole')
        : undefined;
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent(sgFindings(6, 2)), deps);
    expect(r.outcomes.map((o) => o.outcome)).to.deep.equal([
      'started',
      'start-failed',
      'started',
      'start-failed',
      'started',
      'start-failed',
    ]);
    expect(fake.calls('sts', 'AssumeRole').filter((c) => String(c.input.RoleArn).includes('222233330001'))).to.have.length(1);
    expect(r.outcomes[1].error).to.match(/^AssumeRole arn:aws:iam::222233330001:role\/hubfix-member: AccessDenied/);
    const failedUpdate = fake
      .calls('securityhub', 'BatchUpdateFindings')
      .find((u) => (u.input.UserDefinedFields as Record<string, string>)['hubfix:status'] === 'START_FAILED');
    if (!failedUpdate) throw new Error('no update for the failed start');
    expect(failedUpdate.input.Workflow).to.equal(undefined);
    expect((failedUpdate.input.Note as { Text: string }).Text)
      .to.contain('START_FAILED no run')
      .and.contain('AccessDenied');
    expect(deps.lines[1]).to.include({ level: 'warn', outcome: 'start-failed', reason: 'ACTION_REMEDIATE' });
  });

  it('a start SSM refuses is recorded with its reason; a failed BatchUpdateFindings does not undo the start', async () => {
    const fake = fakeAws();
    fake.fail = (call) => {
      if (call.operation === 'StartAutomationExecution' && (call.input.Parameters as Record<string, string[]>).GroupId[0] === 'sg-00000001')
        return new AwsServiceError('AutomationDefinitionNotFoundException', 'Document Hubfix-Test-SecurityGroup not found');
      if (call.operation === 'BatchUpdateFindings' && (call.input.FindingIdentifiers as Array<{ Id: string }>)[0].Id.includes('00000000-'))
        return new AwsServiceError('AccessDeniedException', 'no securityhub:BatchUpdateFindings');
      return undefined;
    };
    const r = await handleEvent(customActionEvent(sgFindings(2, 1)), depsFor(fake));
    expect(r.outcomes[0]).to.include({ outcome: 'started' });
    expect(r.outcomes[0].findingUpdate).to.match(/^failed: AccessDeniedException/);
    expect(r.outcomes[1]).to.include({ outcome: 'start-failed' });
    expect(r.outcomes[1].error).to.contain('AutomationDefinitionNotFoundException');
  });

  it('notify decisions note the finding (NOTIFIED, hubfix fields) and publish a message valid against the notification schema', async () => {
    const fake = fakeAws();
    const config = parseConfig({
      mode: { controls: { 'EC2.13': 'notify-only' } },
      notificationTopicArn: 'arn:aws:sns:us-east-1:999988887777:hubfix',
    });
    const f = sgFinding();
    const r = await handleEvent(importedEvent([f]), depsFor(fake, { config }));
    expect(r.outcomes[0]).to.include({ outcome: 'notified', findingUpdate: 'updated' });
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(0);
    const [update] = fake.calls('securityhub', 'BatchUpdateFindings');
    expect(update.input.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    const fields = update.input.UserDefinedFields as Record<string, string>;
    expect(fields['hubfix:status']).to.equal('NOTIFY_ONLY');
    expect(fields['hubfix:updatedAt']).to.equal('2024-06-01T12:01:00.000Z');
    const [publish] = fake.calls('sns', 'Publish');
    const message = JSON.parse(String(publish.input.Message));
    expect(notificationProblems(message)).to.deep.equal([]);
    expect(message).to.include({ status: 'NOTIFY_ONLY', control: 'EC2.13', account: '222233334444' });
    expect(message.guidance).to.equal('guidance for EC2.13');
    // and its echo is ours
    const echo = applyUpdate(f, update.input);
    const again = await handleEvent(importedEvent([echo]), depsFor(fake, { config }));
    expect(again.outcomes[0].decision.reason).to.equal('OWN_UPDATE');
  });
});

describe('orchestrator: handleEvent logging', () => {
  it('one JSON log line per finding with its decision and reason', async () => {
    const fake = fakeAws();
    const deps = depsFor(fake);
    const event = fixture('custom-action-multi-account.json');
    await handleEvent(event, deps);
    expect(deps.lines).to.have.length(4);
    expect(deps.lines.map((l) => [l.decision, l.reason])).to.deep.equal([
      ['start', 'ACTION_REMEDIATE'],
      ['start', 'ACTION_REMEDIATE'],
      ['start', 'ACTION_REMEDIATE'],
      ['notify', 'DUPLICATE'],
    ]);
    expect(deps.lines[0]).to.include({
      msg: 'hubfix.decision',
      trigger: 'custom-action:HubfixRemediate',
      eventId: event.id,
      outcome: 'started',
    });
    for (const l of deps.lines) expect(JSON.parse(JSON.stringify(l))).to.deep.equal(l);
  });

  it('a malformed event, a non-JSON body, a very large event: one rejected line, no AWS call', async () => {
    const fake = fakeAws();
    for (const raw of [
      fixture('bad-malformed-event.json'),
      '{"detail": [',
      { ...fixture('imported-consolidated-iam15.json'), pad: 'x'.repeat(2_000_000) },
    ]) {
      const deps = depsFor(fake);
      const r = await handleEvent(raw, deps);
      expect(r.rejected?.reason).to.equal('MALFORMED');
      expect(deps.lines).to.have.length(1);
      expect(deps.lines[0]).to.include({ msg: 'hubfix.event-rejected', reason: 'MALFORMED' });
    }
    expect(fake.stub.callCount).to.equal(0);
  });

  it('a finding that is not even an object does not reject the event: it is MALFORMED, the others go on', async () => {
    const fake = fakeAws();
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent([null, 'sg-0abc; rm -rf /', sgFinding()]), deps);
    expect(r.rejected).to.equal(undefined);
    expect(r.outcomes.map((o) => [o.decision.reason, o.outcome])).to.deep.equal([
      ['MALFORMED', 'skipped'],
      ['MALFORMED', 'skipped'],
      ['ACTION_REMEDIATE', 'started'],
    ]);
  });

  it('bad findings in an event are skipped as MALFORMED and the good one is still started', async () => {
    const fake = fakeAws();
    const deps = depsFor(fake);
    const r = await handleEvent(fixture('bad-injection-resource-ids.json'), deps);
    expect(r.counts).to.include({ skip: 6, start: 1, started: 1 });
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(1);
    expect((fake.calls('ssm', 'StartAutomationExecution')[0].input.Parameters as Record<string, string[]>).GroupId).to.deep.equal([
      'sg-0abc1234de',
    ]);
    expect(deps.lines.filter((l) => l.reason === 'MALFORMED' && l.level === 'warn')).to.have.length(6);
  });
});

describe('orchestrator: what the finding claims is checked against the executions', () => {
  function claimingInProgress(): AnyJson {
    const f = sgFinding();
    f.UserDefinedFields = {
      'hubfix:status': 'STARTED',
      'hubfix:execution': 'made-up',
      'hubfix:lastAttempt': new Date(NOW - 60_000).toISOString(),
    };
    return f;
  }

  it("a forged in-progress start does not block an analyst's custom action: SSM has no run in flight, so it starts (warn line)", async () => {
    const fake = fakeAws();
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent([claimingInProgress()]), deps);
    expect(r.outcomes[0]).to.include({ outcome: 'started' });
    const [describeCall] = fake.calls('ssm', 'DescribeAutomationExecutions');
    expect(describeCall.input.Filters).to.deep.include({ Key: 'DocumentNamePrefix', Values: ['Hubfix-Test-SecurityGroup'] });
    expect(deps.lines[0]).to.include({ level: 'warn', findingId: r.outcomes[0].decision.findingId });
    expect(String(deps.lines[0].claimCheck)).to.match(/claim ignored/);
  });

  it('a run really in flight holds the start back, logged at warning level with the finding id', async () => {
    const fake = fakeAws();
    fake.runs.push({ DocumentName: 'Hubfix-Test-SecurityGroup', AutomationExecutionStatus: 'InProgress' });
    const deps = depsFor(fake);
    const r = await handleEvent(customActionEvent([claimingInProgress()]), deps);
    expect(r.outcomes[0]).to.include({ outcome: 'skipped' });
    expect(r.outcomes[0].decision.reason).to.equal('IN_PROGRESS');
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(0);
    expect(deps.lines[0]).to.include({ level: 'warn', reason: 'IN_PROGRESS', findingId: r.outcomes[0].decision.findingId });
  });

  it('attempts claimed used up, but SSM started fewer runs in the window: the loop guard claim is ignored', async () => {
    const fake = fakeAws();
    const f = sgFinding();
    const times = Array.from({ length: 5 }, (_, i) => new Date(NOW - (i + 1) * 60_000).toISOString());
    f.UserDefinedFields = { 'hubfix:status': 'SUCCEEDED', 'hubfix:attempts': '5', 'hubfix:attemptTimes': times.join(',') };
    const cfg = parseConfig({ mode: { controls: { 'EC2.13': 'auto' } } });
    const r = await handleEvent(importedEvent([f]), depsFor(fake, { config: cfg }));
    expect(r.outcomes[0]).to.include({ outcome: 'started' });
    expect(fake.calls('ssm', 'DescribeAutomationExecutions')[0].input.Filters).to.deep.include({
      Key: 'StartTimeAfter',
      Values: [new Date(NOW - 24 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')],
    });
  });

  it('an account-level control starts at most one run per account while one is in flight, across events', async () => {
    const fake = fakeAws();
    const f = findingOf('imported-refailed.json');
    f.UserDefinedFields = {};
    fake.runs.push({ DocumentName: 'Hubfix-Test-PasswordPolicy', AutomationExecutionStatus: 'InProgress' });
    const r = await handleEvent(importedEvent([f]), depsFor(fake));
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(0);
    expect(r.outcomes[0]).to.include({ outcome: 'notified' });
    expect(r.outcomes[0].decision.reason).to.equal('DUPLICATE');
    const [update] = fake.calls('securityhub', 'BatchUpdateFindings');
    expect((update.input.Note as { Text: string }).Text).to.contain("covered by the account's run in flight");
    // no notification of its own: a run in flight tells when it ends
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it('findings of one account evaluated together start one account-level run, even from concurrent events', async () => {
    const fake = fakeAws();
    const a = findingOf('imported-refailed.json');
    a.UserDefinedFields = {};
    const b = underControl(a, 'IAM.15', 'IAM.7');
    const [ra, rb] = await Promise.all([handleEvent(importedEvent([a]), depsFor(fake)), handleEvent(importedEvent([b]), depsFor(fake))]);
    expect(fake.started).to.have.length(1);
    const outcomes = [ra.outcomes[0], rb.outcomes[0]].map((o) => `${o.outcome} ${o.decision.reason}`).sort();
    expect(outcomes).to.deep.equal(['notified DUPLICATE', 'started MODE_DRY_RUN']);
  });

  it('a wiped attempt count cannot replay a run: the same evaluation derives the same ClientToken and starts once', async () => {
    const fake = fakeAws();
    const f = findingOf('imported-refailed.json');
    const cfg = parseConfig({ mode: { controls: { 'IAM.15': 'auto' } } });
    await handleEvent(importedEvent([f]), depsFor(fake, { config: cfg }));
    f.UserDefinedFields = {};
    await handleEvent(importedEvent([f]), depsFor(fake, { config: cfg }));
    const tokens = fake.calls('ssm', 'StartAutomationExecution').map((c) => c.input.ClientToken);
    expect(tokens).to.have.length(2);
    expect(tokens[0]).to.equal(tokens[1]);
    expect(fake.started).to.have.length(1);
  });
});

describe('orchestrator: intake leftovers', () => {
  it('a custom action event from another account than the administrator the orchestrator runs in is refused, no AWS call', async () => {
    const fake = fakeAws();
    const event = customActionEvent([sgFinding()]);
    const r = await handleEvent(event, depsFor(fake, { adminAccount: '999999999999' }));
    expect(r.rejected?.detail).to.match(/must come from the administrator account 999999999999/);
    expect(fake.stub.called).to.equal(false);
    const ok = await handleEvent(event, depsFor(fakeAws(), { adminAccount: String(event.account) }));
    expect(ok.rejected).to.equal(undefined);
  });

  for (const [what, region, partition] of [
    ['a Region that exists in no partition', 'zz-evil-9', 'aws'],
    ['a China Region under the aws partition', 'cn-north-1', 'aws'],
    ['a commercial Region under aws-us-gov', 'us-east-1', 'aws-us-gov'],
  ] as const) {
    it(`${what} (${region} in ${partition}) is MALFORMED`, () => {
      const f = sgFinding('222233334444', region);
      for (const k of ['Id', 'ProductArn'] as const) f[k] = String(f[k]).replace(/^arn:aws:/, `arn:${partition}:`);
      f.Resources[0].Id = String(f.Resources[0].Id).replace(/^arn:aws:/, `arn:${partition}:`);
      f.Resources[0].Partition = partition;
      const [d] = decide([f], { catalog: testCatalog(), config: defaultConfig(), now: NOW, trigger: { kind: 'imported' } });
      expect(d.reason).to.equal('MALFORMED');
      expect(d.detail).to.contain(`not a Region of the ${partition} partition`);
    });
  }
});
