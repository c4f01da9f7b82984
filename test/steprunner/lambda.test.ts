import { expect } from 'chai';
import * as sinon from 'sinon';
import type { AwsCall, Invoker } from '../../src/aws/invoker';
import { defineHandler } from '../../src/model/handlers';
import { makeStepRunner } from '../../src/steprunner/lambda';

const EXECUTION = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const ROLE = 'arn:aws:iam::111111111111:role/hubfix-Hubfix-IAM-PasswordPolicy';

const whoami = defineHandler<Record<string, never>, { Account: string; Caller: string }>({
  id: 'test.whoami',
  description: 'calls sts as the automation role',
  permissions: [{ action: 'sts:GetCallerIdentity' }],
  outputs: { Account: 'String', Caller: 'String' },
  async run(_input, ctx) {
    const id = await ctx.aws<{ Arn: string }>('sts', 'GetCallerIdentity');
    return { Account: ctx.account, Caller: id.Arn };
  },
});

function stubInvoker(): { invoker: Invoker; call: sinon.SinonStub } {
  const call = sinon.stub().callsFake(async (c: AwsCall) => {
    if (c.operation === 'AssumeRole') return { Credentials: { AccessKeyId: 'AK', SecretAccessKey: 'SK', SessionToken: 'ST' } };
    return { Arn: `signed-with-${c.credentials?.accessKeyId}` };
  });
  return { invoker: { call }, call };
}

describe('step runner Lambda', () => {
  it("assumes the automation's role, naming the session after the execution, before running the handler", async () => {
    const { invoker, call } = stubInvoker();
    const run = makeStepRunner(invoker, 'eu-west-1', new Map([[whoami.id, whoami]]));
    const out = await run({ handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION, input: {} });
    expect(call.firstCall.args[0]).to.deep.include({ service: 'sts', operation: 'AssumeRole', region: 'eu-west-1' });
    expect(call.firstCall.args[0].input).to.deep.equal({ RoleArn: ROLE, RoleSessionName: `hubfix-${EXECUTION}` });
    expect(out).to.deep.equal({ Account: '111111111111', Caller: 'signed-with-AK' });
  });

  it('refuses a hubfix role of another account than its own', async () => {
    const { invoker, call } = stubInvoker();
    const run = makeStepRunner(invoker, 'us-east-1', new Map([[whoami.id, whoami]]));
    let error: Error | undefined;
    await run({ handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION, input: {} }, '222222222222').catch(
      (e: Error) => (error = e),
    );
    expect(error?.message).to.equal('roleArn must be a role of this account (222222222222)');
    expect(call.called).to.equal(false);
  });

  for (const [what, event, message] of [
    [
      'an unknown handler',
      { handler: 'nope.nope', roleArn: ROLE, executionId: EXECUTION, input: {} },
      /unknown script handler "nope.nope"/,
    ],
    [
      'a role that is not a role ARN',
      { handler: 'test.whoami', roleArn: 'arn:aws:iam::1:user/x', executionId: EXECUTION, input: {} },
      /roleArn must be/,
    ],
    [
      'a role that is not a hubfix runbook role',
      { handler: 'test.whoami', roleArn: 'arn:aws:iam::111111111111:role/Admin', executionId: EXECUTION, input: {} },
      /must name a hubfix runbook role/,
    ],
    ['an execution id that is not one', { handler: 'test.whoami', roleArn: ROLE, executionId: '../x', input: {} }, /executionId must be/],
    [
      'an input that is not an object',
      { handler: 'test.whoami', roleArn: ROLE, executionId: EXECUTION, input: [1] },
      /input must be an object/,
    ],
  ] as const) {
    it(`refuses ${what} without calling AWS`, async () => {
      const { invoker, call } = stubInvoker();
      const run = makeStepRunner(invoker, 'us-east-1', new Map([[whoami.id, whoami]]));
      let error: Error | undefined;
      await run(event).catch((e: Error) => (error = e));
      expect(error?.message).to.match(message);
      expect(call.called).to.equal(false);
    });
  }
});
