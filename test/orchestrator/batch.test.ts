import { expect } from 'chai';
import { AwsServiceError } from '../../src/aws/invoker';
import { defaultConfig, parseConfig } from '../../src/findings/config';
import { handleEvents, type OrchestratorDeps, type QueuedEvent } from '../../src/findings/orchestrate';
import { batchResponse } from '../../src/findings/queue';
import { notificationProblems } from '../../src/notify/schema';
import { type AnyJson, customActionEvent, findingOf, importedEvent, NOW, sgFinding, testCatalog, underControl } from '../findings/helpers';
import { type FakeAws, fakeAws } from './fake-aws';

/**
 * Events handled as a queue's batch (SQS → the orchestrator): start records shared across
 * events, duplicates across events, redelivery after a passing failure, and what is announced.
 */

const autoSg = parseConfig({ mode: { controls: { 'EC2.13': 'auto' } }, notificationTopicArn: 'arn:aws:sns:us-east-1:999988887777:hubfix' });

function depsFor(fake: FakeAws, over: Partial<OrchestratorDeps> = {}): OrchestratorDeps & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    invoker: fake.invoker,
    catalog: testCatalog(),
    config: autoSg,
    now: () => NOW,
    sleep: async () => {},
    random: () => 1,
    log: (l) => lines.push(l),
    ...over,
    lines,
  };
}

function sg(i: number, account = `22223333000${i % 5}`): AnyJson {
  const uuid = `${i.toString(16).padStart(8, '0')}-2222-4333-8444-555555555555`;
  return sgFinding(account, 'us-east-1', `sg-${i.toString(16).padStart(8, '0')}`, uuid);
}

/** One "Findings - Imported" event per finding, as Security Hub sends them, each with its own id. */
function oneEventPerFinding(findings: AnyJson[]): QueuedEvent[] {
  return findings.map((f, i) => {
    const e = importedEvent([f]);
    e.id = `${i.toString(16).padStart(8, '0')}-1111-4c1e-9b7a-0a1b2c3d4e5f`;
    return { id: `m-${i}`, body: JSON.stringify(e), redelivered: false };
  });
}

