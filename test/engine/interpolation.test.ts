import { expect } from 'chai';
import { EngineInputError } from '../../src/engine/errors';
import { formatDate, formatDateTime } from '../../src/engine/interpolate';
import { ACCOUNT, ROLE, api, doc, run, stepOf } from './helpers';

const echo = { service: 'sts', operation: 'GetCallerIdentity', output: { Account: ACCOUNT } };

/** Runs one executeAwsApi step whose extra inputs are `params` and returns the input the invoker saw. */
async function inputSeen(params: Record<string, unknown>, given: Record<string, unknown> = {}, more = {}) {
  const d = doc([api('Call', 'sts', 'GetCallerIdentity', { params })], {
    parameters: {
      Name: { type: 'String', default: 'web' },
      Count: { type: 'Integer', default: 3 },
      Flag: { type: 'Boolean', default: true },
      Ids: { type: 'StringList', default: ['a', 'b'] },
      Tags: { type: 'StringMap', default: { env: 'prod' } },
      Rules: { type: 'MapList', default: [{ port: 22 }] },
    },
    ...more,
  });
  const h = await run(d, given, { mocks: [echo] });
  expect(h.result.status, h.result.record.FailureMessage).to.equal('Success');
  const call = h.invoker.calls.find((c) => c.service === 'sts' && c.operation === 'GetCallerIdentity');
  return { input: call?.input as Record<string, unknown>, h };
}

