import * as path from 'node:path';
import { expect } from 'chai';
import * as sinon from 'sinon';
import { MockInvoker, loadMockTable } from '../../src/aws/mock-invoker';
import { UsageError } from '../../src/cli/errors';
import { main } from '../../src/cli/main';
import { simulate } from '../../src/cli/simulate';
import { notificationProblems } from '../../src/notify/schema';
import { InMemorySecurityHub } from '../../src/simulate/standins';

const FIX = path.join(__dirname, 'fixtures');
const EVENT = path.join(FIX, 'password-policy-event.json');
const MOCKS = path.join(FIX, 'password-policy-mocks.yaml');
const CONFIG = path.join(FIX, 'config.yaml');
const NOW = Date.parse('2024-05-01T12:01:00Z');
const FINDING_ID = 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.15/finding/6c0f4c7e-2b8a-4f1c-9d3e-000000000001';

type Req = { Note: { Text: string; UpdatedBy: string }; Workflow?: { Status: string }; UserDefinedFields: Record<string, string> };

describe('hubfix simulate', () => {
  it('on a password-policy finding shows the decision, the run, the RESOLVED update and the message', async () => {
    const invoker = new MockInvoker(loadMockTable(MOCKS));
    const r = await simulate(EVENT, { config: CONFIG, mock: MOCKS }, { invoker, now: NOW });

    expect(r.decisions.map((d) => [d.decision, d.reason, d.control, d.document])).to.deep.equal([
      ['start', 'MODE_AUTO', 'IAM.15', 'Hubfix-IAM-PasswordPolicy'],
    ]);
    expect(r.executions).to.have.length(1);
    const exec = r.executions[0];
    expect(exec.status).to.equal('Success');
    expect(exec.record.StepExecutions.map((s) => s.StepName)).to.deep.equal(['Plan', 'Gate', 'Apply', 'Verify', 'Finalize']);
    expect(invoker.calls.filter((c) => c.operation === 'UpdateAccountPasswordPolicy')).to.have.length(1);

    // the orchestrator's record of the start comes first, then the finalizer's verified outcome
    expect(r.findingUpdates.map((u) => [u.by, (u.request as unknown as Req).Workflow?.Status])).to.deep.equal([
      ['hubfix', 'NOTIFIED'],
      ['Hubfix-IAM-PasswordPolicy', 'RESOLVED'],
    ]);
    const resolved = r.findingUpdates[1].request as unknown as Req;
    expect(resolved.Note.Text).to.match(/^2024-05-01T12:01Z SUCCEEDED exec \S+: verified; changed: MinimumPasswordLength 8 → 14/);
    expect(resolved.Note.Text).to.match(/ \|\| 2024-05-01T12:01Z STARTED exec pending: /);
    expect(resolved.Note.Text.length).to.be.at.most(512);
    expect(resolved.UserDefinedFields).to.include({ 'hubfix:status': 'SUCCEEDED', 'hubfix:attempts': '1' });

    expect(r.notifications).to.have.length(1);
    const n = r.notifications[0];
    expect(n.topicArn).to.equal('arn:aws:sns:us-east-1:111122223333:hubfix-outcomes');
    expect(n.subject).to.equal('hubfix SUCCEEDED: IAM.15 in account 111122223333 us-east-1');
    expect(notificationProblems(n.message)).to.deep.equal([]);
    expect(n.message).to.deep.include({ status: 'SUCCEEDED', verified: true, control: 'IAM.15' });
    // the publish went on to the mock table, which answered it
    const fin = exec.record.StepExecutions.find((s) => s.StepName === 'Finalize');
    expect(fin?.Outputs?.Notification).to.deep.equal(['published 7d0c5b4a-0000-4000-8000-000000000001']);
  });

  it('with the default (dry-run) mode changes nothing and never resolves', async () => {
    const invoker = new MockInvoker(loadMockTable(MOCKS));
    const r = await simulate(EVENT, { mock: MOCKS }, { invoker, now: NOW });
    expect(r.decisions[0].reason).to.equal('MODE_DRY_RUN');
    expect(invoker.calls.filter((c) => c.operation === 'UpdateAccountPasswordPolicy')).to.deep.equal([]);
    expect(r.findingUpdates.map((u) => (u.request as unknown as Req).Workflow?.Status)).to.deep.equal(['NOTIFIED', 'NOTIFIED']);
    expect((r.findingUpdates[1].request as unknown as Req).Note.Text).to.match(
      /DRY_RUN exec \S+: dry run, nothing changed; would: password policy/,
    );
  });

  it('--json prints decisions, executions, findingUpdates and notifications', async () => {
    const write = sinon.stub(process.stdout, 'write').returns(true);
    let code: number;
    try {
      code = await main(['node', 'hubfix', 'simulate', EVENT, '--mock', MOCKS, '--config', CONFIG, '--json']);
    } finally {
      write.restore();
    }
    expect(code).to.equal(0);
    const out = JSON.parse(
      write
        .getCalls()
        .map((c) => String(c.args[0]))
        .join(''),
    );
    expect(Object.keys(out)).to.deep.equal(['decisions', 'executions', 'findingUpdates', 'notifications']);
    expect(out.executions[0].AutomationExecutionStatus).to.equal('Success');
    expect(out.findingUpdates).to.have.length(2);
    expect(out.notifications[0].message.status).to.equal('SUCCEEDED');
  });

  it('refuses, in one line, a missing mock/endpoint, both, an unreadable event and a non-Security Hub event', async () => {
    await expectUsage(simulate(EVENT, {}), /--mock FILE .* or --endpoint URL/);
    await expectUsage(simulate(EVENT, { mock: MOCKS, endpoint: 'http://127.0.0.1:5000' }), /not both/);
    await expectUsage(simulate(path.join(FIX, 'nope.json'), { mock: MOCKS }), /cannot read: ENOENT/);
    await expectUsage(simulate(MOCKS, { mock: MOCKS }), /not JSON/);
    await expectUsage(
      simulate(path.join(FIX, 'not-an-event.json'), { mock: MOCKS }),
      /not-an-event\.json: the event is not a Security Hub event/,
    );
  });

  it('the Security Hub stand-in answers GetFindings for the event’s findings and reports others unprocessed', () => {
    const hub = new InMemorySecurityHub([{ Id: FINDING_ID, Note: { Text: 'x' } }], () => NOW);
    const got = hub.answer({
      service: 'securityhub',
      operation: 'GetFindings',
      input: { Filters: { Id: [{ Value: FINDING_ID, Comparison: 'EQUALS' }] } },
      region: 'us-east-1',
    });
    expect(got).to.deep.equal({ Findings: [{ Id: FINDING_ID, Note: { Text: 'x' } }] });
    expect(
      hub.answer({
        service: 'securityhub',
        operation: 'GetFindings',
        input: { Filters: { Id: [{ Value: 'other', Comparison: 'EQUALS' }] } },
        region: 'us-east-1',
      }),
    ).to.equal(undefined);
    const out = hub.answer({
      service: 'securityhub',
      operation: 'BatchUpdateFindings',
      input: { FindingIdentifiers: [{ Id: 'other', ProductArn: 'p' }], Note: { Text: 'n', UpdatedBy: 'hubfix' } },
      region: 'us-east-1',
    });
    expect(out?.UnprocessedFindings).to.deep.equal([
      {
        FindingIdentifier: { Id: 'other', ProductArn: 'p' },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'not a finding of the simulated event',
      },
    ]);
    expect(hub.updates).to.have.length(1);
  });

  it('the Security Hub stand-in applies updates and filters by the emulator stand-in’s rules', () => {
    const hub = new InMemorySecurityHub([{ Id: FINDING_ID, ProductArn: 'p' }], () => NOW);
    const call = (operation: string, input: Record<string, unknown>) =>
      hub.answer({ service: 'securityhub', operation, input, region: 'us-east-1' });
    call('BatchUpdateFindings', {
      FindingIdentifiers: [{ Id: FINDING_ID, ProductArn: 'p' }],
      Note: { Text: 'n', UpdatedBy: 'hubfix' },
      Workflow: { Status: 'NOTIFIED' },
    });
    const got = call('GetFindings', { Filters: { Id: [{ Value: FINDING_ID, Comparison: 'EQUALS' }] } });
    expect(got?.Findings).to.deep.equal([
      {
        Id: FINDING_ID,
        ProductArn: 'p',
        Note: { Text: 'n', UpdatedBy: 'hubfix', UpdatedAt: new Date(NOW).toISOString() },
        Workflow: { Status: 'NOTIFIED' },
        WorkflowState: 'ASSIGNED',
      },
    ]);
    const other = call('GetFindings', {
      Filters: { Id: [{ Value: FINDING_ID, Comparison: 'EQUALS' }], ProductArn: [{ Value: 'q', Comparison: 'EQUALS' }] },
    });
    expect(other?.Findings).to.deep.equal([]);
    expect(() => call('BatchUpdateFindings', { FindingIdentifiers: [{ Id: FINDING_ID }], Workflow: { Status: 'DONE' } })).to.throw(
      /Workflow.Status DONE/,
    );
    expect(() => call('BatchUpdateFindings', { FindingIdentifiers: [], Note: { Text: 'n', UpdatedBy: 'hubfix' } })).to.throw(/1 to 100/);
  });
});

async function expectUsage(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.match(message);
    expect((err as Error).message).not.to.contain('\n');
    return;
  }
  expect.fail('expected a UsageError');
}
