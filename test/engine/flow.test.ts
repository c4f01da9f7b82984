import { expect } from 'chai';
import { api, doc, ranSteps, run, sleepStep, stepOf } from './helpers';

const failing = { service: 'iam', operation: 'GetUser', error: { name: 'NoSuchEntity', message: 'The user cannot be found.' } };

describe('engine: control flow and the final status', () => {
  it('runs steps in document order and ends Success when every step succeeds', async () => {
    const h = await run(doc([sleepStep('A'), sleepStep('B'), sleepStep('C')]));
    expect(ranSteps(h)).to.deep.equal(['A', 'B', 'C']);
    expect(h.result.status).to.equal('Success');
    expect(h.result.record.FailureMessage).to.equal(undefined);
  });

  it('nextStep jumps over the steps between', async () => {
    const h = await run(doc([sleepStep('A', 'PT1S', { nextStep: 'C' }), sleepStep('B'), sleepStep('C')]));
    expect(ranSteps(h)).to.deep.equal(['A', 'C']);
  });

  it('isEnd stops the automation after the step, with Success', async () => {
    const h = await run(doc([sleepStep('A', 'PT1S', { isEnd: true }), sleepStep('B')]));
    expect(ranSteps(h)).to.deep.equal(['A']);
    expect(h.result.status).to.equal('Success');
  });

  it('onFailure Abort (the default) stops at the failed step and the automation is Failed', async () => {
    const h = await run(doc([api('Get', 'iam', 'GetUser'), sleepStep('After')]), {}, { mocks: [failing] });
    expect(ranSteps(h)).to.deep.equal(['Get']);
    expect(stepOf(h, 'Get').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Get').FailureMessage).to.equal(
      'An error occurred (NoSuchEntity) when calling the GetUser operation: The user cannot be found.',
    );
    expect(h.result.status).to.equal('Failed');
    expect(h.result.record.FailureMessage).to.match(/^Step Get failed: An error occurred \(NoSuchEntity\)/);
  });

  it('onFailure Continue goes on to the next step and, being non-critical by default, leaves the automation Success', async () => {
    const h = await run(doc([api('Get', 'iam', 'GetUser', { onFailure: 'Continue' }), sleepStep('After')]), {}, { mocks: [failing] });
    expect(ranSteps(h)).to.deep.equal(['Get', 'After']);
    expect(stepOf(h, 'Get').IsCritical).to.equal(false);
    expect(h.result.status).to.equal('Success');
  });

  it('onFailure Continue with isCritical true goes on but ends the automation Failed', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { onFailure: 'Continue', isCritical: true }), sleepStep('After')]),
      {},
      { mocks: [failing] },
    );
    expect(ranSteps(h)).to.deep.equal(['Get', 'After']);
    expect(stepOf(h, 'After').StepStatus).to.equal('Success');
    expect(h.result.status).to.equal('Failed');
  });

  it('onFailure step:X jumps to the handler step, and a failed critical step still leaves the automation Failed', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { onFailure: 'step:Handle' }), sleepStep('Skipped'), sleepStep('Handle')]),
      {},
      { mocks: [failing] },
    );
    expect(ranSteps(h)).to.deep.equal(['Get', 'Handle']);
    expect(stepOf(h, 'Handle').StepStatus).to.equal('Success');
    expect(h.result.status).to.equal('Failed');
  });

  it('onFailure step:X with isCritical false ends Success when the handler succeeds', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { onFailure: 'step:Handle', isCritical: false }), sleepStep('Handle')]),
      {},
      { mocks: [failing] },
    );
    expect(ranSteps(h)).to.deep.equal(['Get', 'Handle']);
    expect(h.result.status).to.equal('Success');
  });

  it('a failed step with isEnd ends the automation there (Failed when critical)', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { onFailure: 'Continue', isCritical: true, isEnd: true }), sleepStep('After')]),
      {},
      { mocks: [failing] },
    );
    expect(ranSteps(h)).to.deep.equal(['Get']);
    expect(h.result.status).to.equal('Failed');
  });

  it('onFailure Abort on a non-critical step still fails the automation (Abort fails it)', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { onFailure: 'Abort', isCritical: false }), sleepStep('After')]),
      {},
      { mocks: [failing] },
    );
    expect(ranSteps(h)).to.deep.equal(['Get']);
    expect(h.result.status).to.equal('Failed');
  });

  it('the first critical failure is the one the automation reports', async () => {
    const h = await run(
      doc([
        api('First', 'iam', 'GetUser', { onFailure: 'Continue', isCritical: true }),
        api('Second', 'iam', 'GetUser', { onFailure: 'Continue', isCritical: true }),
      ]),
      {},
      { mocks: [failing] },
    );
    expect(h.result.status).to.equal('Failed');
    expect(h.result.record.FailureMessage).to.match(/^Step First failed/);
  });

  it('a jump cycle is cut off and the automation fails instead of running forever', async () => {
    const h = await run(doc([sleepStep('A', 'PT0S', { nextStep: 'B' }), sleepStep('B', 'PT0S', { nextStep: 'A' })]));
    expect(h.result.status).to.equal('Failed');
    expect(h.result.record.FailureMessage).to.match(/jump cycle/);
  });

  it('a step whose action the engine does not support fails with a clear message', async () => {
    const h = await run(doc([{ name: 'Cmd', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript' } }]));
    expect(stepOf(h, 'Cmd').FailureMessage).to.equal('aws:runCommand is not supported by the local engine');
    expect(h.result.status).to.equal('Failed');
  });
});

describe('engine: execution id', () => {
  it('runs under the id a start call returned, visible to {{ automation:EXECUTION_ID }}', async () => {
    const id = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
    const h = await run(
      doc([api('Get', 'iam', 'GetUser', { params: { UserName: '{{ automation:EXECUTION_ID }}' } })]),
      {},
      { executionId: id, mocks: [{ service: 'iam', operation: 'GetUser', output: { User: {} } }] },
    );
    expect(h.result.executionId).to.equal(id);
    expect(h.result.record.AutomationExecutionId).to.equal(id);
    const get = h.result.record.Calls.find((c) => c.operation === 'GetUser');
    expect(get?.input).to.deep.equal({ UserName: id });
  });
});
