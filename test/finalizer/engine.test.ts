import { expect } from 'chai';
import { type MockEntry, MockInvoker } from '../../src/aws/mock-invoker';
import { compileAll } from '../../src/compiler';
import { VirtualClock } from '../../src/engine/clock';
import { type AutomationResult, runAutomation } from '../../src/engine/engine';
import { notificationProblems } from '../../src/notify/schema';
import { ACCOUNT, asffFinding, FINDING_ID, PRODUCT_ARN, TOPIC_ARN, type UpdateRequest } from './fixtures';

/**
 * The finalizer inside the real compiled runbook, run by the local engine: the engine answers the
 * finalizer's GetAutomationExecution itself, so this pins the output shapes end to end.
 */

const ROLE = `arn:aws:iam::${ACCOUNT}:role/hubfix-Hubfix-IAM-PasswordPolicy`;
const WEAK = { MinimumPasswordLength: 8, RequireSymbols: false, RequireNumbers: true, ExpirePasswords: false };
const STRONG = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: false,
  MaxPasswordAge: 90,
  PasswordReusePrevention: 24,
  HardExpiry: false,
};

function recordMocks(): MockEntry[] {
  return [
    {
      service: 'securityhub',
      operation: 'GetFindings',
      output: { Findings: [{ ...asffFinding(), UserDefinedFields: { 'hubfix:attempts': '1' } }] },
    },
    { service: 'securityhub', operation: 'BatchUpdateFindings', output: { ProcessedFindings: [], UnprocessedFindings: [] } },
    { service: 'sns', operation: 'Publish', output: { MessageId: 'msg-1' } },
  ];
}

async function runPasswordPolicy(
  mocks: MockEntry[],
  params: Record<string, unknown> = {},
): Promise<{ result: AutomationResult; invoker: MockInvoker }> {
  const compiled = compileAll().find((c) => c.name === 'Hubfix-IAM-PasswordPolicy');
  if (!compiled) throw new Error('password policy runbook not compiled');
  const invoker = new MockInvoker({ mocks });
  const result = await runAutomation(
    { name: compiled.name, document: compiled.document, policy: compiled.policy, handlers: compiled.handlers },
    { AutomationAssumeRole: ROLE, FindingId: FINDING_ID, FindingProductArn: PRODUCT_ARN, NotificationTopicArn: TOPIC_ARN, ...params },
    { invoker, region: 'us-east-1', clock: new VirtualClock() },
  );
  return { result, invoker };
}

function callInputs(invoker: MockInvoker, service: string, operation: string): Record<string, unknown>[] {
  return invoker.calls.filter((c) => c.service === service && c.operation === operation).map((c) => c.input);
}

function finalizeOutputs(result: AutomationResult): Record<string, string[]> {
  const step = result.record.StepExecutions.find((s) => s.StepName === 'Finalize');
  if (!step) throw new Error(`Finalize did not run: ${result.record.StepExecutions.map((s) => s.StepName).join(', ')}`);
  return step.Outputs as Record<string, string[]>;
}

describe('finalizer in the local engine (password policy runbook)', () => {
  it('fixes, verifies, resolves the finding and publishes a valid message', async () => {
    const { result, invoker } = await runPasswordPolicy([
      { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: WEAK }, times: 2 },
      { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: STRONG } },
      { service: 'iam', operation: 'UpdateAccountPasswordPolicy', output: {} },
      ...recordMocks(),
    ]);
    expect(result.status).to.equal('Success');
    const out = finalizeOutputs(result);
    expect(out.Status).to.deep.equal(['SUCCEEDED']);
    expect(out.Workflow).to.deep.equal(['RESOLVED']);
    const [update] = callInputs(invoker, 'securityhub', 'BatchUpdateFindings') as unknown as UpdateRequest[];
    expect(update.Workflow.Status).to.equal('RESOLVED');
    expect(update.Note.Text).to.match(new RegExp(`SUCCEEDED exec ${result.executionId}: verified; changed: MinimumPasswordLength 8 → 14`));
    expect(update.UserDefinedFields).to.include({
      'hubfix:attempts': '1',
      'hubfix:status': 'SUCCEEDED',
      'hubfix:execution': result.executionId,
    });
    const message = JSON.parse(String(callInputs(invoker, 'sns', 'Publish')[0].Message));
    expect(notificationProblems(message)).to.deep.equal([]);
    expect(message.before).to.include({ MinimumPasswordLength: 8 });
    expect(message.after).to.include({ MinimumPasswordLength: 14 });
  });

  it('on a failed remediation records the failure, leaves the finding NOTIFIED and the automation Failed', async () => {
    const { result, invoker } = await runPasswordPolicy([
      { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: WEAK } },
      {
        service: 'iam',
        operation: 'UpdateAccountPasswordPolicy',
        error: { name: 'AccessDenied', message: 'User is not authorized to perform iam:UpdateAccountPasswordPolicy' },
      },
      ...recordMocks(),
    ]);
    expect(result.status).to.equal('Failed');
    expect(finalizeOutputs(result).Status).to.deep.equal(['FAILED']);
    const [update] = callInputs(invoker, 'securityhub', 'BatchUpdateFindings') as unknown as UpdateRequest[];
    expect(update.Workflow.Status).to.equal('NOTIFIED');
    expect(update.Note.Text).to.contain('step Apply failed:').and.contain('not authorized');
    const message = JSON.parse(String(callInputs(invoker, 'sns', 'Publish')[0].Message));
    expect(notificationProblems(message)).to.deep.equal([]);
    expect(message.failure.step).to.equal('Apply');
  });

  it('in a dry run changes nothing and says what would change', async () => {
    const { result, invoker } = await runPasswordPolicy(
      [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: WEAK } }, ...recordMocks()],
      { DryRun: true },
    );
    expect(result.status).to.equal('Success');
    expect(invoker.calls.filter((c) => c.service === 'iam' && c.operation !== 'GetAccountPasswordPolicy')).to.deep.equal([]);
    expect(finalizeOutputs(result).Status).to.deep.equal(['DRY_RUN']);
    const [update] = callInputs(invoker, 'securityhub', 'BatchUpdateFindings') as unknown as UpdateRequest[];
    expect(update.Workflow.Status).to.equal('NOTIFIED');
    expect(update.Note.Text).to.contain('would: password policy:');
  });

  it('without a finding only notifies', async () => {
    const { result, invoker } = await runPasswordPolicy(
      [
        { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: STRONG } },
        { service: 'sns', operation: 'Publish', output: { MessageId: 'm' } },
      ],
      { FindingId: '', FindingProductArn: '' },
    );
    expect(result.status).to.equal('Success');
    expect(invoker.calls.filter((c) => c.service === 'securityhub')).to.deep.equal([]);
    expect(finalizeOutputs(result).Status).to.deep.equal(['SUCCEEDED']);
    expect(finalizeOutputs(result).Workflow).to.deep.equal(['NONE']);
  });
});
