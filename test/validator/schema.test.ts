import { expect } from 'chai';
import { apiStep, automation, expectProblem, expectValid, type Json, problemsOf, sleepStep, step } from './helpers';

const INSTANCE = 'i-0123456789abcdef0';

/** One minimal, valid step per supported action (with what it needs around it). */
const MINIMAL: Record<string, { inputs: Json; parts?: Json; required: string[]; open?: boolean }> = {
  'aws:executeAwsApi': { inputs: { Service: 'ec2', Api: 'DescribeInstances' }, required: ['Service', 'Api'], open: true },
  'aws:assertAwsResourceProperty': {
    inputs: {
      Service: 'ec2',
      Api: 'DescribeInstances',
      PropertySelector: '$.Reservations[0].Instances[0].State.Name',
      DesiredValues: ['running'],
    },
    required: ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
    open: true,
  },
  'aws:waitForAwsResourceProperty': {
    inputs: {
      Service: 'ec2',
      Api: 'DescribeInstances',
      PropertySelector: '$.Reservations[0].Instances[0].State.Name',
      DesiredValues: ['stopped'],
    },
    required: ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
    open: true,
  },
  'aws:branch': {
    inputs: { Choices: [{ NextStep: 'After', Variable: '{{ global:REGION }}', StringEquals: 'us-east-1' }] },
    required: ['Choices'],
  },
  'aws:sleep': { inputs: { Duration: 'PT10M' }, required: [] },
  'aws:approve': {
    inputs: { Approvers: ['arn:aws:iam::123456789012:role/Approver'], MinRequiredApprovals: 1, Message: 'ok?' },
    required: ['Approvers'],
  },
  'aws:pause': { inputs: {}, required: [] },
  'aws:executeAutomation': { inputs: { DocumentName: 'Acme-Child', RuntimeParameters: { Target: ['x'] } }, required: ['DocumentName'] },
  'aws:loop': { inputs: { Iterators: ['a', 'b'], Steps: [sleepStep('Inner')] }, required: ['Steps'] },
  'aws:updateVariable': {
    inputs: { Name: 'variable:Count', Value: 1 },
    parts: { variables: { Count: { type: 'Integer', default: 0 } } },
    required: ['Name', 'Value'],
  },
  'aws:invokeLambdaFunction': { inputs: { FunctionName: 'acme-fn', InputPayload: { a: 1 } }, required: ['FunctionName'] },
  'aws:executeScript': {
    inputs: { Runtime: 'python3.11', Handler: 'main', Script: 'def main(events, context):\n    return {}' },
    required: ['Runtime'],
  },
  'aws:runCommand': {
    inputs: { DocumentName: 'AWS-RunShellScript', InstanceIds: [INSTANCE], Parameters: { commands: ['uptime'] } },
    required: ['DocumentName'],
  },
  'aws:createTags': { inputs: { ResourceIds: [INSTANCE], Tags: [{ Key: 'Owner', Value: 'ops' }] }, required: ['ResourceIds', 'Tags'] },
  'aws:changeInstanceState': { inputs: { InstanceIds: [INSTANCE], DesiredState: 'stopped' }, required: ['InstanceIds', 'DesiredState'] },
  'aws:createStack': { inputs: { StackName: 'tmp-stack', TemplateURL: 'https://bucket.s3.amazonaws.com/t.yaml' }, required: ['StackName'] },
  'aws:deleteStack': { inputs: { StackName: 'tmp-stack' }, required: ['StackName'] },
};

function docWith(action: string, inputs: Json, more: Json = {}): Json {
  return automation([step('Subject', action, inputs, more), sleepStep('After')], MINIMAL[action].parts ?? {});
}