describe('engine: interpolation', () => {
  it('a value that is exactly one reference keeps its type', async () => {
    const { input } = await inputSeen({
      A: '{{ Count }}',
      B: '{{Flag}}',
      C: '{{ Ids }}',
      D: '{{ Tags }}',
      E: '{{ Rules }}',
      F: '{{ Name }}',
    });
    expect(input).to.deep.equal({ A: 3, B: true, C: ['a', 'b'], D: { env: 'prod' }, E: [{ port: 22 }], F: 'web' });
  });

  it('a reference inside a longer string is printed: scalars plainly, maps and lists as JSON', async () => {
    const { input } = await inputSeen({ S: 'n={{ Count }} f={{ Flag }} ids={{ Ids }} tags={{ Tags }} name={{ Name }}' });
    expect(input.S).to.equal('n=3 f=true ids=["a","b"] tags={"env":"prod"} name=web');
  });

  it('resolves references nested in lists and maps', async () => {
    const { input } = await inputSeen({ Filters: [{ Name: 'group-name', Values: ['{{ Name }}', 'x-{{ Name }}'] }] });
    expect(input.Filters).to.deep.equal([{ Name: 'group-name', Values: ['web', 'x-web'] }]);
  });

  it('resolves the global and automation variables', async () => {
    const { input, h } = await inputSeen({
      Acct: '{{ global:ACCOUNT_ID }}',
      Region: '{{ global:REGION }}',
      Part: '{{ global:AWS_PARTITION }}',
      Date: '{{ global:DATE }}',
      When: '{{ global:DATE_TIME }}',
      Id: '{{ automation:EXECUTION_ID }}',
    });
    expect(input.Acct).to.equal(ACCOUNT);
    expect(input.Region).to.equal('us-east-1');
    expect(input.Part).to.equal('aws');
    expect(input.Date).to.equal('2024-01-01');
    expect(input.When).to.equal('2024-01-01_00.00.00');
    expect(input.Id).to.equal(h.result.executionId);
  });

  it('takes the partition from the role ARN', async () => {
    const d = doc([api('Call', 'sts', 'GetCallerIdentity', { params: { P: '{{ global:AWS_PARTITION }}' } })]);
    const h = await run(d, { AutomationAssumeRole: `arn:aws-us-gov:iam::${ACCOUNT}:role/R` }, { mocks: [echo], region: 'us-gov-west-1' });
    expect(h.invoker.calls.find((c) => c.operation === 'GetCallerIdentity')?.input.P).to.equal('aws-us-gov');
  });

  it('formats DATE and DATE_TIME as SSM does (yyyy-MM-dd, yyyy-MM-dd_HH.mm.ss)', () => {
    const t = Date.UTC(2025, 2, 7, 4, 5, 9);
    expect(formatDate(t)).to.equal('2025-03-07');
    expect(formatDateTime(t)).to.equal('2025-03-07_04.05.09');
  });

  it('resolves a previous step output with its declared type', async () => {
    const d = doc([
      api('Get', 'iam', 'GetAccountPasswordPolicy', {
        outputs: [
          { Name: 'Len', Selector: '$.PasswordPolicy.MinimumPasswordLength', Type: 'Integer' },
          { Name: 'LenText', Selector: '$.PasswordPolicy.MinimumPasswordLength', Type: 'String' },
        ],
      }),
      api('Use', 'sts', 'GetCallerIdentity', { params: { N: '{{ Get.Len }}', T: '{{ Get.LenText }}' } }),
    ]);
    const h = await run(
      d,
      {},
      {
        mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: { PasswordPolicy: { MinimumPasswordLength: 8 } } }, echo],
      },
    );
    expect(h.invoker.calls.find((c) => c.operation === 'GetCallerIdentity')?.input).to.deep.equal({ N: 8, T: '8' });
  });

  it('resolves variables, updated by aws:updateVariable', async () => {
    const d = doc(
      [
        { name: 'Set', action: 'aws:updateVariable', inputs: { Name: 'variable:Mode', Value: 'strict-{{ Name }}' } },
        api('Use', 'sts', 'GetCallerIdentity', { params: { M: '{{ variable:Mode }}' } }),
      ],
      { parameters: { Name: { type: 'String', default: 'web' } }, variables: { Mode: { type: 'String', default: 'lax' } } },
    );
    const h = await run(d, {}, { mocks: [echo] });
    expect(h.invoker.calls.find((c) => c.operation === 'GetCallerIdentity')?.input).to.deep.equal({ M: 'strict-web' });
  });

  it('fails the step when a referenced output does not exist (its step failed or selected nothing)', async () => {
    const d = doc([
      api('Get', 'iam', 'GetAccountPasswordPolicy', { outputs: [{ Name: 'Len', Selector: '$.Missing', Type: 'Integer' }] }),
      api('Use', 'sts', 'GetCallerIdentity', { params: { N: '{{ Get.Len }}' } }),
    ]);
    const h = await run(d, {}, { mocks: [{ service: 'iam', operation: 'GetAccountPasswordPolicy', output: {} }, echo] });
    expect(stepOf(h, 'Get').StepStatus).to.equal('Success');
    expect(stepOf(h, 'Get').Outputs).to.equal(undefined);
    expect(stepOf(h, 'Use').StepStatus).to.equal('Failed');
    expect(stepOf(h, 'Use').FailureMessage).to.match(/cannot resolve \{\{ Get\.Len \}\}: step Get has no output Len/);
  });

  it('refuses, before any step runs, a reference to a parameter, step or variable the document does not have', async () => {
    for (const ref of ['{{ Nope }}', '{{ Ghost.Out }}', '{{ variable:Nope }}', '{{ global:NOPE }}', '{{ ssm:/my/param }}']) {
      const d = doc([api('Use', 'sts', 'GetCallerIdentity', { params: { X: ref } })]);
      let err: unknown;
      try {
        await run(d, {}, { mocks: [echo] });
      } catch (e) {
        err = e;
      }
      expect(err, ref).to.be.instanceOf(EngineInputError);
      expect((err as EngineInputError).code).to.equal('InvalidDocument');
    }
  });

  it('assumes the document role with the execution id as the session name, before any step', async () => {
    const { h } = await inputSeen({});
    const first = h.invoker.calls[0];
    expect(first.service).to.equal('sts');
    expect(first.operation).to.equal('AssumeRole');
    expect(first.input).to.deep.equal({ RoleArn: ROLE, RoleSessionName: h.result.executionId });
    expect(h.invoker.calls[1].credentials?.accessKeyId).to.equal('ASIAMOCKMOCKMOCKMOCK');
    expect(h.result.record.Account).to.equal(ACCOUNT);
  });
});
