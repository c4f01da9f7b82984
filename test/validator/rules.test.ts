import { expect } from 'chai';
import { dump } from 'js-yaml';
import type { AutomationDocument } from '../../src/model/document';
import { RULES, validateCompiled } from '../../src/validator';
import { apiStep, automation, expectProblem, expectValid, type Json, problemsOf, ROLE_PARAMETER, sleepStep, step } from './helpers';

const INSTANCE_PARAMETER = { type: 'String', allowedPattern: '^i-[0-9a-f]{8,17}$' };

describe('validator rules: registry', () => {
  it('registers each rule once, under a distinct id', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids).to.include.members([
      'document-name',
      'document-size',
      'matches-schema',
      'step-name-characters',
      'step-names-unique',
      'jump-targets-exist',
      'no-unreachable-steps',
      'references-resolve',
      'assume-role-references',
      'ssm-only-in-defaults',
      'updated-variables-declared',
      'document-outputs',
      'api-parameters-constrained',
    ]);
  });

  it('runs the semantic rules only once the schema passes', () => {
    // Both a schema problem (bad maxAttempts) and a dangling nextStep: only the first is reported.
    expect(problemsOf(automation([sleepStep('Wait', { maxAttempts: 0, nextStep: 'Nowhere' })]))).to.deep.equal([
      { path: '$.mainSteps[0].maxAttempts', message: 'must be at least 1' },
    ]);
  });

  it('checks the name and size even when the schema fails', () => {
    const problems = problemsOf({ schemaVersion: '0.3' }, { name: 'AWS-Mine', sizeBytes: 70000 });
    expect(problems.map((p) => p.message)).to.deep.equal([
      'document name "AWS-Mine" must not start with aws, amazon or amzn (in any case): those prefixes are reserved',
      'document is 70000 bytes; SSM accepts at most 65536 bytes (64 KB)',
      'is required but missing',
    ]);
  });
});

describe('validator rules: document name and size', () => {
  const doc = automation([sleepStep('Wait')]);

  it('accepts a name of letters, digits, _, - and .', () => {
    expectValid(doc, { name: 'Acme-Ops_Restart.v2' });
  });

  it('rejects a name with other characters', () => {
    expectProblem(doc, '$', 'document name "Acme Ops" must be 3 to 128 characters of letters, digits, _, - and .', { name: 'Acme Ops' });
  });

  it('rejects a name shorter than 3 characters', () => {
    expectProblem(doc, '$', 'document name "ab" must be 3 to 128 characters of letters, digits, _, - and .', { name: 'ab' });
  });

  it('rejects a name longer than 128 characters', () => {
    const name = 'a'.repeat(129);
    expectProblem(doc, '$', `document name "${name}" must be 3 to 128 characters of letters, digits, _, - and .`, { name });
  });

  for (const name of ['aws-Thing', 'AWSThing', 'Amazon-Thing', 'amzn.thing']) {
    it(`rejects the reserved prefix in "${name}", whatever its case`, () => {
      expectProblem(
        doc,
        '$',
        `document name "${name}" must not start with aws, amazon or amzn (in any case): those prefixes are reserved`,
        { name },
      );
    });
  }

  it('checks no name when none is known', () => {
    expectValid(doc);
  });

  it('accepts a document of exactly 64 KB', () => {
    expectValid(doc, { sizeBytes: 65536 });
  });

  it('rejects a document over 64 KB', () => {
    expectProblem(doc, '$', 'document is 65537 bytes; SSM accepts at most 65536 bytes (64 KB)', { sizeBytes: 65537 });
  });

  it('measures the document itself when no size is given', () => {
    const big = automation([sleepStep('Wait')], { description: 'x'.repeat(66000) });
    const problems = problemsOf(big);
    expect(problems).to.have.length(1);
    expect(problems[0].message).to.match(/^document is 66\d{3} bytes; SSM accepts at most 65536 bytes \(64 KB\)$/);
  });
});