describe('validator schema: per-action steps', () => {
  for (const [action, spec] of Object.entries(MINIMAL)) {
    it(`accepts a minimal ${action} step`, () => {
      expectValid(docWith(action, spec.inputs));
    });
    for (const key of spec.required) {
      it(`reports the missing required input ${key} of ${action}`, () => {
        const { [key]: _removed, ...rest } = spec.inputs;
        expect(problemsOf(docWith(action, rest))).to.deep.include({
          path: `$.mainSteps[0].inputs.${key}`,
          message: 'is required but missing',
        });
      });
    }
    if (spec.open) {
      it(`lets ${action} take the API operation's own parameters`, () => {
        expectValid(docWith(action, { ...spec.inputs, InstanceIds: [INSTANCE], Filters: [{ Name: 'x', Values: ['y'] }] }));
      });
    } else {
      it(`rejects an unknown input key of ${action}`, () => {
        const problems = problemsOf(docWith(action, { ...spec.inputs, Bogus: 1 }));
        expect(problems).to.have.length(1);
        expect(problems[0].path).to.equal('$.mainSteps[0].inputs.Bogus');
        expect(problems[0].message).to.match(/^unknown key \((allowed here: .+|no keys are allowed here)\)$/);
      });
    }
  }

  it('names the allowed keys when an input key is unknown', () => {
    expectProblem(
      docWith('aws:sleep', { Duration: 'PT1M', Until: 'x' }),
      '$.mainSteps[0].inputs.Until',
      'unknown key (allowed here: Duration, Timestamp)',
    );
  });

  it('rejects an unknown key on a step', () => {
    expectProblem(
      automation([sleepStep('Wait', { retries: 3 })]),
      '$.mainSteps[0].retries',
      'unknown key (allowed here: name, action, description, inputs, outputs, maxAttempts, timeoutSeconds, onFailure, onCancel, isEnd, nextStep, isCritical)',
    );
  });

  it('accepts every common step property', () => {
    expectValid(
      automation([
        apiStep(
          'Read',
          {},
          {
            description: 'read',
            maxAttempts: 3,
            timeoutSeconds: 30,
            onFailure: 'step:Recover',
            onCancel: 'Abort',
            isCritical: false,
            nextStep: 'Recover',
            isEnd: false,
            outputs: [{ Name: 'Id', Selector: '$.Reservations[0].Instances[0].InstanceId', Type: 'String' }],
          },
        ),
        sleepStep('Recover'),
      ]),
    );
  });

  it('rejects an unknown top-level key', () => {
    expectProblem(
      automation([sleepStep('Wait')], { metadata: {} }),
      '$.metadata',
      'unknown key (allowed here: schemaVersion, description, assumeRole, parameters, variables, mainSteps, outputs, files)',
    );
  });

  it('rejects an action it does not know, naming it', () => {
    const problems = problemsOf(automation([step('Copy', 'aws:copyImage', { SourceImageId: 'ami-1' })]));
    expect(problems).to.have.length(1);
    expect(problems[0].path).to.equal('$.mainSteps[0].action');
    expect(problems[0].message).to.match(/^unsupported action "aws:copyImage" \(supported: aws:executeAwsApi, .*aws:deleteStack\)$/);
  });

  it('requires name, action and inputs on every step', () => {
    expect(problemsOf(automation([{ action: 'aws:pause' }]))).to.deep.equal([
      { path: '$.mainSteps[0].name', message: 'is required but missing' },
      { path: '$.mainSteps[0].inputs', message: 'is required but missing' },
    ]);
  });
});

