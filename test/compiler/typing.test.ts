import { expect } from 'chai';
import { defineHandler } from '../../src/model/handlers';
import { Ref } from '../../src/model/refs';
import { executeAwsApi, script } from '../../src/model/steps';

/*
 * These tests pin what the TypeScript types catch. `npx tsc --noEmit` (run by .ci/run) fails if a
 * line marked @ts-expect-error stops being an error, so a regression in the typing is caught.
 */
const handler = defineHandler<{ Count: number; Name: string }, { Ok: boolean }>({
  id: 'test.typed',
  description: 'typed',
  permissions: [],
  outputs: { Ok: 'Boolean' },
  async run() {
    return { Ok: true };
  },
});

describe('typed references', () => {
  it('accepts literals and references of the right type', () => {
    const read = executeAwsApi({
      name: 'Read',
      service: 'iam',
      api: 'GetAccountPasswordPolicy',
      outputs: { Length: { selector: '$.PasswordPolicy.MinimumPasswordLength', type: 'Integer' } },
    });
    const step = script({ name: 'Use', handler, input: { Count: read.out.Length, Name: 'x' } });
    expect(step.toDocument().inputs).to.deep.include({ FunctionName: 'hubfix-step-runner' });
    expect(String(step.out.Ok)).to.equal('{{ Use.Ok }}');
  });

  it('rejects a reference of the wrong type and an output that does not exist (at compile time)', () => {
    const read = executeAwsApi({
      name: 'Read',
      service: 'iam',
      api: 'GetAccountPasswordPolicy',
      outputs: { Length: { selector: '$.PasswordPolicy.MinimumPasswordLength', type: 'Integer' } },
    });
    const aString = new Ref<string>('SomeParam');
    // @ts-expect-error a String reference where an Integer is expected
    script({ name: 'A', handler, input: { Count: aString, Name: 'x' } });
    // @ts-expect-error an output the step does not declare
    const missing = read.out.Nope;
    // @ts-expect-error a missing required input
    script({ name: 'B', handler, input: { Count: 1 } });
    expect(missing).to.equal(undefined);
  });
});