describe('validator rules: step names', () => {
  it('rejects a step name with characters other than letters, digits and _', () => {
    expectProblem(
      automation([sleepStep('wait-a-bit')]),
      '$.mainSteps[0].name',
      'step name "wait-a-bit" may contain only letters, digits and _',
    );
  });

  it('rejects two steps with the same name', () => {
    expectProblem(
      automation([sleepStep('Wait'), sleepStep('Wait')]),
      '$.mainSteps[1].name',
      'step name "Wait" is already used by $.mainSteps[0]',
    );
  });

  it('rejects a loop-body step that reuses a main step name', () => {
    const doc = automation([step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('Wait')] }), sleepStep('Wait')]);
    expectProblem(doc, '$.mainSteps[1].name', 'step name "Wait" is already used by $.mainSteps[0].inputs.Steps[0]');
  });

  it('accepts distinct names of letters, digits and _', () => {
    expectValid(automation([sleepStep('Wait_1'), sleepStep('Wait_2')]));
  });
});

describe('validator rules: jump targets', () => {
  it('rejects a nextStep to a missing step', () => {
    expectProblem(
      automation([sleepStep('Wait', { nextStep: 'Gone' })]),
      '$.mainSteps[0].nextStep',
      'nextStep names step "Gone", which does not exist',
    );
  });

  it('rejects an onFailure step:X to a missing step', () => {
    expectProblem(
      automation([sleepStep('Wait', { onFailure: 'step:Gone' })]),
      '$.mainSteps[0].onFailure',
      'onFailure names step "Gone", which does not exist',
    );
  });

  it('rejects an onCancel step:X to a missing step', () => {
    expectProblem(
      automation([sleepStep('Wait', { onCancel: 'step:Gone' })]),
      '$.mainSteps[0].onCancel',
      'onCancel names step "Gone", which does not exist',
    );
  });

  it('rejects a branch choice and Default to missing steps', () => {
    const doc = automation([
      step('Choose', 'aws:branch', {
        Choices: [{ NextStep: 'Gone', Variable: '{{ global:REGION }}', StringEquals: 'x' }],
        Default: 'AlsoGone',
      }),
    ]);
    expect(problemsOf(doc)).to.deep.equal([
      { path: '$.mainSteps[0].inputs.Choices[0].NextStep', message: 'choice names step "Gone", which does not exist' },
      { path: '$.mainSteps[0].inputs.Default', message: 'Default names step "AlsoGone", which does not exist' },
    ]);
  });

  it('accepts jumps to steps that exist, including into a loop body', () => {
    const doc = automation([
      sleepStep('Start', { onFailure: 'step:Handler', onCancel: 'step:Handler', nextStep: 'Each' }),
      sleepStep('Handler', { isEnd: true }),
      step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('Inner', { onFailure: 'step:Handler' })] }),
    ]);
    expectValid(doc);
  });
});

describe('validator rules: reachability', () => {
  it('rejects a step after an isEnd step that nothing jumps to', () => {
    expectProblem(
      automation([sleepStep('Only', { isEnd: true }), sleepStep('Orphan')]),
      '$.mainSteps[1]',
      'step "Orphan" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)',
    );
  });

  it('rejects a step skipped by nextStep', () => {
    expectProblem(
      automation([sleepStep('First', { nextStep: 'Third' }), sleepStep('Second'), sleepStep('Third')]),
      '$.mainSteps[1]',
      'step "Second" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)',
    );
  });

  it('reports an unreachable loop once, not each step of its body', () => {
    const doc = automation([
      sleepStep('Only', { isEnd: true }),
      step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('Inner')] }),
    ]);
    expectProblem(
      doc,
      '$.mainSteps[1]',
      'step "Each" can never run: no path from the first step leads to it (check nextStep, isEnd and branch targets)',
    );
  });

  it('counts onFailure, onCancel and branch targets as ways in', () => {
    const doc = automation([
      sleepStep('Work', { onFailure: 'step:OnFail', onCancel: 'step:OnCancel', nextStep: 'Choose' }),
      sleepStep('OnFail', { isEnd: true }),
      sleepStep('OnCancel', { isEnd: true }),
      step('Choose', 'aws:branch', {
        Choices: [{ NextStep: 'Left', Variable: '{{ global:REGION }}', StringEquals: 'x' }],
        Default: 'Right',
      }),
      sleepStep('Left', { isEnd: true }),
      sleepStep('Right'),
    ]);
    expectValid(doc);
  });

  it('lets a branch without Default fall through to the next step', () => {
    const doc = automation([
      step('Choose', 'aws:branch', { Choices: [{ NextStep: 'Last', Variable: '{{ global:REGION }}', StringEquals: 'x' }] }),
      sleepStep('FallThrough'),
      sleepStep('Last'),
    ]);
    expectValid(doc);
  });
});

