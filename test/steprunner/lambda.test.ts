import { expect } from 'chai';
import * as sinon from 'sinon';
import type { AwsCall, Invoker } from '../../src/aws/invoker';
import { compileAll } from '../../src/compiler';
import { defineHandler } from '../../src/model/handlers';
import { homeOf, makeStepRunner, stepHandlersOf } from '../../src/steprunner/lambda';

const EXECUTION = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const ACCOUNT = '111111111111';
const DOCUMENT = 'Hubfix-IAM-PasswordPolicy';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/hubfix-IAM-PasswordPolicy`;
const HOME = { account: ACCOUNT, partition: 'aws' };

const whoami = defineHandler<Record<string, never>, { Account: string; Caller: string; Finding: string }>({
  id: 'test.whoami',
  description: 'calls sts as the automation role',
  permissions: [{ action: 'sts:GetCallerIdentity' }],
  outputs: { Account: 'String', Caller: 'String', Finding: 'String' },
  async run(_input, ctx) {
    const id = await ctx.aws<{ Arn: string }>('sts', 'GetCallerIdentity');
    return { Account: ctx.account, Caller: id.Arn, Finding: ctx.execution?.parameters.FindingId?.[0] ?? '' };
  },
});

const OPTIONS = {
  handlers: new Map([[whoami.id, whoami]]),
  steps: new Map([[DOCUMENT, new Map([['Plan', 'test.whoami']])]]),
  roleNames: new Set(['hubfix-IAM-PasswordPolicy', 'hubfix-KMS-KeyRotation']),
};

/** A step execution as GetAutomationExecution gives it: Inputs a map of strings, a map input as its JSON. */
function stepExecution(status: string, payload: Record<string, unknown>, name = 'Plan') {
  return {
    StepName: name,
    Action: 'aws:invokeLambdaFunction',
    StepStatus: status,
    Inputs: { FunctionName: 'hubfix-step-runner', InputPayload: JSON.stringify(payload) },
  };
}

function execution(over: Record<string, unknown> = {}, input: Record<string, unknown> = {}) {
  const id = (over.AutomationExecutionId as string | undefined) ?? EXECUTION;
  return {
    AutomationExecution: {
      AutomationExecutionId: id,
      DocumentName: DOCUMENT,
      AutomationExecutionStatus: 'InProgress',
      CurrentStepName: 'Plan',
      Parameters: { AutomationAssumeRole: [ROLE], FindingId: ['finding-from-ssm'] },
      StepExecutions: [stepExecution('InProgress', { handler: 'test.whoami', roleArn: ROLE, executionId: id, input })],
      ...over,
    },
  };
}

function stubInvoker(record: unknown = execution()): { invoker: Invoker; call: sinon.SinonStub } {
  const call = sinon.stub().callsFake(async (c: AwsCall) => {
    if (c.operation === 'GetAutomationExecution') return record;
    if (c.operation === 'AssumeRole') return { Credentials: { AccessKeyId: 'AK', SecretAccessKey: 'SK', SessionToken: 'ST' } };
    return { Arn: `signed-with-${c.credentials?.accessKeyId}` };
  });
  return { invoker: { call }, call };
}

const EVENT = { handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION, input: {} };

async function refusal(run: (e: unknown, h: typeof HOME) => Promise<unknown>, event: unknown, home = HOME): Promise<string> {
  let error: Error | undefined;
  await run(event, home).catch((e: Error) => (error = e));
  return error?.message ?? '(no error)';
}

describe('step runner Lambda', () => {
  it('confirms the execution with its own role, then assumes the runbook role named after the execution', async () => {
    const { invoker, call } = stubInvoker();
    const run = makeStepRunner(invoker, 'eu-west-1', OPTIONS);
    const out = await run(EVENT, HOME);
    expect(call.firstCall.args[0]).to.deep.include({ service: 'ssm', operation: 'GetAutomationExecution', region: 'eu-west-1' });
    expect(call.firstCall.args[0].credentials).to.equal(undefined);
    expect(call.secondCall.args[0].input).to.deep.equal({ RoleArn: ROLE, RoleSessionName: `hubfix-${EXECUTION}` });
    expect(out).to.deep.equal({ Account: ACCOUNT, Caller: 'signed-with-AK', Finding: 'finding-from-ssm' });
  });

  for (const [what, record, message] of [
    ['an execution that has ended', execution({ AutomationExecutionStatus: 'Success' }), /is Success, not InProgress/],
    ['an execution SSM does not know', { AutomationExecution: {} }, /SSM returned no such execution/],
    [
      'an execution of a document that is not a hubfix runbook',
      execution({ DocumentName: 'Evil-Doc' }),
      /runs Evil-Doc, not a hubfix runbook/,
    ],
    [
      'an execution that runs as another role than the payload says',
      execution({ Parameters: { AutomationAssumeRole: [ROLE.replace('PasswordPolicy', 'Other')] } }),
      /runs as .*hubfix-IAM-Other, not/,
    ],
    [
      'an execution at a step that does not run the handler',
      execution({ CurrentStepName: 'Verify' }),
      /is at step Verify, which does not run test.whoami/,
    ],
  ] as const) {
    it(`refuses ${what}, before assuming any role`, async () => {
      const { invoker, call } = stubInvoker(record);
      const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
      expect(await refusal(run, EVENT)).to.match(message);
      expect(call.callCount).to.equal(1);
    });
  }

  for (const [what, record, event, message] of [
    [
      "a payload whose input differs from the step's resolved input",
      execution({}, { GroupId: 'sg-0aaa' }),
      { ...EVENT, input: { GroupId: 'sg-0bbb' } },
      /step Plan: the payload's input differs from the input SSM resolved for the step/,
    ],
    [
      'a payload adding an input the step did not resolve',
      execution({}, { GroupId: 'sg-0aaa' }),
      { ...EVENT, input: { GroupId: 'sg-0aaa', Bucket: 'other' } },
      /step Plan: the payload's input differs/,
    ],
    [
      'an execution whose current step has no invocation in progress',
      execution({
        StepExecutions: [stepExecution('Success', { handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION, input: {} })],
      }),
      EVENT,
      /step Plan: SSM shows 0 invocations in progress, not 1/,
    ],
    [
      "a step whose resolved payload is another execution's",
      execution({
        StepExecutions: [
          stepExecution('InProgress', { handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION.replace('0b', '9b'), input: {} }),
        ],
      }),
      EVENT,
      /step Plan: SSM resolved no payload for test.whoami in this execution/,
    ],
  ] as const) {
    it(`refuses ${what}, before assuming any role`, async () => {
      const { invoker, call } = stubInvoker(record);
      const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
      const message_ = await refusal(run, event);
      expect(message_).to.match(message);
      expect(message_).to.not.include('\n');
      expect(call.callCount).to.equal(1);
    });
  }

  it("runs the handler on the step's resolved input", async () => {
    const echo = defineHandler<Record<string, unknown>, { Input: string }>({
      id: 'test.echo',
      description: 'returns its input',
      permissions: [],
      outputs: { Input: 'String' },
      async run(input) {
        return { Input: JSON.stringify(input) };
      },
    });
    const resolved = { GroupId: 'sg-0aaa', Ports: [22, 3389] };
    const record = execution({
      StepExecutions: [stepExecution('InProgress', { handler: 'test.echo', roleArn: ROLE, executionId: EXECUTION, input: resolved })],
    });
    const { invoker } = stubInvoker(record);
    const run = makeStepRunner(invoker, 'us-east-1', {
      ...OPTIONS,
      handlers: new Map([[echo.id, echo]]),
      steps: new Map([[DOCUMENT, new Map([['Plan', 'test.echo']])]]),
    });
    // the same value with its keys in another order is the same input
    const out = await run({ ...EVENT, handler: 'test.echo', input: { Ports: [22, 3389], GroupId: 'sg-0aaa' } }, HOME);
    expect(out).to.deep.equal({ Input: JSON.stringify(resolved) });
  });

  it("refuses a runbook role that is not the execution's document's own role", async () => {
    const kms = `arn:aws:iam::${ACCOUNT}:role/hubfix-KMS-KeyRotation`;
    const { invoker, call } = stubInvoker(execution({ Parameters: { AutomationAssumeRole: [kms] } }));
    const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
    expect(await refusal(run, { ...EVENT, roleArn: kms })).to.match(/is not the runbook role of Hubfix-IAM-PasswordPolicy/);
    expect(call.callCount).to.equal(1);
  });

  for (const [what, event, message, home] of [
    ['an unknown handler', { ...EVENT, handler: 'nope.nope' }, /unknown script handler "nope.nope"/, HOME],
    ['a role that is not a role ARN', { ...EVENT, roleArn: 'arn:aws:iam::1:user/x' }, /roleArn must be/, HOME],
    ['a role with a path', { ...EVENT, roleArn: `arn:aws:iam::${ACCOUNT}:role/x/hubfix-IAM-PasswordPolicy` }, /without a path/, HOME],
    [
      'the member role (hubfix- prefix, not a runbook role)',
      { ...EVENT, roleArn: `arn:aws:iam::${ACCOUNT}:role/hubfix-member` },
      /exactly/,
      HOME,
    ],
    ['a role merely starting with hubfix-', { ...EVENT, roleArn: `arn:aws:iam::${ACCOUNT}:role/hubfix-Admin` }, /exactly/, HOME],
    ['a role of another partition', { ...EVENT, roleArn: ROLE.replace('arn:aws:', 'arn:aws-cn:') }, /role of this account/, HOME],
    ['a role of another account', EVENT, /role of this account \(arn:aws:iam::222222222222/, { account: '222222222222', partition: 'aws' }],
    ['an execution id that is not one', { ...EVENT, executionId: '../x' }, /executionId must be/, HOME],
    ['an input that is not an object', { ...EVENT, input: [1] }, /input must be an object/, HOME],
  ] as const) {
    it(`refuses ${what} without calling AWS`, async () => {
      const { invoker, call } = stubInvoker();
      const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
      expect(await refusal(run, event, home)).to.match(message);
      expect(call.called).to.equal(false);
    });
  }

  it("knows each shipped document's script steps and its runbook role by exact name", () => {
    const steps = stepHandlersOf(compileAll());
    expect(steps.get('Hubfix-IAM-PasswordPolicy')?.get('Finalize')).to.equal('hubfix.finalize');
    expect(homeOf('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hubfix-step-runner')).to.deep.equal({
      partition: 'aws-us-gov',
      account: '123456789012',
    });
    expect(homeOf('arn:evil:lambda:x:123456789012:function:f')).to.equal(undefined);
  });
});

describe('step runner sessions while warm', () => {
  const assumes = (call: sinon.SinonStub) => call.getCalls().filter((c) => (c.args[0] as AwsCall).operation === 'AssumeRole').length;
  const checks = (call: sinon.SinonStub) =>
    call.getCalls().filter((c) => (c.args[0] as AwsCall).operation === 'GetAutomationExecution').length;

  it('assumes the runbook role once per execution, and still checks the execution on every invocation', async () => {
    const { invoker, call } = stubInvoker();
    const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
    for (let i = 0; i < 3; i++) expect(await run(EVENT, HOME)).to.include({ Caller: 'signed-with-AK' });
    expect(assumes(call)).to.equal(1);
    expect(checks(call)).to.equal(3);
  });

  it('never shares a session between executions (the session is named after its execution)', async () => {
    const other = '1b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
    const { invoker, call } = stubInvoker();
    call.callsFake(async (c: AwsCall) => {
      if (c.operation === 'GetAutomationExecution') return execution({ AutomationExecutionId: String(c.input.AutomationExecutionId) });
      if (c.operation === 'AssumeRole')
        return { Credentials: { AccessKeyId: String(c.input.RoleSessionName), SecretAccessKey: 'S', SessionToken: 'T' } };
      return { Arn: `signed-with-${c.credentials?.accessKeyId}` };
    });
    const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
    expect(await run(EVENT, HOME)).to.include({ Caller: `signed-with-hubfix-${EXECUTION}` });
    expect(await run({ ...EVENT, executionId: other }, HOME)).to.include({ Caller: `signed-with-hubfix-${other}` });
    expect(assumes(call)).to.equal(2);
  });

  it('assumes again when the session is within 5 minutes of expiring', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { invoker, call } = stubInvoker();
    call.callsFake(async (c: AwsCall) => {
      if (c.operation === 'GetAutomationExecution') return execution();
      if (c.operation === 'AssumeRole')
        return {
          Credentials: { AccessKeyId: 'AK', SecretAccessKey: 'S', SessionToken: 'T', Expiration: new Date(now + 3600_000).toISOString() },
        };
      return { Arn: 'x' };
    });
    const run = makeStepRunner(invoker, 'us-east-1', { ...OPTIONS, now: () => now });
    await run(EVENT, HOME);
    now += 50 * 60_000;
    await run(EVENT, HOME);
    expect(assumes(call)).to.equal(1);
    now += 6 * 60_000;
    await run(EVENT, HOME);
    expect(assumes(call)).to.equal(2);
  });

  it('uses no kept session for an invocation whose execution check fails', async () => {
    const { invoker, call } = stubInvoker();
    const run = makeStepRunner(invoker, 'us-east-1', OPTIONS);
    await run(EVENT, HOME);
    call.callsFake(async (c: AwsCall) => {
      if (c.operation === 'GetAutomationExecution') return execution({ AutomationExecutionStatus: 'Success' });
      return { Arn: 'should-not-be-called' };
    });
    expect(await refusal(run, EVENT)).to.match(/is Success, not InProgress/);
    // the handler ran once (the first, confirmed invocation); the refused one called nothing as the role
    expect(call.getCalls().filter((c) => (c.args[0] as AwsCall).operation === 'GetCallerIdentity')).to.have.length(1);
  });
});
