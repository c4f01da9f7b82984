import { expect } from 'chai';
import { resolvedStepInput } from '../../src/steprunner/step-input';

const ID = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

function record(...steps: Array<Record<string, unknown>>) {
  return { AutomationExecution: { AutomationExecutionId: ID, StepExecutions: steps } };
}

function step(status: string, inputs: Record<string, string>, name = 'Apply') {
  return { StepName: name, Action: 'aws:invokeLambdaFunction', StepStatus: status, Inputs: inputs };
}

const payload = (input: unknown) => ({ handler: 'h.apply', roleArn: 'arn:aws:iam::111111111111:role/hubfix-X', executionId: ID, input });
const claim = (input: Record<string, unknown>) => ({ handler: 'h.apply', executionId: ID, input });

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return '(no refusal)';
}

describe("step runner: the payload's input against the step's resolved Inputs", () => {
  it('returns the input SSM resolved when the payload claims the same value (keys in any order)', () => {
    const r = record(
      step('InProgress', { FunctionName: 'hubfix-step-runner', InputPayload: JSON.stringify(payload({ a: 1, b: { c: [1, 2] } })) }),
    );
    expect(resolvedStepInput(r, claim({ b: { c: [1, 2] }, a: 1 }), 'Apply')).to.deep.equal({ a: 1, b: { c: [1, 2] } });
  });

  it('reads the older Payload input, plain JSON or JSON-quoted', () => {
    const json = JSON.stringify(payload({ Bucket: 'b1' }));
    for (const encoded of [json, JSON.stringify(json)])
      expect(resolvedStepInput(record(step('InProgress', { Payload: encoded })), claim({ Bucket: 'b1' }), 'Apply')).to.deep.equal({
        Bucket: 'b1',
      });
  });

  it('takes the iteration in progress of a step in a loop, not the ones that ended', () => {
    const r = record(
      step('Success', { InputPayload: JSON.stringify(payload({ GroupId: 'sg-1' })) }),
      step('InProgress', { InputPayload: JSON.stringify(payload({ GroupId: 'sg-2' })) }),
    );
    expect(resolvedStepInput(r, claim({ GroupId: 'sg-2' }), 'Apply')).to.deep.equal({ GroupId: 'sg-2' });
    expect(refusal(() => resolvedStepInput(r, claim({ GroupId: 'sg-1' }), 'Apply'))).to.match(/step Apply: the payload's input differs/);
  });

  for (const [what, resolved, claimed] of [
    ['another value', { GroupId: 'sg-1' }, { GroupId: 'sg-2' }],
    ['a number where SSM resolved a string', { Days: '90' }, { Days: 90 }],
    ['a list in another order', { Ports: [22, 3389] }, { Ports: [3389, 22] }],
    ['a missing key', { A: 'x', B: 'y' }, { A: 'x' }],
    ['an extra key', { A: 'x' }, { A: 'x', B: 'y' }],
  ] as const) {
    it(`refuses ${what}`, () => {
      const r = record(step('InProgress', { InputPayload: JSON.stringify(payload(resolved)) }));
      expect(refusal(() => resolvedStepInput(r, claim(claimed), 'Apply'))).to.equal(
        `execution ${ID} step Apply: the payload's input differs from the input SSM resolved for the step`,
      );
    });
  }

  for (const [what, steps, message] of [
    ['no step executions', [], /SSM shows 0 invocations in progress, not 1/],
    [
      'the step only under another name',
      [step('InProgress', { InputPayload: JSON.stringify(payload({})) }, 'Plan')],
      /shows 0 invocations/,
    ],
    [
      'two invocations of the step in progress',
      [
        step('InProgress', { InputPayload: JSON.stringify(payload({})) }),
        step('InProgress', { InputPayload: JSON.stringify(payload({})) }),
      ],
      /shows 2 invocations/,
    ],
    ['no payload in the Inputs', [step('InProgress', { FunctionName: 'f' })], /SSM resolved no payload for h.apply/],
    ['an Inputs payload that is not JSON', [step('InProgress', { InputPayload: '{not json' })], /SSM resolved no payload/],
    [
      'a resolved payload for another handler',
      [step('InProgress', { InputPayload: JSON.stringify({ ...payload({}), handler: 'h.other' }) })],
      /SSM resolved no payload for h.apply/,
    ],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(refusal(() => resolvedStepInput(record(...(steps as readonly Record<string, unknown>[])), claim({}), 'Apply'))).to.match(
        message,
      );
    });
  }

  it('refuses a response that is not an execution record', () => {
    expect(refusal(() => resolvedStepInput(undefined, claim({}), 'Apply'))).to.match(/step Apply: SSM shows 0 invocations/);
  });
});
