import { expect } from 'chai';
import type { DocumentStep } from '../../src/model/document';
import { api, doc, ranSteps, run, sleepStep, stepOf } from './helpers';

const groups = {
  service: 'ec2',
  operation: 'DescribeSecurityGroups',
  output: {
    SecurityGroups: [
      { GroupId: 'sg-1', IpPermissions: [{ FromPort: 22 }, { FromPort: 3389 }], Tags: { a: 'b' }, Open: true },
      { GroupId: 'sg-2', IpPermissions: [], Open: false },
    ],
  },
};

function property(action: string, selector: string, desired: unknown[], more: Partial<DocumentStep> = {}): DocumentStep {
  return {
    name: 'Check',
    action,
    inputs: { Service: 'ec2', Api: 'DescribeSecurityGroups', GroupIds: ['sg-1'], PropertySelector: selector, DesiredValues: desired },
    ...more,
  };
}

describe('engine: aws:executeAwsApi', () => {
  it('passes the API parameters (not Service and Api) and coerces each Selector output to its Type', async () => {
    const d = doc(
      [
        api('Get', 'ec2', 'DescribeSecurityGroups', {
          params: { GroupIds: ['sg-1'] },
          outputs: [
            { Name: 'Id', Selector: '$.SecurityGroups[0].GroupId', Type: 'String' },
            { Name: 'Port', Selector: "$.SecurityGroups[0]['IpPermissions'][1].FromPort", Type: 'Integer' },
            { Name: 'PortText', Selector: '$.SecurityGroups[0].IpPermissions[1].FromPort', Type: 'String' },
            { Name: 'Open', Selector: '$.SecurityGroups[0].Open', Type: 'Boolean' },
            { Name: 'Ids', Selector: '$.SecurityGroups[*].GroupId', Type: 'StringList' },
            { Name: 'First', Selector: '$.SecurityGroups[*].GroupId', Type: 'String' },
            { Name: 'Tags', Selector: '$.SecurityGroups[0].Tags', Type: 'StringMap' },
            { Name: 'Perms', Selector: '$.SecurityGroups[0].IpPermissions', Type: 'MapList' },
            { Name: 'Ports', Selector: '$..FromPort', Type: 'StringList' },
          ],
        }),
      ],
      { outputs: ['Get.Ids'] },
    );
    const h = await run(d, {}, { mocks: [groups] });
    expect(h.invoker.calls[1].input).to.deep.equal({ GroupIds: ['sg-1'] });
    expect(stepOf(h, 'Get').Outputs).to.deep.equal({
      Id: ['sg-1'],
      Port: ['3389'],
      PortText: ['3389'],
      Open: ['true'],
      Ids: ['sg-1', 'sg-2'],
      First: ['sg-1'],
      Tags: ['{"a":"b"}'],
      Perms: ['{"FromPort":22}', '{"FromPort":3389}'],
      Ports: ['22', '3389'],
    });
    expect(h.result.outputs).to.deep.equal({ 'Get.Ids': ['sg-1', 'sg-2'] });
    expect(h.result.record.Outputs).to.deep.equal({ 'Get.Ids': ['sg-1', 'sg-2'] });
  });

  it('fails the step when a selected value cannot be its declared Type', async () => {
    const d = doc([
      api('Get', 'ec2', 'DescribeSecurityGroups', { outputs: [{ Name: 'Id', Selector: '$.SecurityGroups[0].GroupId', Type: 'Integer' }] }),
    ]);
    const h = await run(d, {}, { mocks: [groups] });
    expect(stepOf(h, 'Get').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Get').FailureMessage).to.equal('output Id ($.SecurityGroups[0].GroupId): "sg-1" is not an Integer');
  });

  it('records the resolved inputs as SSM does (a map of strings)', async () => {
    const d = doc([api('Get', 'ec2', 'DescribeSecurityGroups', { params: { GroupIds: ['sg-1'], MaxResults: 5 } })]);
    const h = await run(d, {}, { mocks: [groups] });
    expect(stepOf(h, 'Get').Inputs).to.deep.equal({ Service: 'ec2', Api: 'DescribeSecurityGroups', GroupIds: '["sg-1"]', MaxResults: '5' });
  });
});

describe('engine: aws:assertAwsResourceProperty and aws:waitForAwsResourceProperty', () => {
  it('assert succeeds when the selected property is one of DesiredValues', async () => {
    const h = await run(
      doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-9', 'sg-1'])]),
      {},
      { mocks: [groups] },
    );
    expect(stepOf(h, 'Check').StepStatus).to.equal('Success');
    expect(h.invoker.calls[1].input).to.deep.equal({ GroupIds: ['sg-1'] });
  });

  it('assert fails, naming what it found, when the property is not one of DesiredValues', async () => {
    const h = await run(doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-9'])]), {}, { mocks: [groups] });
    expect(stepOf(h, 'Check').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Check').FailureMessage).to.equal(
      'Assertion failed: $.SecurityGroups[0].GroupId selected "sg-1", not one of the desired values ["sg-9"]',
    );
  });

  it('booleans compare as True / False', async () => {
    const ok = await run(doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[0].Open', ['True'])]), {}, { mocks: [groups] });
    expect(stepOf(ok, 'Check').StepStatus).to.equal('Success');
    const no = await run(doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[0].Open', ['true'])]), {}, { mocks: [groups] });
    expect(stepOf(no, 'Check').StepStatus).to.equal('Failed');
  });

  it('a selector matching many values needs every one to be desired', async () => {
    const all = await run(
      doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[*].Open', ['True', 'False'])]),
      {},
      { mocks: [groups] },
    );
    expect(stepOf(all, 'Check').StepStatus).to.equal('Success');
    const some = await run(doc([property('aws:assertAwsResourceProperty', '$.SecurityGroups[*].Open', ['True'])]), {}, { mocks: [groups] });
    expect(stepOf(some, 'Check').StepStatus).to.equal('Failed');
  });

  it('waitFor polls until the property matches, on the clock', async () => {
    const h = await run(
      doc([property('aws:waitForAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-ready'])]),
      {},
      {
        pollIntervalSeconds: 10,
        mocks: [
          { service: 'ec2', operation: 'DescribeSecurityGroups', times: 3, output: { SecurityGroups: [{ GroupId: 'sg-pending' }] } },
          { service: 'ec2', operation: 'DescribeSecurityGroups', output: { SecurityGroups: [{ GroupId: 'sg-ready' }] } },
        ],
      },
    );
    const s = stepOf(h, 'Check');
    expect(s.StepStatus).to.equal('Success');
    expect(h.invoker.calls.filter((c) => c.operation === 'DescribeSecurityGroups')).to.have.length(4);
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(30000);
  });

  it('waitFor waits out throttling while polling but fails on any other error', async () => {
    const throttled = await run(
      doc([property('aws:waitForAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-1'])]),
      {},
      {
        mocks: [
          { service: 'ec2', operation: 'DescribeSecurityGroups', times: 2, error: { name: 'RequestLimitExceeded', message: 'slow down' } },
          groups,
        ],
      },
    );
    expect(stepOf(throttled, 'Check').StepStatus).to.equal('Success');
    const broken = await run(
      doc([property('aws:waitForAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-1'])]),
      {},
      {
        mocks: [
          { service: 'ec2', operation: 'DescribeSecurityGroups', error: { name: 'InvalidGroup.NotFound', message: 'no such group' } },
        ],
      },
    );
    expect(stepOf(broken, 'Check').StepStatus).to.equal('Failed');
    expect(stepOf(broken, 'Check').FailureMessage).to.match(/InvalidGroup\.NotFound/);
  });

  it('waitFor times out when the property never matches, and stops polling', async () => {
    const h = await run(
      doc([property('aws:waitForAwsResourceProperty', '$.SecurityGroups[0].GroupId', ['sg-ready'], { timeoutSeconds: 60 })]),
      {},
      {
        pollIntervalSeconds: 10,
        mocks: [{ service: 'ec2', operation: 'DescribeSecurityGroups', output: { SecurityGroups: [{ GroupId: 'sg-pending' }] } }],
      },
    );
    expect(stepOf(h, 'Check').StepStatus).to.equal('TimedOut');
    expect(h.result.status).to.equal('TimedOut');
    const polls = h.invoker.calls.filter((c) => c.operation === 'DescribeSecurityGroups').length;
    expect(polls).to.equal(6);
    await new Promise((r) => setTimeout(r, 5));
    expect(h.invoker.calls.filter((c) => c.operation === 'DescribeSecurityGroups').length).to.equal(polls);
  });
});

describe('engine: aws:sleep, aws:approve, aws:pause, aws:updateVariable', () => {
  it('sleep waits an ISO 8601 Duration on the clock', async () => {
    const h = await run(doc([sleepStep('Nap', 'PT1H30M')]));
    const s = stepOf(h, 'Nap');
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(90 * 60 * 1000);
  });

  it('sleep waits until a Timestamp, and not at all for one in the past', async () => {
    const future = await run(doc([{ name: 'Until', action: 'aws:sleep', inputs: { Timestamp: '2024-01-01T02:00:00Z' } }]));
    expect(Date.parse(stepOf(future, 'Until').ExecutionEndTime as string)).to.equal(Date.UTC(2024, 0, 1, 2));
    const past = await run(doc([{ name: 'Until', action: 'aws:sleep', inputs: { Timestamp: '2020-01-01T00:00:00Z' } }]));
    expect(stepOf(past, 'Until').ExecutionEndTime).to.equal(stepOf(past, 'Until').ExecutionStartTime);
  });

  it('sleep fails on a duration that is not ISO 8601 or longer than 7 days', async () => {
    const bad = await run(doc([sleepStep('Nap', '10 minutes')]));
    expect(stepOf(bad, 'Nap').FailureMessage).to.match(/not an ISO 8601 duration/);
    const long = await run(doc([sleepStep('Nap', 'P8D')]));
    expect(stepOf(long, 'Nap').FailureMessage).to.match(/at most 604800 seconds/);
  });

  const approveStep: DocumentStep = {
    name: 'Ok',
    action: 'aws:approve',
    inputs: { Approvers: ['arn:aws:iam::111122223333:role/Approver'] },
  };

  it('approve continues when approved, with ApprovalStatus Approved', async () => {
    const h = await run(doc([approveStep, sleepStep('After')]), {}, { approval: 'approve' });
    expect(stepOf(h, 'Ok').Outputs?.ApprovalStatus).to.deep.equal(['Approved']);
    expect(ranSteps(h)).to.deep.equal(['Ok', 'After']);
    expect(h.result.status).to.equal('Success');
  });

  it('approve fails the step when rejected', async () => {
    const h = await run(doc([approveStep, sleepStep('After')]), {}, { approval: 'reject' });
    expect(stepOf(h, 'Ok').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Ok').Outputs?.ApprovalStatus).to.deep.equal(['Rejected']);
    expect(h.result.status).to.equal('Failed');
  });

  it('approve without a decision waits until its timeout (7 days by default) and times out', async () => {
    const h = await run(doc([approveStep]));
    const s = stepOf(h, 'Ok');
    expect(s.StepStatus).to.equal('TimedOut');
    expect(Date.parse(s.ExecutionEndTime as string) - Date.parse(s.ExecutionStartTime)).to.equal(604800 * 1000);
  });

  it('approve without a decision fails at once when told not to wait (the CLI)', async () => {
    const h = await run(doc([approveStep]), {}, { undecided: 'fail' });
    expect(stepOf(h, 'Ok').FailureMessage).to.match(/--approve or --reject/);
  });

  it('pause continues when resumed, and times out when not', async () => {
    const pauseStep: DocumentStep = { name: 'Hold', action: 'aws:pause', inputs: {}, timeoutSeconds: 60 };
    const resumed = await run(doc([pauseStep, sleepStep('After')]), {}, { resumePauses: true });
    expect(ranSteps(resumed)).to.deep.equal(['Hold', 'After']);
    expect(resumed.result.status).to.equal('Success');
    const held = await run(doc([pauseStep, sleepStep('After')]));
    expect(stepOf(held, 'Hold').StepStatus).to.equal('TimedOut');
  });

  it('updateVariable refuses a value of another type than the variable', async () => {
    const d = doc([{ name: 'Set', action: 'aws:updateVariable', inputs: { Name: 'variable:Count', Value: 'three' } }], {
      variables: { Count: { type: 'Integer', default: 0 } },
    });
    const h = await run(d);
    expect(stepOf(h, 'Set').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Set').FailureMessage).to.match(/variable Count is a Integer/);
  });
});

describe('engine: aws:loop', () => {
  it('for each: runs the nested steps once per item with CurrentIteration and CurrentIteratorValue', async () => {
    const d = doc(
      [
        {
          name: 'Each',
          action: 'aws:loop',
          inputs: {
            Iterators: '{{ Ids }}',
            Steps: [
              api('Tag', 'ec2', 'CreateTags', {
                params: { Resources: ['{{ Each.CurrentIteratorValue }}'], Note: 'n{{ Each.CurrentIteration }}' },
              }),
            ],
          },
        },
        sleepStep('After'),
      ],
      { parameters: { Ids: { type: 'StringList' } } },
    );
    const h = await run(d, { Ids: ['i-1', 'i-2', 'i-3'] }, { mocks: [{ service: 'ec2', operation: 'CreateTags', output: {} }] });
    const tags = h.invoker.calls.filter((c) => c.operation === 'CreateTags').map((c) => c.input);
    expect(tags).to.deep.equal([
      { Resources: ['i-1'], Note: 'n1' },
      { Resources: ['i-2'], Note: 'n2' },
      { Resources: ['i-3'], Note: 'n3' },
    ]);
    const inner = h.result.record.StepExecutions.filter((s) => s.StepName === 'Tag');
    expect(inner.map((s) => s.ParentStepDetails?.Iteration)).to.deep.equal([1, 2, 3]);
    expect(inner.map((s) => s.ParentStepDetails?.IteratorValue)).to.deep.equal(['i-1', 'i-2', 'i-3']);
    expect(stepOf(h, 'Each').Outputs).to.deep.equal({ CurrentIteration: ['3'], CurrentIteratorValue: ['i-3'] });
    expect(ranSteps(h).at(-1)).to.equal('After');
    expect(h.result.status).to.equal('Success');
  });

  it('do while: repeats while LoopCondition holds, at most MaxIterations times', async () => {
    const d = doc([
      {
        name: 'Until',
        action: 'aws:loop',
        inputs: {
          MaxIterations: 5,
          LoopCondition: { Variable: '{{ Poll.State }}', StringEquals: 'pending' },
          Steps: [api('Poll', 'ec2', 'DescribeVolumes', { outputs: [{ Name: 'State', Selector: '$.Volumes[0].State', Type: 'String' }] })],
        },
      },
    ]);
    const pending = { service: 'ec2', operation: 'DescribeVolumes', output: { Volumes: [{ State: 'pending' }] } };
    const h = await run(
      d,
      {},
      {
        mocks: [
          { ...pending, times: 2 },
          { service: 'ec2', operation: 'DescribeVolumes', output: { Volumes: [{ State: 'available' }] } },
        ],
      },
    );
    expect(h.invoker.calls.filter((c) => c.operation === 'DescribeVolumes')).to.have.length(3);
    const capped = await run(d, {}, { mocks: [pending] });
    expect(capped.invoker.calls.filter((c) => c.operation === 'DescribeVolumes')).to.have.length(5);
    expect(stepOf(capped, 'Until').Outputs).to.deep.equal({ CurrentIteration: ['5'] });
  });

  it('a nested step failing with Abort fails the loop and the automation (the loop inherits it)', async () => {
    const d = doc([
      { name: 'Each', action: 'aws:loop', onFailure: 'Continue', inputs: { Iterators: ['a', 'b'], Steps: [api('Get', 'iam', 'GetUser')] } },
      sleepStep('After'),
    ]);
    const h = await run(d, {}, { mocks: [{ service: 'iam', operation: 'GetUser', error: { name: 'NoSuchEntity', message: 'gone' } }] });
    expect(stepOf(h, 'Each').StepStatus).to.equal('Failed');
    expect(ranSteps(h)).to.deep.equal(['Each', 'Get']);
    expect(h.result.status).to.equal('Failed');
  });

  it('a nested step with onFailure Continue lets the loop go on to the next item', async () => {
    const d = doc([
      {
        name: 'Each',
        action: 'aws:loop',
        inputs: { Iterators: ['a', 'b'], Steps: [api('Get', 'iam', 'GetUser', { onFailure: 'Continue' })] },
      },
    ]);
    const h = await run(d, {}, { mocks: [{ service: 'iam', operation: 'GetUser', error: { name: 'NoSuchEntity', message: 'gone' } }] });
    expect(h.result.record.StepExecutions.filter((s) => s.StepName === 'Get')).to.have.length(2);
    expect(h.result.status).to.equal('Success');
  });

  it('a nested step jumping outside the loop leaves it and the automation goes on there', async () => {
    const d = doc([
      {
        name: 'Each',
        action: 'aws:loop',
        inputs: {
          Iterators: ['a', 'b'],
          Steps: [
            {
              name: 'Out',
              action: 'aws:branch',
              inputs: { Choices: [{ NextStep: 'Done', Variable: '{{ Each.CurrentIteratorValue }}', StringEquals: 'a' }] },
            },
          ],
        },
      },
      sleepStep('Skipped'),
      sleepStep('Done'),
    ]);
    const h = await run(d);
    expect(ranSteps(h)).to.deep.equal(['Each', 'Out', 'Done']);
  });
});