describe('validator schema: types', () => {
  it('rejects a step property of the wrong type', () => {
    expectProblem(automation([sleepStep('Wait', { maxAttempts: 'three' })]), '$.mainSteps[0].maxAttempts', 'must be an integer');
  });

  it('rejects isEnd that is not a boolean', () => {
    expectProblem(automation([sleepStep('Wait', { isEnd: 'yes' })]), '$.mainSteps[0].isEnd', 'must be a boolean');
  });

  it('rejects an onFailure that is not Abort, Continue or step:X', () => {
    expectProblem(
      automation([sleepStep('Wait', { onFailure: 'Retry' })]),
      '$.mainSteps[0].onFailure',
      'must be Abort, Continue or step:<StepName>',
    );
  });

  it('rejects onCancel: Continue (only Abort or step:X)', () => {
    expectProblem(automation([sleepStep('Wait', { onCancel: 'Continue' })]), '$.mainSteps[0].onCancel', 'must be Abort or step:<StepName>');
  });

  it('accepts a {{ reference }} where an input expects a list or a number', () => {
    expectValid(
      automation(
        [
          step('Ask', 'aws:approve', { Approvers: '{{ Approvers }}', MinRequiredApprovals: '{{ Needed }}' }),
          step('Stop', 'aws:changeInstanceState', { InstanceIds: '{{ Ids }}', DesiredState: 'stopped', CheckStateOnly: '{{ OnlyCheck }}' }),
        ],
        {
          parameters: {
            Approvers: { type: 'StringList', allowedPattern: '^[\\w+=,.@-]+$' },
            Needed: { type: 'Integer', default: 1 },
            Ids: { type: 'StringList', allowedPattern: '^i-[0-9a-f]{8,17}$' },
            OnlyCheck: { type: 'Boolean', default: false },
          },
        },
      ),
    );
  });

  it('rejects a plain string where an input expects a list', () => {
    expectProblem(
      docWith('aws:changeInstanceState', { InstanceIds: INSTANCE, DesiredState: 'stopped' }),
      '$.mainSteps[0].inputs.InstanceIds',
      'must be a list of strings or a single {{ reference }}',
    );
  });

  it('rejects an integer input given as words', () => {
    expectProblem(
      docWith('aws:approve', { Approvers: ['ops'], MinRequiredApprovals: 'two' }),
      '$.mainSteps[0].inputs.MinRequiredApprovals',
      'must be an integer or a single {{ reference }}',
    );
  });

  it('rejects DesiredValues that are not strings', () => {
    expectProblem(
      docWith('aws:assertAwsResourceProperty', {
        Service: 'ec2',
        Api: 'DescribeInstances',
        PropertySelector: '$.x',
        DesiredValues: [true],
      }),
      '$.mainSteps[0].inputs.DesiredValues[0]',
      'must be a string',
    );
  });

  it('rejects a parameter default that does not match its type', () => {
    expectProblem(
      automation([sleepStep('Wait')], { parameters: { Count: { type: 'Integer', default: 'ten' } } }),
      '$.parameters.Count.default',
      'must be an integer or a single {{ reference }}',
    );
  });

  it('rejects an unknown parameter type', () => {
    expectProblem(
      automation([sleepStep('Wait')], { parameters: { Count: { type: 'Number' } } }),
      '$.parameters.Count.type',
      'must be one of: String, StringList, Integer, Boolean, StringMap, MapList',
    );
  });

  it('rejects a parameter name with characters SSM does not allow', () => {
    expectProblem(
      automation([sleepStep('Wait')], { parameters: { 'Bucket-Name': { type: 'Boolean' } } }),
      "$.parameters['Bucket-Name']",
      'invalid name: parameter and variable names are letters, digits and _',
    );
  });

  it('rejects an output whose Selector is not a JSONPath', () => {
    expectProblem(
      automation([apiStep('Read', {}, { outputs: [{ Name: 'Id', Selector: 'Reservations[0]', Type: 'String' }] })]),
      '$.mainSteps[0].outputs[0].Selector',
      'must be a JSONPath starting with $',
    );
  });

  it('rejects an unquoted schemaVersion 0.3 (a number, not the string)', () => {
    expectProblem(
      { ...automation([sleepStep('Wait')]), schemaVersion: 0.3 },
      '$.schemaVersion',
      'must be the string "0.3" (quote it in YAML)',
    );
  });

  it('rejects an empty mainSteps', () => {
    expectProblem(automation([]), '$.mainSteps', 'must have at least 1 item(s)');
  });
});

