import { expect } from 'chai';
import type * as sinon from 'sinon';
import { AwsServiceError } from '../../src/aws/invoker';
import { compileAll } from '../../src/compiler';
import { finalize, finalizeHandler } from '../../src/finalizer/handler';
import { NOTE_MAX } from '../../src/finalizer/note';
import { notificationProblems } from '../../src/notify/schema';
import {
  ACCOUNT,
  APPLY_OK,
  callsTo,
  EXEC,
  executionResponse,
  existingFinding,
  FINDING_ID,
  finalizeInput,
  GATE,
  operations,
  PLAN_REMEDIATE,
  PRODUCT_ARN,
  REGION,
  published,
  stubContext,
  TOPIC_ARN,
  type UpdateRequest,
  VERIFY_OK,
} from './fixtures';

function passwordPolicy() {
  const c = compileAll().find((r) => r.name === 'Hubfix-IAM-PasswordPolicy');
  if (!c) throw new Error('the password policy runbook is not compiled');
  return c;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function expectValidMessages(aws: sinon.SinonStub): Array<Record<string, unknown>> {
  const messages = published(aws);
  for (const m of messages) expect(notificationProblems(m), JSON.stringify(m)).to.deep.equal([]);
  for (const c of callsTo(aws, 'sns', 'Publish')) {
    const subject = String(c.Subject);
    expect(subject.length).to.be.below(100);
    expect(subject).to.match(/^[\x20-\x7e]+$/);
  }
  return messages;
}

function updateOf(aws: sinon.SinonStub): UpdateRequest {
  const updates = callsTo(aws, 'securityhub', 'BatchUpdateFindings');
  expect(updates).to.have.length(1);
  return updates[0] as unknown as UpdateRequest;
}

describe('finalizer', () => {
  it('marks a verified fix RESOLVED, carries the attempt count and notifies SUCCEEDED', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding('2024-04-30T09:00Z STARTED exec older-run: started', {
        'hubfix:attempts': '2',
        'hubfix:lastAttempt': '2024-05-01T12:30:00Z',
        'team:owner': 'platform',
      }),
      'securityhub:BatchUpdateFindings': { ProcessedFindings: [{ Id: FINDING_ID, ProductArn: PRODUCT_ARN }], UnprocessedFindings: [] },
      'sns:Publish': { MessageId: 'm-1' },
    });
    const out = await finalize(finalizeInput(), ctx);

    expect(out).to.include({
      Status: 'SUCCEEDED',
      Verified: true,
      Workflow: 'RESOLVED',
      FindingUpdate: 'updated',
      Notification: 'published m-1',
    });
    expect(callsTo(aws, 'ssm', 'GetAutomationExecution')[0]).to.deep.equal({ AutomationExecutionId: EXEC });
    expect(callsTo(aws, 'securityhub', 'GetFindings')[0]).to.deep.equal({
      Filters: { Id: [{ Value: FINDING_ID, Comparison: 'EQUALS' }], ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }] },
      MaxResults: 1,
    });
    const u = updateOf(aws);
    expect(u.FindingIdentifiers).to.deep.equal([{ Id: FINDING_ID, ProductArn: PRODUCT_ARN }]);
    expect(u.Workflow).to.deep.equal({ Status: 'RESOLVED' });
    expect(u.Note.UpdatedBy).to.equal('Hubfix-IAM-PasswordPolicy');
    expect(u.Note.Text).to.match(new RegExp(`^2024-05-01T12:34Z SUCCEEDED exec ${EXEC}: verified; changed: MinimumPasswordLength 8 → 14`));
    expect(u.Note.Text).to.contain(' || 2024-04-30T09:00Z STARTED exec older-run');
    expect(u.UserDefinedFields).to.deep.equal({
      'hubfix:attempts': '2',
      'hubfix:lastAttempt': '2024-05-01T12:30:00Z',
      'team:owner': 'platform',
      'hubfix:status': 'SUCCEEDED',
      'hubfix:execution': EXEC,
      'hubfix:updatedAt': '2024-05-01T12:34:56.000Z',
    });

    const [m] = expectValidMessages(aws);
    expect(m).to.include({
      status: 'SUCCEEDED',
      verified: true,
      control: 'IAM.15',
      account: '111122223333',
      region: 'us-east-1',
      executionId: EXEC,
    });
    expect(m.finding).to.deep.include({ id: FINDING_ID, workflow: 'RESOLVED' });
    expect((m.finding as { consoleLink: string }).consoleLink).to.equal(
      `https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A${encodeURIComponent(FINDING_ID)}`,
    );
    expect(m.before).to.deep.equal({ MinimumPasswordLength: 8, RequireSymbols: false });
    expect(m.after).to.deep.equal({ MinimumPasswordLength: 14, RequireSymbols: true });
    expect(m.resource).to.deep.equal({ type: null, id: 'AWS::::Account:111122223333', parameters: {} });
    expect(callsTo(aws, 'sns', 'Publish')[0].TopicArn).to.equal(TOPIC_ARN);
  });

  it('resolves an already compliant resource once verify confirms it', async () => {
    const plan = {
      ...PLAN_REMEDIATE,
      outputs: { Decision: 'compliant', Before: '{}', Summary: 'password policy already meets the targets' },
    };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([plan, GATE, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': { MessageId: 'm' },
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out).to.include({ Status: 'SUCCEEDED', Workflow: 'RESOLVED' });
    expect(updateOf(aws).Note.Text).to.contain('already compliant, nothing changed');
    expectValidMessages(aws);
  });

  it('leaves a fix that does not verify NOTIFIED, with the reason in note and message', async () => {
    const verify = {
      name: 'Verify',
      status: 'Success',
      outputs: { Verified: 'False', After: '{"MinimumPasswordLength":8}', Unmet: 'MinimumPasswordLength < 14' },
    };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, verify]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': { MessageId: 'm' },
    });
    const input = finalizeInput();
    input.facts.reason = 'Verify.Unmet';
    const out = await finalize(input, ctx);

    expect(out).to.include({ Status: 'NOT_VERIFIED', Verified: false, Workflow: 'NOTIFIED' });
    const u = updateOf(aws);
    expect(u.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    expect(u.Note.Text).to.contain('NOT_VERIFIED').and.contain('not verified: MinimumPasswordLength < 14');
    const [m] = expectValidMessages(aws);
    expect(m).to.include({ status: 'NOT_VERIFIED', verified: false, reason: 'MinimumPasswordLength < 14' });
    expect(m.after).to.deep.equal({ MinimumPasswordLength: 8 });
  });

  it('gives a generic reason when the runbook names no reason output', async () => {
    const verify = { name: 'Verify', status: 'Success', outputs: { Verified: 'false', After: '{}' } };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, verify]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out.Status).to.equal('NOT_VERIFIED');
    expect(updateOf(aws).Note.Text).to.contain('verify found the resource still not compliant');
  });

  it('records a failed step by name with its message, control characters stripped, and never resolves', async () => {
    const apply = {
      name: 'Apply',
      status: 'Failed',
      failure: 'AccessDenied:\u0007 not authorized\n\tto perform\u0000 iam:UpdateAccountPasswordPolicy\u009b',
    };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, apply], 'InProgress'),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);

    expect(out).to.include({ Status: 'FAILED', Verified: false, Workflow: 'NOTIFIED' });
    const u = updateOf(aws);
    expect(u.Workflow.Status).to.equal('NOTIFIED');
    expect(u.Note.Text).to.contain('step Apply failed: AccessDenied: not authorized to perform iam:UpdateAccountPasswordPolicy');
    expect(u.Note.Text).not.to.match(CONTROL_CHARS);
    expect(u.UserDefinedFields['hubfix:status']).to.equal('FAILED');
    const [m] = expectValidMessages(aws);
    expect(m.failure).to.deep.equal({ step: 'Apply', message: 'AccessDenied: not authorized to perform iam:UpdateAccountPasswordPolicy' });
    expect(String(m.summary)).not.to.match(CONTROL_CHARS);
  });

  it('in a dry run says what would change in note and message, makes no other call, and never resolves', async () => {
    // even a verify output left over would not resolve a dry run
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput({ dryRun: 'true' as unknown as boolean }), ctx);

    expect(out).to.include({ Status: 'DRY_RUN', Verified: false, Workflow: 'NOTIFIED' });
    expect(operations(aws)).to.deep.equal([
      'ssm:GetAutomationExecution',
      'securityhub:GetFindings',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
    ]);
    const u = updateOf(aws);
    expect(u.Workflow.Status).to.equal('NOTIFIED');
    expect(u.Note.Text).to.contain('DRY_RUN').and.contain('would: password policy: MinimumPasswordLength 8 → 14');
    const [m] = expectValidMessages(aws);
    expect(m.status).to.equal('DRY_RUN');
    expect(String(m.changed)).to.contain('would: password policy: MinimumPasswordLength 8 → 14');
    expect(String(m.summary)).to.contain('nothing changed');
  });

  it('reports a skip as NOT_VERIFIED with the plan’s reason', async () => {
    const plan = {
      ...PLAN_REMEDIATE,
      outputs: { Decision: 'skip', Before: '{}', Summary: 'the group is the default group of a deleted VPC' },
    };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([plan, GATE]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out).to.include({ Status: 'NOT_VERIFIED', Workflow: 'NOTIFIED' });
    expect(expectValidMessages(aws)[0].reason).to.equal('the group is the default group of a deleted VPC');
  });

  it('for an operator run without a finding skips Security Hub and still notifies', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'sns:Publish': { MessageId: 'm-2' },
    });
    const out = await finalize(finalizeInput({ findingId: '', productArn: '' }), ctx);
    expect(out).to.include({ Status: 'SUCCEEDED', Workflow: 'NONE', Notification: 'published m-2' });
    expect(out.FindingUpdate).to.match(/^skipped/);
    expect(operations(aws)).to.deep.equal(['ssm:GetAutomationExecution', 'sns:Publish']);
    const [m] = expectValidMessages(aws);
    expect(m.finding).to.equal(null);
    expect(m.control).to.equal(null);
  });

  it('keeps the note audit trail within 512 characters across three runs, newest entry complete', async () => {
    let stored: { note?: string; fields: Record<string, string> } = { fields: { 'hubfix:attempts': '1' } };
    const runs = ['aaaaaaaa-0000-0000-0000-000000000001', 'bbbbbbbb-0000-0000-0000-000000000002', 'cccccccc-0000-0000-0000-000000000003'];
    const notes: string[] = [];
    for (const [i, id] of runs.entries()) {
      const apply = { ...APPLY_OK, outputs: { Changed: `run ${i + 1}: ${'setting changed; '.repeat(8)}` } };
      const { ctx } = stubContext(
        {
          'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, apply, VERIFY_OK]),
          'securityhub:GetFindings': () => existingFinding(stored.note, stored.fields),
          'securityhub:BatchUpdateFindings': (input) => {
            const req = input as { Note: { Text: string }; UserDefinedFields: Record<string, string> };
            stored = { note: req.Note.Text, fields: req.UserDefinedFields };
            return { UnprocessedFindings: [] };
          },
          'sns:Publish': {},
        },
        { executionId: id, now: () => new Date(Date.UTC(2024, 4, 1 + i, 8, 0)) },
      );
      await finalize(finalizeInput({ executionId: id }), ctx);
      notes.push(stored.note ?? '');
    }
    for (const n of notes) expect(n.length).to.be.at.most(NOTE_MAX);
    const last = notes[2];
    expect(last.startsWith(`2024-05-03T08:00Z SUCCEEDED exec ${runs[2]}: verified; changed: run 3:`)).to.equal(true);
    // the newest entry is whole: its text ends as the run wrote it, not cut
    expect(last.split(' || ')[0]).to.match(/setting changed;$/);
    // every entry kept still has its execution id; older ones dropped whole, newest first
    for (const entry of last.split(' || ')) expect(entry).to.match(/ exec [0-9a-f-]{36}: /);
    // two entries fit, the third (oldest) does not: newest first
    expect(last.split(' || ').map((e) => / exec ([0-9a-f-]{36}):/.exec(e)?.[1])).to.deep.equal([runs[2], runs[1]]);
    expect(notes[1].split(' || ')).to.have.length(2);
    expect(stored.fields['hubfix:attempts']).to.equal('1');
  });

  it('cuts an oversized newest entry to fit 512 characters, keeping time, outcome and execution id', async () => {
    const apply = { ...APPLY_OK, outputs: { Changed: 'x'.repeat(3000) } };
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, apply, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding('2024-01-01T00:00Z FAILED exec old: something'),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    const text = updateOf(aws).Note.Text as string;
    expect(text.length).to.be.at.most(NOTE_MAX);
    expect(text).to.match(new RegExp(`^2024-05-01T12:34Z SUCCEEDED exec ${EXEC}: `));
    expect(text.endsWith('…')).to.equal(true);
    expect(out.Status).to.equal('SUCCEEDED');
    expectValidMessages(aws);
  });

  it('completes when the topic does not exist, recording the failure and keeping the outcome', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': new AwsServiceError('NotFound', 'Topic does not exist'),
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out).to.include({ Status: 'SUCCEEDED', Workflow: 'RESOLVED', FindingUpdate: 'updated' });
    expect(out.Notification).to.equal('failed: NotFound: Topic does not exist');
    expectValidMessages(aws);
  });

  it('completes when Security Hub reports the finding unprocessed, and says so in output and message', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': {
        ProcessedFindings: [],
        UnprocessedFindings: [
          { FindingIdentifier: { Id: FINDING_ID, ProductArn: PRODUCT_ARN }, ErrorCode: 'FindingNotFound', ErrorMessage: 'not found' },
        ],
      },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out.Status).to.equal('SUCCEEDED');
    expect(out.FindingUpdate).to.equal('unprocessed: FindingNotFound (not found)');
    const [m] = expectValidMessages(aws);
    expect(m.findingUpdate).to.equal('unprocessed: FindingNotFound (not found)');
  });

  it("resolves only its own run's finding: another control's finding gets nothing, and the output says why", async () => {
    const other = existingFinding();
    Object.assign(other.Findings[0], {
      GeneratorId: 'security-control/CloudTrail.4',
      Compliance: { Status: 'FAILED', SecurityControlId: 'CloudTrail.4' },
    });
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': other,
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(callsTo(aws, 'securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(out.FindingUpdate).to.equal(
      "skipped: not this run's finding: the finding is about CloudTrail.4, which Hubfix-IAM-PasswordPolicy does not serve",
    );
  });

  it("resolves only its own run's finding: another account's finding gets nothing", async () => {
    const them = '444455556666';
    const other = existingFinding();
    Object.assign(other.Findings[0], {
      Id: FINDING_ID.replace(ACCOUNT, them),
      AwsAccountId: them,
      Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${them}`, Partition: 'aws', Region: REGION }],
    });
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': other,
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput({ findingId: FINDING_ID.replace(ACCOUNT, them) }), ctx);
    expect(callsTo(aws, 'securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(out.FindingUpdate).to.match(
      /^skipped: not this run's finding: the finding belongs to account 444455556666, the run to 111122223333/,
    );
  });

  it("takes the finding, the topic and dry run from the execution's parameters, not the step's payload", async () => {
    const response = executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]);
    Object.assign(response.AutomationExecution as object, {
      Parameters: { FindingId: [FINDING_ID], FindingProductArn: [PRODUCT_ARN], NotificationTopicArn: [''], DryRun: ['false'] },
    });
    const { ctx, aws } = stubContext({
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
    });
    const claimed = finalizeInput({ findingId: FINDING_ID.replace('000000000001', '0000000000ff'), topicArn: `${TOPIC_ARN}-evil` });
    const out = await finalize(claimed, {
      ...ctx,
      execution: { document: 'Hubfix-IAM-PasswordPolicy', parameters: {}, step: 'Finalize', record: response },
    });
    expect(operations(aws)).to.deep.equal(['securityhub:GetFindings', 'securityhub:BatchUpdateFindings']);
    expect(updateOf(aws).FindingIdentifiers).to.deep.equal([{ Id: FINDING_ID, ProductArn: PRODUCT_ARN }]);
    expect(out.Notification).to.equal('skipped: no topic');
  });

  it('never writes blind when the finding cannot be read: the step fails before any write or message', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': new AwsServiceError('ThrottlingException', 'slow down'),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    let error: Error | undefined;
    await finalize(finalizeInput(), ctx).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/could not be read .*ThrottlingException.*nothing was written/);
    expect(operations(aws)).to.deep.equal(['ssm:GetAutomationExecution', 'securityhub:GetFindings']);
  });

  it('fails the step, so SSM tries it again and the automation ends Failed, when BatchUpdateFindings fails', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': new AwsServiceError('InternalServerError', 'bad\ninput'),
      'sns:Publish': {},
    });
    let error: Error | undefined;
    await finalize(finalizeInput(), ctx).catch((e: Error) => (error = e));
    expect(error?.name).to.equal('RecordFailedError');
    expect(error?.message).to.equal('writing the finding failed: InternalServerError: bad input');
    expect(callsTo(aws, 'sns', 'Publish')).to.have.length(0);
  });

  it('tries a finding Security Hub left unprocessed for a passing reason again', async () => {
    let n = 0;
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': () =>
        ++n === 1
          ? { UnprocessedFindings: [{ FindingIdentifier: { Id: FINDING_ID }, ErrorCode: 'ConcurrentUpdateError', ErrorMessage: 'busy' }] }
          : { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out.FindingUpdate).to.equal('updated');
    expect(callsTo(aws, 'securityhub', 'BatchUpdateFindings')).to.have.length(2);
  });

  it('reports FAILED, never RESOLVED, when its own execution cannot be read', async () => {
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': new AwsServiceError('AccessDeniedException', 'no ssm'),
      'securityhub:GetFindings': existingFinding(),
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
      'sns:Publish': {},
    });
    const out = await finalize(finalizeInput(), ctx);
    expect(out).to.include({ Status: 'FAILED', Verified: false, Workflow: 'NOTIFIED' });
    expect(updateOf(aws).Note.Text).to.contain(`could not read execution ${EXEC}`);
    expectValidMessages(aws);
  });

  it('declares the permissions it uses, GetFindings included', () => {
    const actions = finalizeHandler.permissions.map((p) => p.action);
    expect(actions).to.include.members([
      'ssm:GetAutomationExecution',
      'securityhub:GetFindings',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
    ]);
    const policy = passwordPolicy().policy;
    expect(policy.Statement.flatMap((s) => s.Action)).to.include('securityhub:GetFindings');
  });

  it('is reached from every step of a compiled runbook on failure, and those steps stay critical (automation Failed)', () => {
    const doc = passwordPolicy().document;
    for (const step of doc.mainSteps.filter((s) => s.name !== 'Finalize')) {
      expect(step.onFailure, step.name).to.equal('step:Finalize');
      expect(step.isCritical, step.name).not.to.equal(false);
    }
    const fin = doc.mainSteps.find((s) => s.name === 'Finalize');
    expect(fin?.outputs?.map((o) => o.Name)).to.include.members([
      'Status',
      'Verified',
      'Workflow',
      'Summary',
      'FindingUpdate',
      'Notification',
    ]);
  });
});

describe('finalizer: Regions', () => {
  it('publishes to a topic in another Region through that Region', async () => {
    const topic = TOPIC_ARN.replace(/^arn:aws:sns:[a-z0-9-]+:/, 'arn:aws:sns:ap-southeast-2:');
    const { ctx, aws } = stubContext({
      'ssm:GetAutomationExecution': executionResponse([PLAN_REMEDIATE, GATE, APPLY_OK, VERIFY_OK]),
      'sns:Publish': { MessageId: 'm-9' },
    });
    const out = await finalize(finalizeInput({ findingId: '', productArn: '', topicArn: topic }), ctx);
    expect(out.Notification).to.equal('published m-9');
    const publish = aws.getCalls().find((c) => c.args[1] === 'Publish');
    expect(publish?.args[3]).to.deep.equal({ region: 'ap-southeast-2' });
  });
});
