import { expect } from 'chai';
import type { PolicyDocument } from '../../src/aws/policy-check';
import type { RunnableDocument } from '../../src/engine/engine';
import type { DocumentStep } from '../../src/model/document';
import { type AnyHandler, defineHandler } from '../../src/model/handlers';
import { STEP_RUNNER_FUNCTION } from '../../src/model/steps';
import { ACCOUNT, ROLE, api, doc, ranSteps, run, sleepStep, stepOf } from './helpers';

function scriptStep(
  name: string,
  handler: string,
  input: Record<string, unknown> = {},
  outputs: string[] = [],
  more: Partial<DocumentStep> = {},
): DocumentStep {
  return {
    name,
    action: 'aws:invokeLambdaFunction',
    inputs: {
      FunctionName: STEP_RUNNER_FUNCTION,
      InputPayload: { handler, roleArn: '{{ AutomationAssumeRole }}', executionId: '{{ automation:EXECUTION_ID }}', input },
    },
    outputs: outputs.map((o) => ({ Name: o, Selector: `$.Payload.${o}`, Type: 'String' as const })),
    ...more,
  };
}

function policy(...actions: string[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] };
}

const readPolicy = defineHandler<{ who: string }, { Length: string; Who: string; Account: string }>({
  id: 'test.readPolicy',
  description: 'reads the password policy',
  permissions: [{ action: 'iam:GetAccountPasswordPolicy' }],
  outputs: { Length: 'String', Who: 'String', Account: 'String' },
  async run(input, ctx) {
    const out = await ctx.aws<{ PasswordPolicy: { MinimumPasswordLength: number } }>('iam', 'GetAccountPasswordPolicy');
    return { Length: String(out.PasswordPolicy.MinimumPasswordLength), Who: input.who, Account: ctx.account };
  },
});

const boom = defineHandler<Record<string, never>, Record<string, never>>({
  id: 'test.boom',
  description: 'throws',
  permissions: [],
  outputs: {},
  async run() {
    throw new Error('the merge found a stricter policy');
  },
});

const writer = defineHandler<Record<string, never>, { Done: string }>({
  id: 'test.writer',
  description: 'writes without permission',
  permissions: [],
  outputs: { Done: 'String' },
  async run(_input, ctx) {
    await ctx.aws('iam', 'UpdateAccountPasswordPolicy', { MinimumPasswordLength: 14 });
    return { Done: 'yes' };
  },
});

const selfReader = defineHandler<{ id: string }, { Failed: string; Status: string }>({
  id: 'test.selfReader',
  description: 'reads its own execution',
  permissions: [{ action: 'ssm:GetAutomationExecution' }],
  outputs: { Failed: 'String', Status: 'String' },
  async run(input, ctx) {
    const out = await ctx.aws<{
      AutomationExecution: {
        AutomationExecutionStatus: string;
        StepExecutions: Array<{ StepName: string; StepStatus: string; Outputs?: Record<string, string[]> }>;
      };
    }>('ssm', 'GetAutomationExecution', { AutomationExecutionId: input.id });
    const steps = out.AutomationExecution.StepExecutions;
    return {
      Failed: steps
        .filter((s) => s.StepStatus === 'Failed')
        .map((s) => s.StepName)
        .join(','),
      Status: `${out.AutomationExecution.AutomationExecutionStatus};${steps.find((s) => s.StepName === 'Read')?.Outputs?.Length?.[0]}`,
    };
  },
});

const inputSeer = defineHandler<{ who: string; ports: number[] }, { Seen: string; Who: string }>({
  id: 'test.inputSeer',
  description: "returns what the step runner's execution check saw of this step",
  permissions: [],
  outputs: { Seen: 'String', Who: 'String' },
  async run(input, ctx) {
    const x = ctx.execution?.record.AutomationExecution as { StepExecutions: Array<Record<string, unknown>> };
    const step = x.StepExecutions.find((s) => s.StepName === ctx.execution?.step && s.StepStatus === 'InProgress');
    return { Seen: JSON.stringify(step ? { Action: step.Action, Inputs: step.Inputs } : null), Who: input.who };
  },
});

const handlers: AnyHandler[] = [readPolicy, boom, writer, selfReader, inputSeer] as unknown as AnyHandler[];
const policyMock = { service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: { MinimumPasswordLength: 8 } } };