describe('validator schema: aws:branch', () => {
  const OPERATORS: Array<[string, unknown]> = [
    ['StringEquals', 'running'],
    ['EqualsIgnoreCase', 'RUNNING'],
    ['StartsWith', 'run'],
    ['EndsWith', 'ing'],
    ['Contains', 'unn'],
    ['NumericEquals', 1],
    ['NumericGreater', 1],
    ['NumericLesser', 1],
    ['NumericGreaterOrEquals', 1.5],
    ['NumericLesserOrEquals', 1],
    ['BooleanEquals', true],
  ];
  const branch = (choice: Json, inputs: Json = {}) =>
    automation(
      [
        step('Choose', 'aws:branch', { Choices: [{ NextStep: 'Yes', ...choice }], ...inputs }),
        sleepStep('No', { isEnd: true }),
        sleepStep('Yes'),
      ],
      {
        parameters: { Flag: { type: 'String', allowedValues: ['a', 'b'] } },
      },
    );

  for (const [op, value] of OPERATORS) {
    it(`accepts the ${op} operator`, () => {
      expectValid(branch({ Variable: '{{ Flag }}', [op]: value }));
    });
  }

  it('accepts And, Or and Not nested inside one another, with Default', () => {
    expectValid(
      branch(
        {
          And: [
            { Variable: '{{ Flag }}', StringEquals: 'a' },
            { Or: [{ Variable: '{{ global:REGION }}', StartsWith: 'eu-' }, { Not: { Variable: '{{ Flag }}', Contains: 'b' } }] },
          ],
        },
        { Default: 'No' },
      ),
    );
  });

  const CONDITION_MESSAGE =
    'a condition is a Variable with exactly one operator (StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains, NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals, BooleanEquals), or exactly one of And, Or, Not';

  it('rejects a choice with two operators', () => {
    expectProblem(
      branch({ Variable: '{{ Flag }}', StringEquals: 'a', Contains: 'b' }),
      '$.mainSteps[0].inputs.Choices[0]',
      CONDITION_MESSAGE,
    );
  });

  it('rejects a choice with a Variable but no operator', () => {
    expectProblem(branch({ Variable: '{{ Flag }}' }), '$.mainSteps[0].inputs.Choices[0]', CONDITION_MESSAGE);
  });

  it('rejects a choice that mixes a comparison with And', () => {
    expectProblem(
      branch({ Variable: '{{ Flag }}', StringEquals: 'a', And: [{ Variable: '{{ Flag }}', StringEquals: 'b' }] }),
      '$.mainSteps[0].inputs.Choices[0]',
      CONDITION_MESSAGE,
    );
  });

  it('rejects an operator without a Variable inside Not', () => {
    expect(problemsOf(branch({ Not: { StringEquals: 'a' } }))).to.deep.equal([
      { path: '$.mainSteps[0].inputs.Choices[0].Not', message: CONDITION_MESSAGE },
      { path: '$.mainSteps[0].inputs.Choices[0].Not', message: '"StringEquals" needs "Variable" next to it' },
    ]);
  });

  it('rejects a numeric operator given a word', () => {
    expectProblem(
      branch({ Variable: '{{ Flag }}', NumericGreater: 'five' }),
      '$.mainSteps[0].inputs.Choices[0].NumericGreater',
      'must be a number or a single {{ reference }}',
    );
  });

  it('rejects a Variable that is not a {{ reference }}', () => {
    expectProblem(
      branch({ Variable: 'Flag', StringEquals: 'a' }),
      '$.mainSteps[0].inputs.Choices[0].Variable',
      'must be a single {{ reference }}',
    );
  });

  it('rejects a choice without NextStep', () => {
    const doc = automation([
      step('Choose', 'aws:branch', { Choices: [{ Variable: '{{ global:REGION }}', StringEquals: 'x' }] }),
      sleepStep('After'),
    ]);
    expectProblem(doc, '$.mainSteps[0].inputs.Choices[0].NextStep', 'is required but missing');
  });

  it('rejects an unknown key inside a nested condition', () => {
    const problems = problemsOf(branch({ And: [{ Variable: '{{ Flag }}', StringEquals: 'a', Negate: true }] }));
    expect(problems).to.have.length(1);
    expect(problems[0].path).to.equal('$.mainSteps[0].inputs.Choices[0].And[0].Negate');
  });
});