describe('validator rules: references', () => {
  it('rejects a reference to an undeclared parameter', () => {
    expectProblem(
      automation([apiStep('Read', { InstanceIds: ['{{ InstanceId }}'] })]),
      '$.mainSteps[0].inputs.InstanceIds[0]',
      '{{ InstanceId }}: no parameter "InstanceId" is declared under parameters',
    );
  });

  it('explains a bare step name used as a parameter', () => {
    expectProblem(
      automation([apiStep('Read'), apiStep('Use', { Note: '{{ Read }}' })]),
      '$.mainSteps[1].inputs.Note',
      '{{ Read }}: "Read" is a step, not a parameter; reference one of its outputs as Read.<Output>',
    );
  });

  it('rejects an output of a step that does not exist', () => {
    expectProblem(
      automation([apiStep('Use', { Note: '{{ Ghost.Id }}' })]),
      '$.mainSteps[0].inputs.Note',
      '{{ Ghost.Id }}: no step named "Ghost"',
    );
  });

  it('rejects an output the step does not have, listing what it has', () => {
    const doc = automation([
      apiStep('Read', {}, { outputs: [{ Name: 'Id', Selector: '$.Reservations[0].Instances[0].InstanceId', Type: 'String' }] }),
      apiStep('Use', { Note: '{{ Read.State }}' }),
    ]);
    expectProblem(doc, '$.mainSteps[1].inputs.Note', '{{ Read.State }}: step "Read" has no output "State" (it has: Id)');
  });

  it('rejects an output of a step that only runs later', () => {
    const doc = automation([
      apiStep('Use', { Note: '{{ Read.Id }}' }),
      apiStep('Read', {}, { outputs: [{ Name: 'Id', Selector: '$.Reservations[0].Instances[0].InstanceId', Type: 'String' }] }),
    ]);
    expectProblem(
      doc,
      '$.mainSteps[0].inputs.Note',
      '{{ Read.Id }}: step "Read" cannot run before step "Use", so its output has no value here',
    );
  });

  it('accepts an output of a step that runs before on some path (a branch)', () => {
    const doc = automation([
      step('Choose', 'aws:branch', { Choices: [{ NextStep: 'Read', Variable: '{{ global:REGION }}', StringEquals: 'x' }], Default: 'Use' }),
      apiStep('Read', {}, { outputs: [{ Name: 'Id', Selector: '$.Reservations[0].Instances[0].InstanceId', Type: 'String' }] }),
      apiStep('Use', { Note: '{{ Read.Id }}' }),
    ]);
    expectValid(doc);
  });

  it('accepts an output of a step reached only through onFailure', () => {
    const doc = automation([
      apiStep('Read', {}, { onFailure: 'step:Report', outputs: [{ Name: 'Id', Selector: '$.x', Type: 'String' }], isEnd: true }),
      apiStep('Report', { Note: '{{ Read.Id }}' }),
    ]);
    expectValid(doc);
  });

  it('accepts the built-in outputs of executeAutomation, approve and invokeLambdaFunction', () => {
    const doc = automation([
      step('Child', 'aws:executeAutomation', { DocumentName: 'Acme-Child' }),
      step('Ask', 'aws:approve', { Approvers: ['ops'] }),
      step('Call', 'aws:invokeLambdaFunction', { FunctionName: 'f' }),
      apiStep('Use', { Note: '{{ Child.ExecutionId }} {{ Child.Status }} {{ Child.Output }} {{ Ask.ApprovalStatus }} {{ Call.Payload }}' }),
    ]);
    expectValid(doc);
  });

  it('gives a loop body its CurrentIteration and CurrentIteratorValue', () => {
    const doc = automation([
      step('Each', 'aws:loop', {
        Iterators: ['a', 'b'],
        Steps: [apiStep('Inner', { Note: '{{ Each.CurrentIteration }} {{ Each.CurrentIteratorValue }}' })],
      }),
    ]);
    expectValid(doc);
  });

  it('rejects CurrentIteratorValue outside the loop body', () => {
    const doc = automation([
      step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('Inner')] }),
      apiStep('After', { Note: '{{ Each.CurrentIteratorValue }}' }),
    ]);
    expectProblem(
      doc,
      '$.mainSteps[1].inputs.Note',
      '{{ Each.CurrentIteratorValue }}: CurrentIteratorValue of loop "Each" is available only to the steps inside that loop',
    );
  });

  it('lets a loop condition and the steps after a loop use outputs from its body', () => {
    const out = { outputs: [{ Name: 'Done', Selector: '$.Payload.done', Type: 'Boolean' }] };
    const doc = automation([
      step('Retry', 'aws:loop', {
        LoopCondition: { Variable: '{{ Check.Done }}', BooleanEquals: false },
        Steps: [step('Check', 'aws:invokeLambdaFunction', { FunctionName: 'f' }, out)],
      }),
      apiStep('After', { Note: '{{ Check.Done }}' }),
    ]);
    expectValid(doc);
  });

  it('accepts every documented system variable', () => {
    const note =
      '{{ global:ACCOUNT_ID }} {{ global:REGION }} {{ global:AWS_PARTITION }} {{ global:DATE }} {{ global:DATE_TIME }} {{ automation:EXECUTION_ID }}';
    expectValid(automation([apiStep('Use', { Note: note })]));
  });

  it('rejects a system variable that is not documented', () => {
    expectProblem(
      automation([apiStep('Use', { Note: '{{ global:DATE_TIME_MINUS_5M }}' })]),
      '$.mainSteps[0].inputs.Note',
      '{{ global:DATE_TIME_MINUS_5M }}: "global:DATE_TIME_MINUS_5M" is not a documented system variable (known: global:ACCOUNT_ID, global:REGION, global:AWS_PARTITION, global:DATE, global:DATE_TIME, automation:EXECUTION_ID)',
    );
  });

  it('accepts a declared variable and rejects an undeclared one', () => {
    const variables = { variables: { Count: { type: 'Integer', default: 0 } } };
    expectValid(automation([apiStep('Use', { Note: '{{ variable:Count }}' })], variables));
    expectProblem(
      automation([apiStep('Use', { Note: '{{ variable:Total }}' })], variables),
      '$.mainSteps[0].inputs.Note',
      '{{ variable:Total }}: no variable "Total" is declared under variables',
    );
  });

  it('rejects an expression that is no kind of reference', () => {
    expectProblem(
      automation([apiStep('Use', { Note: '{{ a.b.c }}' })]),
      '$.mainSteps[0].inputs.Note',
      '{{ a.b.c }} is not a reference SSM understands (a parameter, Step.Output, variable:NAME or a global:/automation: name)',
    );
  });

  it('finds references at any depth of the inputs', () => {
    expectProblem(
      automation([apiStep('Use', { Filters: [{ Name: 'tag:Team', Values: ['ops', '{{ Team }}'] }] })]),
      '$.mainSteps[0].inputs.Filters[0].Values[1]',
      '{{ Team }}: no parameter "Team" is declared under parameters',
    );
  });

  it('rejects a step output in assumeRole (no step has run yet)', () => {
    const doc = {
      ...automation([apiStep('Read', {}, { outputs: [{ Name: 'Role', Selector: '$.x', Type: 'String' }] })]),
      assumeRole: '{{ Read.Role }}',
    };
    expectProblem(doc, '$.assumeRole', '{{ Read.Role }}: assumeRole can use only a parameter or a system variable');
  });

  it('rejects {{ssm:...}} outside parameter defaults', () => {
    expectProblem(
      automation([apiStep('Use', { Note: '{{ssm:/acme/team}}' })]),
      '$.mainSteps[0].inputs.Note',
      '{{ssm:/acme/team}}: Parameter Store references ({{ssm:...}}) are allowed only in parameter defaults',
    );
  });

  it('accepts {{ssm:...}} in a parameter default', () => {
    expectValid(automation([sleepStep('Wait')], { parameters: { Team: { type: 'String', default: '{{ssm:/acme/team}}' } } }));
  });

  it('rejects aws:updateVariable on an undeclared variable', () => {
    expectProblem(
      automation([step('Set', 'aws:updateVariable', { Name: 'variable:Total', Value: 1 })]),
      '$.mainSteps[0].inputs.Name',
      'no variable "Total" is declared under variables',
    );
  });

  it('accepts aws:updateVariable on a declared variable', () => {
    expectValid(
      automation([step('Set', 'aws:updateVariable', { Name: 'variable:Total', Value: 1 })], {
        variables: { Total: { type: 'Integer', default: 0 } },
      }),
    );
  });
});

