import { expect } from 'chai';
import { findingProblem } from '../../src/findings/schema';
import { fixture } from './helpers';

/** maxLength/minLength skip counting code points when the UTF-16 length decides; the verdict is ajv's. */
describe('finding schema lengths (code points, as ajv counts them)', () => {
  const event = fixture('imported-consolidated-iam15.json') as { detail: { findings: Array<Record<string, unknown>> } };
  const finding = event.detail.findings[0];
  const astral = '\u{1F512}'; // two UTF-16 units, one code point

  it('accepts a value at its maximum in code points even when its UTF-16 length is over it', () => {
    expect(findingProblem({ ...finding, Id: astral.repeat(512) })).to.equal(undefined);
    expect(findingProblem({ ...finding, Id: 'a'.repeat(512) })).to.equal(undefined);
  });

  it('refuses a value one code point over its maximum, with the same message', () => {
    expect(findingProblem({ ...finding, Id: astral.repeat(513) })).to.equal('Id: must NOT have more than 512 characters');
    expect(findingProblem({ ...finding, Id: `${'a'.repeat(511)}${astral}${astral}` })).to.equal(
      'Id: must NOT have more than 512 characters',
    );
    expect(findingProblem({ ...finding, Id: 'a'.repeat(513) })).to.equal('Id: must NOT have more than 512 characters');
  });

  it('refuses a value under its minimum, with the same message', () => {
    expect(findingProblem({ ...finding, Id: '' })).to.equal('Id: must NOT have fewer than 1 characters');
    expect(findingProblem({ ...finding, Compliance: { Status: 'FAILED', SecurityControlId: '' } })).to.equal(
      'Compliance.SecurityControlId: must NOT have fewer than 1 characters',
    );
    expect(findingProblem({ ...finding, Id: astral })).to.equal(undefined);
  });
});
