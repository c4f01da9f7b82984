import { expect } from 'chai';
import type { DocumentStep } from '../../src/model/document';
import { doc, ranSteps, run, sleepStep, stepOf } from './helpers';

/** A document whose branch picks Yes when `choice` holds for parameter V, else falls to No (Default). */
function branchDoc(choice: Record<string, unknown>, vType: 'String' | 'Integer' | 'Boolean' | 'StringList' = 'String') {
  const steps: DocumentStep[] = [
    { name: 'Decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'Yes', ...choice }], Default: 'No' } },
    sleepStep('Yes', 'PT1S', { isEnd: true }),
    sleepStep('No', 'PT1S', { isEnd: true }),
  ];
  return doc(steps, { parameters: { V: { type: vType } } });
}

async function picks(
  choice: Record<string, unknown>,
  value: unknown,
  vType: 'String' | 'Integer' | 'Boolean' | 'StringList' = 'String',
): Promise<string> {
  const h = await run(branchDoc({ Variable: '{{ V }}', ...choice }, vType), { V: value });
  expect(h.result.status, h.result.record.FailureMessage).to.equal('Success');
  return ranSteps(h)[1];
}

describe('engine: aws:branch', () => {
  const cases: Array<[string, Record<string, unknown>, unknown, unknown, 'String' | 'Integer' | 'Boolean' | 'StringList']> = [
    ['StringEquals', { StringEquals: 'linux' }, 'linux', 'Linux', 'String'],
    ['EqualsIgnoreCase', { EqualsIgnoreCase: 'LINUX' }, 'linux', 'windows', 'String'],
    ['StartsWith', { StartsWith: 'sg-' }, 'sg-123', 'vpc-123', 'String'],
    ['EndsWith', { EndsWith: '.log' }, 'trail.log', 'trail.txt', 'String'],
    ['Contains', { Contains: 'admin' }, 'the-admin-role', 'the-user-role', 'String'],
    ['Contains (list variable)', { Contains: 'b' }, ['a', 'b'], ['a', 'bb'], 'StringList'],
    ['NumericEquals', { NumericEquals: 14 }, 14, 15, 'Integer'],
    ['NumericGreater', { NumericGreater: 14 }, 15, 14, 'Integer'],
    ['NumericLesser', { NumericLesser: 14 }, 13, 14, 'Integer'],
    ['NumericGreaterOrEquals', { NumericGreaterOrEquals: 14 }, 14, 13, 'Integer'],
    ['NumericLesserOrEquals', { NumericLesserOrEquals: 14 }, 14, 15, 'Integer'],
    ['BooleanEquals', { BooleanEquals: true }, true, false, 'Boolean'],
  ];
  for (const [label, choice, yes, no, type] of cases) {
    it(`${label} picks its NextStep when it holds and falls to Default when not`, async () => {
      expect(await picks(choice, yes, type)).to.equal('Yes');
      expect(await picks(choice, no, type)).to.equal('No');
    });
  }

  it('And holds only when every condition holds', async () => {
    const choice = {
      And: [
        { Variable: '{{ V }}', StartsWith: 'sg-' },
        { Variable: '{{ V }}', EndsWith: '0' },
      ],
    };
    expect(await picks(choice, 'sg-10')).to.equal('Yes');
    expect(await picks(choice, 'sg-11')).to.equal('No');
  });

  it('Or holds when any condition holds', async () => {
    const choice = {
      Or: [
        { Variable: '{{ V }}', StringEquals: 'a' },
        { Variable: '{{ V }}', StringEquals: 'b' },
      ],
    };
    expect(await picks(choice, 'b')).to.equal('Yes');
    expect(await picks(choice, 'c')).to.equal('No');
  });

  it('Not inverts its condition', async () => {
    const choice = { Not: { Variable: '{{ V }}', StringEquals: 'linux' } };
    expect(await picks(choice, 'windows')).to.equal('Yes');
    expect(await picks(choice, 'linux')).to.equal('No');
  });

  it('evaluates choices in order: the first that holds wins', async () => {
    const d = doc(
      [
        {
          name: 'Decide',
          action: 'aws:branch',
          inputs: {
            Choices: [
              { NextStep: 'First', Variable: '{{ V }}', StartsWith: 'a' },
              { NextStep: 'Second', Variable: '{{ V }}', StartsWith: 'ab' },
            ],
          },
        },
        sleepStep('First', 'PT1S', { isEnd: true }),
        sleepStep('Second', 'PT1S', { isEnd: true }),
      ],
      { parameters: { V: { type: 'String' } } },
    );
    const h = await run(d, { V: 'abc' });
    expect(ranSteps(h)).to.deep.equal(['Decide', 'First']);
  });

  it('with no choice holding and no Default, goes on to the next step in order', async () => {
    const d = doc(
      [
        { name: 'Decide', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'Far', Variable: '{{ V }}', StringEquals: 'x' }] } },
        sleepStep('Next'),
        sleepStep('Far'),
      ],
      { parameters: { V: { type: 'String' } } },
    );
    const h = await run(d, { V: 'y' });
    expect(ranSteps(h)).to.deep.equal(['Decide', 'Next', 'Far']);
    expect(h.result.status).to.equal('Success');
  });

  it('with no choice holding, no Default and isEnd, the automation ends at the branch', async () => {
    const d = doc(
      [
        {
          name: 'Decide',
          action: 'aws:branch',
          isEnd: true,
          inputs: { Choices: [{ NextStep: 'Far', Variable: '{{ V }}', StringEquals: 'x' }] },
        },
        sleepStep('Next'),
        sleepStep('Far'),
      ],
      { parameters: { V: { type: 'String' } } },
    );
    const h = await run(d, { V: 'y' });
    expect(ranSteps(h)).to.deep.equal(['Decide']);
    expect(h.result.status).to.equal('Success');
  });

  it('a numeric operator on a value that is not a number fails the step', async () => {
    const h = await run(branchDoc({ Variable: '{{ V }}', NumericGreater: 3 }), { V: 'abc' });
    expect(stepOf(h, 'Decide').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Decide').FailureMessage).to.match(/is not a number/);
  });

  it('compares a step output of type Boolean with BooleanEquals', async () => {
    const d = doc([
      {
        name: 'Get',
        action: 'aws:executeAwsApi',
        inputs: { Service: 'kms', Api: 'GetKeyRotationStatus', KeyId: 'k' },
        outputs: [{ Name: 'On', Selector: '$.KeyRotationEnabled', Type: 'Boolean' }],
      },
      {
        name: 'Decide',
        action: 'aws:branch',
        inputs: { Choices: [{ NextStep: 'Yes', Variable: '{{ Get.On }}', BooleanEquals: false }], Default: 'No' },
      },
      sleepStep('Yes', 'PT1S', { isEnd: true }),
      sleepStep('No', 'PT1S', { isEnd: true }),
    ]);
    const h = await run(d, {}, { mocks: [{ service: 'kms', operation: 'GetKeyRotationStatus', output: { KeyRotationEnabled: false } }] });
    expect(ranSteps(h)).to.deep.equal(['Get', 'Decide', 'Yes']);
  });
});
