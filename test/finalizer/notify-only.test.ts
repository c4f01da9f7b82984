import { expect } from 'chai';
import * as sinon from 'sinon';
import { type AwsCall, AwsServiceError, type Invoker } from '../../src/aws/invoker';
import { shippedCatalog } from '../../src/compiler';
import { notifyOnly } from '../../src/finalizer/notify-only';
import { notificationProblems } from '../../src/notify/schema';
import { parseConfig } from '../../src/findings/config';
import { decideFinding } from '../../src/findings/decide';
import { ACCOUNT, asffFinding, FINDING_ID, NOW, PRODUCT_ARN, type UpdateRequest } from './fixtures';

function invoker(answers: Record<string, unknown>): { inv: Invoker; call: sinon.SinonStub } {
  const call = sinon.stub().callsFake(async (c: AwsCall) => {
    const a = answers[`${c.service}:${c.operation}`];
    if (a === undefined) throw new AwsServiceError('UnexpectedCall', `${c.service}:${c.operation}`);
    if (a instanceof Error) throw a;
    return a;
  });
  return { inv: { call }, call };
}

const TOPIC = 'arn:aws:sns:eu-central-1:999988887777:sec-alerts';

describe('notify-only path', () => {
  const control = shippedCatalog().controls['IAM.15'];

  it('notes the guidance, sets NOTIFIED and NOTIFY_ONLY, and notifies, without any run', async () => {
    const { inv, call } = invoker({ 'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] }, 'sns:Publish': { MessageId: 'n1' } });
    const r = await notifyOnly(
      inv,
      {
        findingId: FINDING_ID,
        productArn: PRODUCT_ARN,
        account: ACCOUNT,
        region: 'us-east-1',
        note: 'older note',
        fields: { 'hubfix:attempts': '3' },
      },
      control,
      { topicArn: TOPIC, reason: 'mode notify-only', now: () => NOW },
    );
    expect(r).to.include({ status: 'NOTIFY_ONLY', workflow: 'NOTIFIED', findingUpdate: 'updated', notification: 'published n1' });
    const calls = call.getCalls().map((c) => c.args[0] as AwsCall);
    expect(calls.map((c) => `${c.service}:${c.operation}@${c.region}`)).to.deep.equal([
      'securityhub:BatchUpdateFindings@us-east-1',
      'sns:Publish@eu-central-1',
    ]);
    const req = calls[0].input as unknown as UpdateRequest;
    expect(req.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    expect(req.Note.UpdatedBy).to.equal('hubfix');
    expect(req.Note.Text).to.match(
      /^2024-05-01T12:34Z NOTIFY_ONLY no run: needs a person \(mode notify-only\): Set the IAM account password policy/,
    );
    expect(req.Note.Text).to.match(/ \|\| older note$/);
    expect(req.UserDefinedFields).to.deep.equal({
      'hubfix:attempts': '3',
      'hubfix:status': 'NOTIFY_ONLY',
      'hubfix:updatedAt': '2024-05-01T12:34:56.000Z',
    });
    const m = JSON.parse(String(calls[1].input.Message));
    expect(notificationProblems(m)).to.deep.equal([]);
    expect(m).to.include({
      status: 'NOTIFY_ONLY',
      executionId: null,
      control: 'IAM.15',
      document: 'Hubfix-IAM-PasswordPolicy',
      verified: false,
    });
    expect(m.guidance).to.contain('minimum length 14');
    expect(m.aliases).to.include('cis-1.2.0:1.9');
  });

  it('reads the finding when the caller did not pass its note and fields', async () => {
    const { inv, call } = invoker({
      'securityhub:GetFindings': { Findings: [{ Id: FINDING_ID, Note: { Text: 'kept' }, UserDefinedFields: { a: 'b' } }] },
      'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] },
    });
    const r = await notifyOnly(inv, { findingId: FINDING_ID, productArn: PRODUCT_ARN, account: ACCOUNT, region: 'us-east-1' }, control, {
      now: () => NOW,
    });
    expect(r.notification).to.equal('skipped: no topic');
    const req = call.getCalls()[1].args[0].input as unknown as UpdateRequest;
    expect(req.Note.Text).to.match(/ \|\| kept$/);
    expect(req.UserDefinedFields).to.deep.equal({ a: 'b', 'hubfix:status': 'NOTIFY_ONLY', 'hubfix:updatedAt': '2024-05-01T12:34:56.000Z' });
  });

  it('completes and records failures of both the update and the publish', async () => {
    const { inv } = invoker({
      'securityhub:BatchUpdateFindings': new AwsServiceError('AccessDeniedException', 'no'),
      'sns:Publish': new AwsServiceError('NotFound', 'Topic does not exist'),
    });
    const r = await notifyOnly(
      inv,
      { findingId: FINDING_ID, productArn: PRODUCT_ARN, account: ACCOUNT, region: 'us-east-1', note: '' },
      control,
      {
        topicArn: TOPIC,
        now: () => NOW,
      },
    );
    expect(r.findingUpdate).to.equal('failed: AccessDeniedException: no');
    expect(r.notification).to.equal('failed: NotFound: Topic does not exist');
    expect(notificationProblems(r.message)).to.deep.equal([]);
  });

  it('takes the orchestrator’s notify decision target as it is', async () => {
    const config = parseConfig({ mode: { controls: { 'IAM.15': 'notify-only' } }, notificationTopicArn: TOPIC });
    const decision = decideFinding(asffFinding({ Note: { Text: 'seen by the SOC', UpdatedBy: 'analyst' } }), {
      catalog: shippedCatalog(),
      config,
      now: NOW.getTime(),
      trigger: { kind: 'imported' },
    });
    expect(decision.decision).to.equal('notify');
    if (!decision.target) throw new Error('a notify decision has a target');
    const { inv, call } = invoker({ 'securityhub:BatchUpdateFindings': { UnprocessedFindings: [] }, 'sns:Publish': { MessageId: 'n2' } });
    const r = await notifyOnly(inv, decision.target, control, {
      topicArn: config.notificationTopicArn,
      reason: decision.reason,
      now: () => NOW,
    });
    expect(call.getCalls().map((c) => (c.args[0] as AwsCall).operation)).to.deep.equal(['BatchUpdateFindings', 'Publish']);
    expect(r.message.resource).to.deep.equal({ type: 'AwsAccount', id: `AWS::::Account:${ACCOUNT}`, parameters: {} });
    expect(r.message.reason).to.equal('MODE_NOTIFY_ONLY');
    expect((r.findingRequest as unknown as UpdateRequest).Note.Text).to.match(/ \|\| seen by the SOC$/);
    expect(notificationProblems(r.message)).to.deep.equal([]);
  });
});
