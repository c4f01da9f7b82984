import { expect } from 'chai';
import { AutomationController } from '../../src/engine/engine';
import { defineHandler } from '../../src/model/handlers';
import { STEP_RUNNER_FUNCTION } from '../../src/model/steps';
import { ALLOW_ALL, api, doc, ranSteps, run, sleepStep, stepOf } from './helpers';

const throttled = { name: 'Throttling', message: 'Rate exceeded' };

const hang = defineHandler<Record<string, never>, { Done: boolean }>({
  id: 'test.hang',
  description: 'never returns',
  permissions: [],
  outputs: { Done: 'Boolean' },
  run: () => new Promise(() => {}),
});

function scriptStep(name: string, handler: string, more: Record<string, unknown> = {}) {
  return {
    name,
    action: 'aws:invokeLambdaFunction',
    inputs: {
      FunctionName: STEP_RUNNER_FUNCTION,
      InputPayload: { handler, roleArn: '{{ AutomationAssumeRole }}', executionId: '{{ automation:EXECUTION_ID }}', input: {} },
    },
    ...more,
  };
}

describe('engine: maxAttempts and timeoutSeconds', () => {
  it('retries a failed step up to maxAttempts and succeeds on a later attempt', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { maxAttempts: 3 })]),
      {},
      {
        mocks: [
          { service: 'iam', operation: 'GetUser', times: 2, error: throttled },
          { service: 'iam', operation: 'GetUser', output: { User: { UserName: 'a' } } },
        ],
      },
    );
    expect(stepOf(h, 'Get').StepStatus).to.equal('Success');
    expect(stepOf(h, 'Get').Attempts).to.equal(3);
    expect(h.invoker.calls.filter((c) => c.operation === 'GetUser')).to.have.length(3);
    expect(h.result.status).to.equal('Success');
  });

  it('waits with exponential backoff between attempts (1 s, 2 s, 4 s on the clock)', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { maxAttempts: 4 })]),
      {},
      { mocks: [{ service: 'iam', operation: 'GetUser', error: throttled }] },
    );
    const s = stepOf(h, 'Get');
    expect(s.Attempts).to.equal(4);
    expect(s.StepStatus).to.equal('Failed');
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(7000);
  });

  it('caps the backoff and takes its base from the options', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { maxAttempts: 4 })]),
      {},
      {
        mocks: [{ service: 'iam', operation: 'GetUser', error: throttled }],
        retryBaseDelaySeconds: 10,
        retryMaxDelaySeconds: 15,
      },
    );
    const s = stepOf(h, 'Get');
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(10000 + 15000 + 15000);
  });

  it('timeoutSeconds interrupts a step that runs too long: the step is TimedOut and so is the automation', async () => {
    const h = await run(doc([sleepStep('Nap', 'PT1H', { timeoutSeconds: 5 }), sleepStep('After')]));
    const s = stepOf(h, 'Nap');
    expect(s.StepStatus).to.equal('TimedOut');
    expect(s.FailureMessage).to.match(/timed out after 5 seconds/);
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(5000);
    expect(ranSteps(h)).to.deep.equal(['Nap']);
    expect(h.result.status).to.equal('TimedOut');
  });

  it('interrupts a script handler that never returns', async () => {
    const h = await run(doc([scriptStep('Hang', 'test.hang', { timeoutSeconds: 30 })]), {}, { handlers: [hang], policy: ALLOW_ALL });
    expect(stepOf(h, 'Hang').StepStatus).to.equal('TimedOut');
    expect(h.result.status).to.equal('TimedOut');
  });

  it('applies the timeout to each attempt; the step times out only when the last attempt does', async () => {
    const h = await run(doc([sleepStep('Nap', 'PT1H', { timeoutSeconds: 2, maxAttempts: 2 })]));
    const s = stepOf(h, 'Nap');
    expect(s.Attempts).to.equal(2);
    expect(s.StepStatus).to.equal('TimedOut');
    // 2 s, 1 s backoff, 2 s
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(5000);
  });

  it('a timed-out step with isCritical false and onFailure step:X does not change the automation status', async () => {
    const h = await run(
      doc([
        sleepStep('Nap', 'PT1H', { timeoutSeconds: 5, isCritical: false, onFailure: 'step:Recover' }),
        sleepStep('Skipped'),
        sleepStep('Recover'),
      ]),
    );
    expect(ranSteps(h)).to.deep.equal(['Nap', 'Recover']);
    expect(h.result.status).to.equal('Success');
  });

  it('a step that finishes within its timeout succeeds and leaves no timer behind', async () => {
    const h = await run(doc([sleepStep('Nap', 'PT3S', { timeoutSeconds: 5 })]));
    expect(stepOf(h, 'Nap').StepStatus).to.equal('Success');
    expect(h.clock.pending).to.equal(0);
  });

  it('a cancelled automation ends Cancelled, its running step Cancelled, and the onCancel step runs', async () => {
    const controller = new AutomationController();
    const pending = run(
      doc([sleepStep('Long', 'PT1H', { onCancel: 'step:Cleanup' }), sleepStep('Next'), sleepStep('Cleanup', 'PT1S', { isEnd: true })]),
      {},
      { controller },
    );
    setImmediate(() => controller.cancel());
    const h = await pending;
    expect(stepOf(h, 'Long').StepStatus).to.equal('Cancelled');
    expect(ranSteps(h)).to.deep.equal(['Long', 'Cleanup']);
    expect(stepOf(h, 'Cleanup').StepStatus).to.equal('Success');
    expect(h.result.status).to.equal('Cancelled');
    expect(h.result.record.AutomationExecutionStatus).to.equal('Cancelled');
  });

  it('without onCancel a cancel stops the automation at once', async () => {
    const controller = new AutomationController();
    const pending = run(doc([sleepStep('Long', 'PT1H'), sleepStep('Next')]), {}, { controller });
    setImmediate(() => controller.cancel());
    const h = await pending;
    expect(ranSteps(h)).to.deep.equal(['Long']);
    expect(h.result.status).to.equal('Cancelled');
  });
});