describe('engine: script steps (aws:invokeLambdaFunction to the step runner)', () => {
  it('runs the handler in-process; $.Payload.X outputs select from its returned object', async () => {
    const h = await run(
      doc([scriptStep('Read', 'test.readPolicy', { who: '{{ global:ACCOUNT_ID }}' }, ['Length', 'Who', 'Account'])]),
      {},
      {
        handlers,
        policy: policy('lambda:InvokeFunction', 'iam:GetAccountPasswordPolicy'),
        mocks: [policyMock],
      },
    );
    const s = stepOf(h, 'Read');
    expect(s.StepStatus, s.FailureMessage).to.equal('Success');
    expect(s.Outputs?.Length).to.deep.equal(['8']);
    expect(s.Outputs?.Who).to.deep.equal([ACCOUNT]);
    expect(s.Outputs?.Account).to.deep.equal([ACCOUNT]);
    expect(s.Outputs?.StatusCode).to.deep.equal(['200']);
  });

  it("signs the handler's calls with the assumed role, in the execution's account and Region, and records them", async () => {
    const h = await run(
      doc([scriptStep('Read', 'test.readPolicy', { who: 'x' }, ['Length'])]),
      {},
      {
        handlers,
        policy: policy('lambda:InvokeFunction', 'iam:GetAccountPasswordPolicy'),
        mocks: [policyMock],
      },
    );
    const call = h.invoker.calls.find((c) => c.operation === 'GetAccountPasswordPolicy');
    expect(call?.credentials?.accessKeyId).to.equal('ASIAMOCKMOCKMOCKMOCK');
    expect(call?.account).to.equal(ACCOUNT);
    expect(call?.region).to.equal('us-east-1');
    const recorded = h.result.record.Calls.map(
      (c) => `${c.service}:${c.operation}:${c.step ?? '-'}:${c.outcome}:${c.answeredBy ?? ''}:${c.madeBy ?? ''}`,
    );
    // every call AWS would see: SSM's role assumption and Lambda invocation, the step runner's
    // execution check (answered by the engine, which is SSM here) and its own role assumption
    expect(recorded).to.deep.equal([
      'sts:AssumeRole:-:ok::',
      'lambda:Invoke:Read:ok:step-runner:',
      'ssm:GetAutomationExecution:Read:ok:engine:step-runner',
      'sts:AssumeRole:Read:ok::step-runner',
      'iam:GetAccountPasswordPolicy:Read:ok::',
    ]);
  });

  it('counts the step runner assuming the role once per execution, as a warm runner does, and its check on every step', async () => {
    const h = await run(
      doc([
        scriptStep('Read', 'test.readPolicy', { who: 'x' }, ['Length']),
        scriptStep('ReadAgain', 'test.readPolicy', { who: 'y' }, ['Length']),
      ]),
      {},
      {
        handlers,
        policy: policy('lambda:InvokeFunction', 'iam:GetAccountPasswordPolicy'),
        mocks: [{ ...policyMock, times: 2 }],
      },
    );
    const byRunner = h.result.record.Calls.filter((c) => c.madeBy === 'step-runner').map((c) => `${c.operation}:${c.step}`);
    expect(byRunner).to.deep.equal(['GetAutomationExecution:Read', 'AssumeRole:Read', 'GetAutomationExecution:ReadAgain']);
  });

  it("answers the step runner's check with the step in progress and its resolved Inputs as SSM gives them (a map input as its JSON)", async () => {
    const h = await run(
      doc([scriptStep('See', 'test.inputSeer', { who: '{{ global:ACCOUNT_ID }}', ports: [22, 3389] }, ['Seen', 'Who'])]),
      {},
      { handlers, policy: policy('lambda:InvokeFunction') },
    );
    const s = stepOf(h, 'See');
    expect(s.StepStatus, s.FailureMessage).to.equal('Success');
    const seen = JSON.parse(s.Outputs?.Seen?.[0] ?? 'null') as { Action: string; Inputs: Record<string, string> };
    expect(seen.Action).to.equal('aws:invokeLambdaFunction');
    expect(seen.Inputs.FunctionName).to.equal(STEP_RUNNER_FUNCTION);
    expect(JSON.parse(seen.Inputs.InputPayload)).to.deep.equal({
      handler: 'test.inputSeer',
      roleArn: ROLE,
      executionId: h.result.executionId,
      input: { who: ACCOUNT, ports: [22, 3389] },
    });
    expect(s.Outputs?.Who).to.deep.equal([ACCOUNT]);
  });

  it('a handler that throws fails the step with FunctionError and its message', async () => {
    const h = await run(
      doc([scriptStep('Boom', 'test.boom'), sleepStep('After')]),
      {},
      { handlers, policy: policy('lambda:InvokeFunction') },
    );
    expect(stepOf(h, 'Boom').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Boom').FailureMessage).to.equal('FunctionError (test.boom): the merge found a stricter policy');
    expect(h.result.status).to.equal('Failed');
  });

  it('an unknown handler id fails the step', async () => {
    const h = await run(doc([scriptStep('Ghost', 'test.ghost')]), {}, { handlers, policy: policy('lambda:InvokeFunction') });
    expect(stepOf(h, 'Ghost').FailureMessage).to.match(/no handler "test.ghost"/);
  });

  it('a handler call outside the policy fails the step with the local AccessDenied, and never reaches the invoker', async () => {
    const h = await run(
      doc([scriptStep('Write', 'test.writer')]),
      {},
      { handlers, policy: policy('lambda:InvokeFunction'), name: 'Hubfix-Test' },
    );
    expect(stepOf(h, 'Write').FailureMessage).to.equal(
      "FunctionError (test.writer): AccessDenied (local policy check): iam:UpdateAccountPasswordPolicy is not in Hubfix-Test's policy",
    );
    expect(h.invoker.calls.some((c) => c.operation === 'UpdateAccountPasswordPolicy')).to.equal(false);
    const denied = h.result.record.Calls.find((c) => c.operation === 'UpdateAccountPasswordPolicy');
    expect(denied?.outcome).to.equal('error');
    expect(denied?.errorCode).to.equal('AccessDenied');
  });

  it('the step runner invocation itself needs lambda:InvokeFunction in the policy', async () => {
    const h = await run(
      doc([scriptStep('Read', 'test.readPolicy', { who: 'x' })]),
      {},
      { handlers, policy: policy('iam:GetAccountPasswordPolicy'), name: 'Hubfix-Test' },
    );
    expect(stepOf(h, 'Read').FailureMessage).to.equal(
      "AccessDenied (local policy check): lambda:InvokeFunction is not in Hubfix-Test's policy",
    );
  });

  it('the engine answers GetAutomationExecution for its own execution, with the failed steps and their outputs', async () => {
    const d = doc([
      scriptStep('Read', 'test.readPolicy', { who: 'x' }, ['Length']),
      api('Broken', 'iam', 'GetUser', { onFailure: 'Continue' }),
      scriptStep('Final', 'test.selfReader', { id: '{{ automation:EXECUTION_ID }}' }, ['Failed', 'Status']),
    ]);
    const h = await run(
      d,
      {},
      {
        handlers,
        policy: policy('lambda:InvokeFunction', 'iam:GetAccountPasswordPolicy', 'iam:GetUser', 'ssm:GetAutomationExecution'),
        mocks: [policyMock, { service: 'iam', operation: 'GetUser', error: { name: 'NoSuchEntity', message: 'no' } }],
      },
    );
    const s = stepOf(h, 'Final');
    expect(s.StepStatus, s.FailureMessage).to.equal('Success');
    expect(s.Outputs?.Failed).to.deep.equal(['Broken']);
    expect(s.Outputs?.Status).to.deep.equal(['InProgress;8']);
    expect(h.invoker.calls.some((c) => c.service === 'ssm')).to.equal(false);
    expect(h.result.record.Calls.find((c) => c.service === 'ssm')?.answeredBy).to.equal('engine');
  });

  it('GetAutomationExecution of its own execution is still subject to the policy check', async () => {
    const d = doc([scriptStep('Final', 'test.selfReader', { id: '{{ automation:EXECUTION_ID }}' }, ['Failed'])]);
    const h = await run(d, {}, { handlers, policy: policy('lambda:InvokeFunction'), name: 'Hubfix-Test' });
    expect(stepOf(h, 'Final').FailureMessage).to.match(/ssm:GetAutomationExecution is not in Hubfix-Test's policy/);
  });

  it('a step runner payload with another role assumes that role for the handler', async () => {
    const other = 'arn:aws:iam::444455556666:role/Other';
    const step = scriptStep('Read', 'test.readPolicy', { who: 'x' }, ['Account']);
    (step.inputs as { InputPayload: Record<string, unknown> }).InputPayload.roleArn = other;
    const h = await run(
      doc([step]),
      {},
      { handlers, policy: policy('lambda:InvokeFunction', 'iam:GetAccountPasswordPolicy'), mocks: [policyMock] },
    );
    expect(stepOf(h, 'Read').Outputs?.Account).to.deep.equal(['444455556666']);
    const assumes = h.invoker.calls.filter((c) => c.operation === 'AssumeRole').map((c) => c.input.RoleArn);
    expect(assumes).to.deep.equal([ROLE, other]);
  });

  it('an aws:invokeLambdaFunction to any other function goes to the invoker as lambda Invoke', async () => {
    const d = doc([
      {
        name: 'Call',
        action: 'aws:invokeLambdaFunction',
        inputs: { FunctionName: 'my-func', InputPayload: { a: 1 } },
        outputs: [{ Name: 'Answer', Selector: '$.Payload.answer', Type: 'Integer' }],
      },
    ]);
    const h = await run(
      d,
      {},
      {
        mocks: [
          {
            service: 'lambda',
            operation: 'Invoke',
            input: { FunctionName: 'my-func', Payload: '{"a":1}' },
            output: { StatusCode: 200, Payload: '{"answer":42}' },
          },
        ],
      },
    );
    expect(stepOf(h, 'Call').Outputs?.Answer).to.deep.equal(['42']);
  });
});

describe('engine: aws:executeAutomation', () => {
  const child: RunnableDocument = {
    name: 'Child-Doc',
    document: doc(
      [
        api('Get', 'iam', 'GetAccountPasswordPolicy', {
          outputs: [{ Name: 'Len', Selector: '$.PasswordPolicy.MinimumPasswordLength', Type: 'Integer' }],
        }),
      ],
      { outputs: ['Get.Len'], parameters: { Tag: { type: 'String' } } },
    ),
    policy: policy('iam:GetAccountPasswordPolicy'),
  };
  const parent = doc([
    {
      name: 'RunChild',
      action: 'aws:executeAutomation',
      inputs: { DocumentName: 'Child-Doc', RuntimeParameters: { AutomationAssumeRole: '{{ AutomationAssumeRole }}', Tag: ['t'] } },
    },
    sleepStep('After'),
  ]);

  it('runs a child document from the build with its own record, nested in the parent record', async () => {
    const h = await run(parent, {}, { documents: (n) => (n === 'Child-Doc' ? child : undefined), mocks: [policyMock] });
    expect(h.result.status, h.result.record.FailureMessage).to.equal('Success');
    const rec = h.result.record;
    expect(rec.ChildExecutions).to.have.length(1);
    const c = rec.ChildExecutions[0];
    expect(c.DocumentName).to.equal('Child-Doc');
    expect(c.ParentAutomationExecutionId).to.equal(rec.AutomationExecutionId);
    expect(c.Outputs).to.deep.equal({ 'Get.Len': ['8'] });
    expect(c.Calls.map((x) => x.operation)).to.deep.equal(['AssumeRole', 'GetAccountPasswordPolicy']);
    expect(stepOf(h, 'RunChild').Outputs).to.deep.equal({ ExecutionId: [c.AutomationExecutionId], Status: ['Success'], Output: ['8'] });
    expect(ranSteps(h)).to.deep.equal(['RunChild', 'After']);
  });

  it('a child that fails fails the parent step', async () => {
    const h = await run(
      parent,
      {},
      {
        documents: (n) => (n === 'Child-Doc' ? child : undefined),
        mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', error: { name: 'NoSuchEntity', message: 'none' } }],
      },
    );
    expect(stepOf(h, 'RunChild').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'RunChild').FailureMessage).to.match(/\(Child-Doc\) ended Failed: Step Get failed/);
    expect(h.result.status).to.equal('Failed');
  });

  it('a child document not in the build fails the step', async () => {
    const h = await run(parent, {}, { documents: () => undefined });
    expect(stepOf(h, 'RunChild').FailureMessage).to.match(/Child-Doc is not in the build/);
  });

  it("a child's bad parameter fails the step (not the parent run)", async () => {
    const bad = doc([
      { name: 'RunChild', action: 'aws:executeAutomation', inputs: { DocumentName: 'Child-Doc', RuntimeParameters: { Nope: 'x' } } },
    ]);
    const h = await run(bad, {}, { documents: () => child });
    expect(stepOf(h, 'RunChild').FailureMessage).to.match(/cannot start Child-Doc: parameter Nope/);
  });
});