describe('validator rules: document outputs', () => {
  const read = apiStep('Read', {}, { outputs: [{ Name: 'Id', Selector: '$.x', Type: 'String' }] });

  it('accepts declared and built-in step outputs', () => {
    expectValid(
      automation([read, step('Child', 'aws:executeAutomation', { DocumentName: 'Acme-Child' })], { outputs: ['Read.Id', 'Child.Status'] }),
    );
  });

  it('rejects an entry that is not Step.Output', () => {
    expectProblem(automation([read], { outputs: ['Id'] }), '$.outputs[0]', '"Id" must have the form Step.Output');
  });

  it('rejects an entry naming a missing step', () => {
    expectProblem(automation([read], { outputs: ['Gone.Id'] }), '$.outputs[0]', '"Gone.Id": no step named "Gone"');
  });

  it('rejects an entry naming an output the step does not have', () => {
    expectProblem(
      automation([read, sleepStep('Wait')], { outputs: ['Wait.Id'] }),
      '$.outputs[0]',
      '"Wait.Id": step "Wait" has no output "Id" (it declares no outputs)',
    );
  });

  it('rejects a loop iteration value as a document output', () => {
    const doc = automation([step('Each', 'aws:loop', { Iterators: ['a'], Steps: [sleepStep('Inner')] })], {
      outputs: ['Each.CurrentIteration'],
    });
    expectProblem(doc, '$.outputs[0]', '"Each.CurrentIteration": CurrentIteration exists only inside the loop\'s body');
  });
});