describe('orchestrator: a queue batch of events', () => {
  it('automatic findings arriving one per event share one start record per 100 findings, and each starts once', async () => {
    const fake = fakeAws();
    const results = await handleEvents(oneEventPerFinding(Array.from({ length: 150 }, (_, i) => sg(i))), depsFor(fake));
    expect(results.every((r) => r.result.counts.started === 1 && !r.retry)).to.equal(true);
    const updates = fake.calls('securityhub', 'BatchUpdateFindings');
    expect(updates.map((u) => (u.input.FindingIdentifiers as unknown[]).length)).to.deep.equal([100, 50]);
    expect(fake.started).to.have.length(150);
    expect(batchResponse(results)).to.deep.equal({ batchItemFailures: [] });
  });

  it('the start record names neither control nor runbook, so findings of different controls share it', async () => {
    const fake = fakeAws();
    const findings = Array.from({ length: 4 }, (_, i) => sg(i));
    for (const f of findings.slice(2)) {
      f.Id = f.Id.replace('EC2.13', 'EC2.14');
      f.GeneratorId = 'security-control/EC2.14';
      f.Compliance.SecurityControlId = 'EC2.14';
    }
    const cfg = parseConfig({ mode: { controls: { 'EC2.13': 'auto', 'EC2.14': 'auto' } } });
    await handleEvents(oneEventPerFinding(findings), depsFor(fake, { config: cfg }));
    expect(fake.started.map((s) => s.call.input.DocumentName)).to.have.length(4);
    expect(fake.calls('securityhub', 'BatchUpdateFindings').map((u) => (u.input.FindingIdentifiers as unknown[]).length)).to.deep.equal([
      4,
    ]);
  });

  it('a finding that differs (its own note trail) gets its own record; the rest still share one', async () => {
    const fake = fakeAws();
    const findings = Array.from({ length: 4 }, (_, i) => sg(i));
    findings[2].Note = {
      Text: '2024-05-01T10:00Z DRY_RUN exec e-1: would narrow the rule',
      UpdatedBy: 'someone',
      UpdatedAt: '2024-05-01T10:00:00Z',
    };
    await handleEvents(oneEventPerFinding(findings), depsFor(fake));
    const sizes = fake.calls('securityhub', 'BatchUpdateFindings').map((u) => (u.input.FindingIdentifiers as unknown[]).length);
    expect(sizes.sort()).to.deep.equal([1, 3]);
  });

  it('a finding carried by two events of one batch is started once', async () => {
    const fake = fakeAws();
    const f = sg(1);
    const later = { ...JSON.parse(JSON.stringify(f)), UpdatedAt: '2024-06-01T12:00:30Z' };
    const results = await handleEvents(oneEventPerFinding([f, later]), depsFor(fake));
    expect(fake.started).to.have.length(1);
    expect(results[1].result.outcomes[0].decision.reason).to.equal('DUPLICATE');
    expect(results[1].result.outcomes[0].decision.detail).to.contain('listed twice in this batch of events');
  });

  it('account-level findings of one account in several events of a batch start one run; the executions are read once', async () => {
    const fake = fakeAws();
    const a = findingOf('imported-refailed.json');
    a.UserDefinedFields = {};
    const b = underControl(a, 'IAM.15', 'IAM.7');
    const results = await handleEvents(oneEventPerFinding([a, b]), depsFor(fake, { config: defaultConfig() }));
    expect(fake.started).to.have.length(1);
    expect(fake.calls('ssm', 'DescribeAutomationExecutions')).to.have.length(1);
    expect(results.map((r) => `${r.result.outcomes[0].outcome} ${r.result.outcomes[0].decision.reason}`)).to.deep.equal([
      'started MODE_DRY_RUN',
      'notified DUPLICATE',
    ]);
    // the covered finding is noted with the run that covers it, and nobody is paged for it
    const [, covered] = fake.calls('securityhub', 'BatchUpdateFindings');
    expect((covered.input.Note as { Text: string }).Text).to.contain(`covered by the account's run in flight`);
    expect(covered.input.FindingIdentifiers).to.deep.equal([{ Id: b.Id, ProductArn: b.ProductArn }]);
    expect(fake.calls('sns', 'Publish')).to.have.length(0);
  });

  it("reads an account's runs in flight page by page only until the runbook asked about shows up", async () => {
    const fake = fakeAws();
    const a = findingOf('imported-refailed.json');
    a.UserDefinedFields = {};
    // SSM lists 50 other hubfix runs first, then the password policy's, on the second page
    const pages = [
      { AutomationExecutionMetadataList: Array.from({ length: 50 }, () => ({ DocumentName: 'Hubfix-Other' })), NextToken: 'p2' },
      { AutomationExecutionMetadataList: [{ DocumentName: 'Hubfix-Test-PasswordPolicy' }], NextToken: 'p3' },
    ];
    const describes: Array<Record<string, unknown>> = [];
    const invoker = {
      call: async (c: Parameters<typeof fake.invoker.call>[0]) => {
        if (c.operation !== 'DescribeAutomationExecutions') return fake.invoker.call(c);
        describes.push(c.input);
        return pages[describes.length - 1] ?? { AutomationExecutionMetadataList: [] };
      },
    };
    const [r] = await handleEvents(oneEventPerFinding([a]), depsFor(fake, { invoker, config: defaultConfig() }));
    expect(describes.map((d) => d.NextToken)).to.deep.equal([undefined, 'p2']);
    expect(r.result.outcomes[0]).to.include({ outcome: 'notified' });
    expect(r.result.outcomes[0].decision.reason).to.equal('DUPLICATE');
    expect(fake.started).to.have.length(0);
  });

  it('a message whose finding failed for a passing reason is reported back to the queue; the others are not', async () => {
    const fake = fakeAws();
    const findings = [sg(0), sg(1)];
    fake.fail = (call) =>
      call.operation === 'StartAutomationExecution' && (call.input.Parameters as Record<string, string[]>).GroupId[0] === 'sg-00000001'
        ? new AwsServiceError('ThrottlingException', 'Rate exceeded')
        : undefined;
    const results = await handleEvents(oneEventPerFinding(findings), depsFor(fake));
    expect(batchResponse(results)).to.deep.equal({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});

describe('orchestrator: a redelivered event', () => {
  /** A custom action on three findings whose third start is throttled on the first delivery. */
  async function firstDelivery(fake: FakeAws) {
    const findings = [sg(0), sg(1), sg(2)];
    let throttle = true;
    fake.fail = (call) =>
      throttle &&
      call.operation === 'StartAutomationExecution' &&
      (call.input.Parameters as Record<string, string[]>).GroupId[0] === 'sg-00000002'
        ? new AwsServiceError('ThrottlingException', 'Rate exceeded')
        : undefined;
    const event = customActionEvent(findings);
    const deps = depsFor(fake);
    const [first] = await handleEvents([{ id: 'm-1', body: event, redelivered: false }], deps);
    throttle = false;
    return { findings, event, deps, first };
  }

  /** The findings as Security Hub holds them after the first delivery: what each writer last put on them. */
  function current(fake: FakeAws, findings: AnyJson[], finishedIds: string[]): AnyJson[] {
    const writes = fake.calls('securityhub', 'BatchUpdateFindings');
    return findings.map((f) => {
      const last = [...writes].reverse().find((w) => (w.input.FindingIdentifiers as Array<{ Id: string }>).some((x) => x.Id === f.Id));
      const fields = { ...((last?.input.UserDefinedFields as Record<string, string>) ?? {}) };
      if (finishedIds.includes(f.Id))
        Object.assign(fields, { 'hubfix:status': 'SUCCEEDED', 'hubfix:updatedAt': new Date(NOW + 120_000).toISOString() });
      return { ...f, UserDefinedFields: fields };
    });
  }

  it('does not write STARTED again over the outcome a run already wrote; the start is made again with the same token, no second run', async () => {
    const fake = fakeAws();
    const { findings, event, first } = await firstDelivery(fake);
    expect(first.retry).to.equal(true);
    expect(fake.started).to.have.length(2);
    fake.findings = current(fake, findings, [findings[0].Id]);
    const writesBefore = fake.calls('securityhub', 'BatchUpdateFindings').length;

    const [again] = await handleEvents([{ id: 'm-1', body: event, redelivered: true }], depsFor(fake, { now: () => NOW + 180_000 }));
    expect(again.retry).to.equal(false);
    // the third finding's first record said START_FAILED: its start now made is recorded; the other two are left as they are
    const writes = fake.calls('securityhub', 'BatchUpdateFindings').slice(writesBefore);
    expect(writes.flatMap((w) => (w.input.FindingIdentifiers as Array<{ Id: string }>).map((x) => x.Id))).to.deep.equal([findings[2].Id]);
    expect(
      fake
        .calls('ssm', 'StartAutomationExecution')
        .slice(-3)
        .map((c) => c.input.ClientToken),
    ).to.have.length(3);
    expect(fake.started).to.have.length(3);
    expect(again.result.outcomes.map((o) => o.findingUpdate)).to.deep.equal([
      'skipped: recorded by an earlier delivery of this event',
      'skipped: recorded by an earlier delivery of this event',
      'updated',
    ]);
  });

  it('waits for the next delivery when the current findings cannot be read: nothing written, nothing started', async () => {
    const fake = fakeAws();
    const { event } = await firstDelivery(fake);
    const writesBefore = fake.calls('securityhub', 'BatchUpdateFindings').length;
    const startsBefore = fake.calls('ssm', 'StartAutomationExecution').length;
    fake.fail = (call) => (call.operation === 'GetFindings' ? new AwsServiceError('InternalException', 'oops') : undefined);
    const deps = depsFor(fake);
    const [again] = await handleEvents([{ id: 'm-1', body: event, redelivered: true }], deps);
    expect(again.retry).to.equal(true);
    expect(fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(writesBefore);
    expect(fake.calls('ssm', 'StartAutomationExecution')).to.have.length(startsBefore);
    expect(deps.lines.find((l) => l.msg === 'hubfix.redelivery-unchecked')).to.include({ level: 'warn' });
  });
});

describe('orchestrator: a start that failed', () => {
  it('for a reason that will not pass is announced on SNS (FAILED, valid against the schema); one that may pass is not', async () => {
    const fake = fakeAws();
    fake.fail = (call) => {
      if (call.operation !== 'StartAutomationExecution') return undefined;
      const group = (call.input.Parameters as Record<string, string[]>).GroupId[0];
      if (group === 'sg-00000000')
        return new AwsServiceError('AccessDeniedException', 'not authorized to perform ssm:StartAutomationExecution');
      if (group === 'sg-00000001') return new AwsServiceError('ThrottlingException', 'Rate exceeded');
      return undefined;
    };
    const results = await handleEvents(oneEventPerFinding([sg(0), sg(1)]), depsFor(fake));
    const published = fake.calls('sns', 'Publish');
    expect(published).to.have.length(1);
    const message = JSON.parse(String(published[0].input.Message));
    expect(notificationProblems(message)).to.deep.equal([]);
    expect(message).to.include({ status: 'FAILED', control: 'EC2.13', executionId: null });
    expect(message.failure.message).to.contain('AccessDeniedException');
    expect(results[0].result.outcomes[0].notification).to.match(/^published/);
    expect(results[1].result.outcomes[0].notification).to.equal(undefined);
  });
});

describe('orchestrator: one runbook per resource at a time', () => {
  // EC2.14 served by another runbook than EC2.13's, both on security groups (as EC2.2 and EC2.13 are)
  const catalog = testCatalog();
  catalog.controls['EC2.14'] = { ...catalog.controls['EC2.14'], document: 'Hubfix-Test-DefaultGroup' };
  catalog.controls['EC2.53'] = { ...catalog.controls['EC2.13'], control: 'EC2.53', document: 'Hubfix-Test-Third' };

  it('a second finding on the same resource in a batch is deferred: nothing written, its event goes back to the queue', async () => {
    const fake = fakeAws();
    const a = sg(1);
    const b = underControl(a, 'EC2.13', 'EC2.14');
    const cfg = parseConfig({ mode: { controls: { 'EC2.13': 'auto', 'EC2.14': 'auto' } } });
    const first = await handleEvents(oneEventPerFinding([a, b]), depsFor(fake, { config: cfg, catalog }));
    expect(fake.started).to.have.length(1);
    expect(first.map((r) => r.result.outcomes[0].outcome)).to.deep.equal(['started', 'deferred']);
    expect(batchResponse(first)).to.deep.equal({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    const written = fake
      .calls('securityhub', 'BatchUpdateFindings')
      .flatMap((u) => (u.input.FindingIdentifiers as Array<{ Id: string }>).map((x) => x.Id));
    expect(written).to.deep.equal([a.Id]);
    // the queue brings the deferred event back once the first run is over: now it starts
    const [again] = await handleEvents([{ ...oneEventPerFinding([a, b])[1], redelivered: true }], depsFor(fake, { config: cfg, catalog }));
    expect(again.result.outcomes[0].outcome).to.equal('started');
    expect(fake.started).to.have.length(2);
  });

  it("a redelivered custom action re-makes the earlier delivery's start and starts one deferred finding per resource, not all at once", async () => {
    const fake = fakeAws();
    const findings = [sg(1), sg(1), sg(1)];
    findings.forEach((f, k) => {
      const control = ['EC2.13', 'EC2.14', 'EC2.53'][k];
      f.Id = `${f.Id.replace('EC2.13', control)}-${k}`;
      f.GeneratorId = `security-control/${control}`;
      f.Compliance.SecurityControlId = control;
    });
    const cfg = parseConfig({ mode: { controls: { 'EC2.13': 'auto', 'EC2.14': 'auto', 'EC2.53': 'auto' } } });
    const event = customActionEvent(findings);
    const [first] = await handleEvents([{ id: 'm-1', body: event, redelivered: false }], depsFor(fake, { config: cfg, catalog }));
    expect(first.result.outcomes.map((o) => o.outcome)).to.deep.equal(['started', 'deferred', 'deferred']);
    fake.findings = findings.map((f, k) =>
      k === 0 ? { ...f, UserDefinedFields: { 'hubfix:status': 'SUCCEEDED', 'hubfix:lastAttempt': new Date(NOW).toISOString() } } : f,
    );
    const [second] = await handleEvents(
      [{ id: 'm-1', body: event, redelivered: true }],
      depsFor(fake, { config: cfg, catalog, now: () => NOW + 60_000 }),
    );
    expect(second.result.outcomes.map((o) => o.outcome)).to.deep.equal(['started', 'started', 'deferred']);
    expect(fake.started).to.have.length(2);
  });

  it('runs of one runbook on one resource are not held back (the runbook makes them agree), nor are account-level resources', async () => {
    const fake = fakeAws();
    const a = sg(1);
    const b = underControl(a, 'EC2.13', 'EC2.14');
    const cfg = parseConfig({ mode: { controls: { 'EC2.13': 'auto', 'EC2.14': 'auto' } } });
    const results = await handleEvents(oneEventPerFinding([a, b]), depsFor(fake, { config: cfg }));
    expect(results.map((r) => r.result.outcomes[0].outcome)).to.deep.equal(['started', 'started']);
  });
});
