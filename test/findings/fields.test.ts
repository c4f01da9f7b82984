import { expect } from 'chai';
import {
  attemptFields,
  attemptsInWindow,
  FIELD_ATTEMPT_TIMES,
  FIELD_ATTEMPTS,
  FIELD_EXECUTION,
  FIELD_LAST_ATTEMPT,
  FIELD_STATUS,
  FIELD_UPDATED_AT,
  FIELDS_MAX_PAIRS,
  hasMemory,
  lastWrite,
  readMemory,
  withOurFields,
} from '../../src/findings/fields';
import { clientToken, memberRoleArn, runbookRoleArn, runbookRoleName } from '../../src/findings/naming';

const DAY = 86_400_000;

describe('fields: hubfix memory on the finding', () => {
  it('the field names are the contract with the finalizer', () => {
    expect([FIELD_STATUS, FIELD_EXECUTION, FIELD_ATTEMPTS, FIELD_LAST_ATTEMPT, FIELD_ATTEMPT_TIMES, FIELD_UPDATED_AT]).to.deep.equal([
      'hubfix:status',
      'hubfix:execution',
      'hubfix:attempts',
      'hubfix:lastAttempt',
      'hubfix:attemptTimes',
      'hubfix:updatedAt',
    ]);
  });

  it('reads what parses and ignores what does not', () => {
    const m = readMemory({
      'hubfix:attempts': 'three',
      'hubfix:attemptTimes': '2024-06-01T00:00:00Z,garbage',
      'hubfix:status': 'STARTED',
      other: 'x',
    });
    expect(m.attempts).to.equal(0);
    expect(m.attemptTimes).to.deep.equal([Date.parse('2024-06-01T00:00:00Z')]);
    expect(m.status).to.equal('STARTED');
    expect(hasMemory({ other: 'x' })).to.equal(false);
    expect(hasMemory({ 'hubfix:status': 'x' })).to.equal(true);
    expect(lastWrite(readMemory({ 'hubfix:lastAttempt': '2024-06-01T00:00:00Z', 'hubfix:updatedAt': '2024-06-02T00:00:00Z' }))).to.equal(
      Date.parse('2024-06-02T00:00:00Z'),
    );
  });

  it('counts attempts inside the window; without the list, cautiously all of them when the last is recent', () => {
    const now = Date.parse('2024-06-10T00:00:00Z');
    const m = readMemory({
      'hubfix:attempts': '5',
      'hubfix:attemptTimes': [now - 2 * DAY, now - DAY / 2, now - 1000].map((t) => new Date(t).toISOString()).join(','),
    });
    expect(attemptsInWindow(m, now, DAY)).to.equal(2);
    expect(
      attemptsInWindow(readMemory({ 'hubfix:attempts': '5', 'hubfix:lastAttempt': new Date(now - 1000).toISOString() }), now, DAY),
    ).to.equal(5);
    expect(
      attemptsInWindow(readMemory({ 'hubfix:attempts': '5', 'hubfix:lastAttempt': new Date(now - 2 * DAY).toISOString() }), now, DAY),
    ).to.equal(0);
  });

  it('an attempt increments the count and keeps only recent times', () => {
    const now = Date.parse('2024-06-10T00:00:00Z');
    const m = readMemory({
      'hubfix:attempts': '7',
      'hubfix:attemptTimes': [now - 2 * DAY, now - 3000, now - 2000, now - 1000].map((t) => new Date(t).toISOString()).join(','),
    });
    const f = attemptFields(m, now, DAY, 3);
    expect(f['hubfix:attempts']).to.equal('8');
    expect(f['hubfix:attemptTimes'].split(',')).to.have.length(3);
    expect(f['hubfix:lastAttempt']).to.equal('2024-06-10T00:00:00.000Z');
    expect(f['hubfix:updatedAt']).to.equal('2024-06-10T00:00:00.000Z');
  });

  it("the whole map is sent: others' keys kept, ours on top, within 50 pairs", () => {
    expect(withOurFields({ team: 'a', 'hubfix:status': 'OLD' }, { 'hubfix:status': 'NEW' })).to.deep.equal({
      team: 'a',
      'hubfix:status': 'NEW',
    });
    const many: Record<string, string> = {};
    for (let i = 0; i < 60; i++) many[`k${i}`] = 'v';
    const out = withOurFields(many, { 'hubfix:status': 'S', 'hubfix:attempts': '1' });
    expect(Object.keys(out)).to.have.length(FIELDS_MAX_PAIRS);
    expect(out['hubfix:status']).to.equal('S');
    expect(withOurFields(undefined, { a: 'x'.repeat(2000) }).a).to.have.length(1024);
  });
});

describe('naming', () => {
  it("the runbook's role: hubfix- plus the document name without its Hubfix- prefix", () => {
    expect(runbookRoleName('Hubfix-IAM-PasswordPolicy')).to.equal('hubfix-IAM-PasswordPolicy');
    expect(runbookRoleArn('111122223333', 'Hubfix-EC2-AdminPorts')).to.equal('arn:aws:iam::111122223333:role/hubfix-EC2-AdminPorts');
    expect(runbookRoleArn('111122223333', 'Hubfix-X', 'aws-cn')).to.equal('arn:aws-cn:iam::111122223333:role/hubfix-X');
    expect(() => runbookRoleName(`Hubfix-${'A'.repeat(60)}`)).to.throw(/at most 64/);
    expect(memberRoleArn('111122223333', 'hubfix-member')).to.equal('arn:aws:iam::111122223333:role/hubfix-member');
  });

  it('the ClientToken is a UUID fixed by finding, triggering evaluation and dry run', () => {
    const a = clientToken('arn:f', 'imported@2024-06-01T00:00:00Z', false);
    expect(a).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clientToken('arn:f', 'imported@2024-06-01T00:00:00Z', false)).to.equal(a);
    expect(clientToken('arn:f', 'imported@2024-06-02T00:00:00Z', false)).to.not.equal(a);
    expect(clientToken('arn:f', 'imported@2024-06-01T00:00:00Z', true)).to.not.equal(a);
    expect(clientToken('arn:g', 'imported@2024-06-01T00:00:00Z', false)).to.not.equal(a);
  });
});