describe('validator schema: sleep, loop, script and variables', () => {
  it('accepts aws:sleep with a Timestamp', () => {
    expectValid(docWith('aws:sleep', { Timestamp: '2030-01-01T01:00:00Z' }));
  });

  it('rejects aws:sleep with both Duration and Timestamp', () => {
    expectProblem(
      docWith('aws:sleep', { Duration: 'PT1M', Timestamp: '2030-01-01T01:00:00Z' }),
      '$.mainSteps[0].inputs',
      'give Duration or Timestamp, not both',
    );
  });

  it('rejects aws:sleep with neither', () => {
    expectProblem(docWith('aws:sleep', {}), '$.mainSteps[0].inputs', 'needs Duration or Timestamp');
  });

  it('rejects a Duration that is not ISO 8601', () => {
    expectProblem(
      docWith('aws:sleep', { Duration: '10 minutes' }),
      '$.mainSteps[0].inputs.Duration',
      'must be an ISO 8601 duration such as PT10M',
    );
  });

  it('accepts a do-while loop with LoopCondition and MaxIterations 100', () => {
    expectValid(
      docWith('aws:loop', {
        LoopCondition: { Variable: '{{ Check.Done }}', BooleanEquals: false },
        MaxIterations: 100,
        Steps: [
          step(
            'Check',
            'aws:invokeLambdaFunction',
            { FunctionName: 'check' },
            { outputs: [{ Name: 'Done', Selector: '$.Payload.done', Type: 'Boolean' }] },
          ),
        ],
      }),
    );
  });

  it('rejects MaxIterations above 100', () => {
    expectProblem(
      docWith('aws:loop', { Iterators: ['a'], MaxIterations: 101, Steps: [sleepStep('Inner')] }),
      '$.mainSteps[0].inputs.MaxIterations',
      'must be at most 100',
    );
  });

  it('rejects a loop with both Iterators and LoopCondition', () => {
    expectProblem(
      docWith('aws:loop', {
        Iterators: ['a'],
        LoopCondition: { Variable: '{{ global:REGION }}', StringEquals: 'x' },
        Steps: [sleepStep('Inner')],
      }),
      '$.mainSteps[0].inputs',
      'give Iterators or LoopCondition, not both',
    );
  });

  it('rejects a loop with neither Iterators nor LoopCondition', () => {
    expectProblem(
      docWith('aws:loop', { Steps: [sleepStep('Inner')] }),
      '$.mainSteps[0].inputs',
      'needs Iterators (for each) or LoopCondition (do while)',
    );
  });

  it('checks the steps inside a loop against the schema too', () => {
    expectProblem(
      docWith('aws:loop', { Iterators: ['a'], Steps: [step('Inner', 'aws:sleep', { Duration: 'PT1S', Bogus: 1 })] }),
      '$.mainSteps[0].inputs.Steps[0].inputs.Bogus',
      'unknown key (allowed here: Duration, Timestamp)',
    );
  });

  it('rejects onCancel on aws:loop itself', () => {
    expectProblem(
      docWith('aws:loop', { Iterators: ['a'], Steps: [sleepStep('Inner')] }, { onCancel: 'Abort' }),
      '$.mainSteps[0].onCancel',
      'onCancel is not supported for aws:loop (only for the steps inside it)',
    );
  });

  it('rejects onCancel on aws:updateVariable', () => {
    expectProblem(
      docWith('aws:updateVariable', { Name: 'variable:Count', Value: 2 }, { onCancel: 'Abort' }),
      '$.mainSteps[0].onCancel',
      'onCancel is not supported for aws:updateVariable',
    );
  });

  it('rejects an updateVariable Name without the variable: prefix', () => {
    expectProblem(
      docWith('aws:updateVariable', { Name: 'Count', Value: 2 }),
      '$.mainSteps[0].inputs.Name',
      'must be variable:<VariableName>',
    );
  });

  it('accepts an aws:executeScript with a PowerShell runtime and an Attachment', () => {
    expectValid(docWith('aws:executeScript', { Runtime: 'PowerShell 7.4', Attachment: 'script.zip' }));
  });

  it('rejects an aws:executeScript runtime that cannot run (Node.js, or a retired Python)', () => {
    for (const Runtime of ['nodejs20.x', 'python3.6']) {
      expectProblem(
        docWith('aws:executeScript', { Runtime, Handler: 'main', Script: 'x' }),
        '$.mainSteps[0].inputs.Runtime',
        'must be a supported runtime: python3.9 or later (python3.11 recommended) or PowerShell 7.x',
      );
    }
  });

  it('requires a Handler for a Python script', () => {
    expectProblem(
      docWith('aws:executeScript', { Runtime: 'python3.11', Script: 'x' }),
      '$.mainSteps[0].inputs.Handler',
      'is required but missing',
    );
  });

  it('requires Script or Attachment', () => {
    expectProblem(
      docWith('aws:executeScript', { Runtime: 'python3.11', Handler: 'main' }),
      '$.mainSteps[0].inputs',
      'needs Script (inline) or Attachment',
    );
  });

  it('rejects an invokeLambdaFunction InvocationType Lambda does not know', () => {
    expectProblem(
      docWith('aws:invokeLambdaFunction', { FunctionName: 'f', InvocationType: 'Async' }),
      '$.mainSteps[0].inputs.InvocationType',
      'must be Event, RequestResponse or DryRun',
    );
  });
});