describe('validator rules: parameters that reach an API', () => {
  const withParameter = (parameter: Json, input: Json, action = 'aws:executeAwsApi') =>
    automation([action === 'aws:executeAwsApi' ? apiStep('Call', input) : step('Call', action, input)], {
      parameters: { Target: parameter },
    });

  it('rejects a String parameter without allowedPattern or allowedValues that reaches an API input', () => {
    expectProblem(
      withParameter({ type: 'String' }, { InstanceIds: ['{{ Target }}'] }),
      '$.parameters.Target',
      'String parameter "Target" reaches an input of aws:executeAwsApi ($.mainSteps[0].inputs.InstanceIds[0]) but has neither allowedPattern nor allowedValues',
    );
  });

  it('rejects such a parameter deep inside the inputs, inside a larger string', () => {
    expectProblem(
      withParameter({ type: 'String' }, { Filters: [{ Name: 'tag:Name', Values: ['web-{{ Target }}'] }] }),
      '$.parameters.Target',
      'String parameter "Target" reaches an input of aws:executeAwsApi ($.mainSteps[0].inputs.Filters[0].Values[0]) but has neither allowedPattern nor allowedValues',
    );
  });

  it('rejects an unconstrained StringList parameter passed to a Lambda function', () => {
    expectProblem(
      withParameter({ type: 'StringList' }, { FunctionName: 'f', InputPayload: { ids: '{{ Target }}' } }, 'aws:invokeLambdaFunction'),
      '$.parameters.Target',
      'StringList parameter "Target" reaches an input of aws:invokeLambdaFunction ($.mainSteps[0].inputs.InputPayload.ids) but has neither allowedPattern nor allowedValues',
    );
  });

  it('rejects an unconstrained parameter passed to a child automation', () => {
    expectProblem(
      withParameter(
        { type: 'String' },
        { DocumentName: 'Acme-Child', RuntimeParameters: { Id: ['{{ Target }}'] } },
        'aws:executeAutomation',
      ),
      '$.parameters.Target',
      'String parameter "Target" reaches an input of aws:executeAutomation ($.mainSteps[0].inputs.RuntimeParameters.Id[0]) but has neither allowedPattern nor allowedValues',
    );
  });

  it('rejects an unconstrained AutomationAssumeRole', () => {
    const doc = automation([sleepStep('Wait')], { parameters: { AutomationAssumeRole: { type: 'String' } } });
    expectProblem(
      doc,
      '$.parameters.AutomationAssumeRole',
      'String parameter "AutomationAssumeRole" reaches assumeRole ($.assumeRole) but has neither allowedPattern nor allowedValues',
    );
  });

  it('accepts a parameter with an allowedPattern', () => {
    expectValid(withParameter(INSTANCE_PARAMETER, { InstanceIds: ['{{ Target }}'] }));
  });

  it('accepts a parameter with allowedValues', () => {
    expectValid(withParameter({ type: 'String', allowedValues: ['a', 'b'] }, { Note: '{{ Target }}' }));
  });

  it('accepts an Integer or Boolean parameter without a pattern', () => {
    expectValid(withParameter({ type: 'Integer', default: 5 }, { MaxResults: '{{ Target }}' }));
    expectValid(withParameter({ type: 'Boolean', default: true }, { DryRun: '{{ Target }}' }));
  });

  it('does not require a pattern for a parameter that reaches no API (a sleep)', () => {
    expectValid(
      automation([step('Wait', 'aws:sleep', { Duration: '{{ Delay }}' })], { parameters: { Delay: { type: 'String', default: 'PT1M' } } }),
    );
  });

  it('reports each parameter once, at its first use', () => {
    const doc = automation([apiStep('One', { A: '{{ Target }}' }), apiStep('Two', { B: '{{ Target }}' })], {
      parameters: { Target: { type: 'String' } },
    });
    expect(problemsOf(doc)).to.have.length(1);
  });
});

describe('validateCompiled', () => {
  const compiled = automation([sleepStep('Wait')], {
    parameters: { AutomationAssumeRole: ROLE_PARAMETER },
  }) as unknown as AutomationDocument;

  it('accepts a valid compiled document under a valid name', () => {
    expect(validateCompiled('Hubfix-Test', compiled)).to.deep.equal([]);
  });

  it('applies the document-name rules to the name it is given', () => {
    expect(validateCompiled('Amazon-Test', compiled)).to.deep.equal([
      {
        path: '$',
        message: 'document name "Amazon-Test" must not start with aws, amazon or amzn (in any case): those prefixes are reserved',
      },
    ]);
  });

  it('measures the size of the YAML it will write', () => {
    const big = { ...compiled, description: 'word '.repeat(13200) } as AutomationDocument;
    const yamlBytes = Buffer.byteLength(dump(big, { noRefs: true, lineWidth: -1 }));
    expect(yamlBytes).to.be.greaterThan(65536);
    expect(validateCompiled('Hubfix-Test', big)).to.deep.equal([
      { path: '$', message: `document is ${yamlBytes} bytes; SSM accepts at most 65536 bytes (64 KB)` },
    ]);
  });
});
