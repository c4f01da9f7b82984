import { expect } from 'chai';
import {
  type UserCredentials,
  checkDays,
  credentialState,
  describeUnused,
  findUnusedCredentials,
  isoDate,
  lastActivity,
} from '../../runbooks/iam-unused-credentials';

const now = new Date('2024-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

function user(over: Partial<UserCredentials> = {}): UserCredentials {
  return { UserName: 'alice', keys: [], password: null, ...over };
}

describe('IAM unused credentials (pure)', () => {
  it('marks an active key unused for more than N days, by its last use', () => {
    const creds = user({
      keys: [
        { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: daysAgo(400), LastUsedDate: daysAgo(91) },
        { AccessKeyId: 'AKIARECENT', Status: 'Active', CreateDate: daysAgo(400), LastUsedDate: daysAgo(89) },
      ],
    });
    expect(findUnusedCredentials(creds, 90, now).keys.map((k) => k.AccessKeyId)).to.deep.equal(['AKIAOLD']);
  });

  it('counts a key that was never used from its creation date', () => {
    const creds = user({
      keys: [
        { AccessKeyId: 'AKIANEVEROLD', Status: 'Active', CreateDate: daysAgo(120) },
        { AccessKeyId: 'AKIANEVERNEW', Status: 'Active', CreateDate: daysAgo(10) },
      ],
    });
    expect(findUnusedCredentials(creds, 90, now).keys.map((k) => k.AccessKeyId)).to.deep.equal(['AKIANEVEROLD']);
  });

  it('leaves inactive keys alone however old they are', () => {
    const creds = user({ keys: [{ AccessKeyId: 'AKIAOFF', Status: 'Inactive', CreateDate: daysAgo(900) }] });
    expect(findUnusedCredentials(creds, 90, now).keys).to.deep.equal([]);
  });

  it('uses "more than N days": exactly N days is not yet unused', () => {
    const creds = user({ keys: [{ AccessKeyId: 'AKIAEDGE', Status: 'Active', CreateDate: daysAgo(90) }] });
    expect(findUnusedCredentials(creds, 90, now).keys).to.deep.equal([]);
    expect(findUnusedCredentials(creds, 89, now).keys).to.have.length(1);
  });

  it('marks a console password by PasswordLastUsed, or by the login profile creation when never used', () => {
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(500), LastUsedDate: daysAgo(100) } }), 90, now).password).to.equal(true);
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(500), LastUsedDate: daysAgo(3) } }), 90, now).password).to.equal(false);
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(100) } }), 90, now).password).to.equal(true);
    expect(findUnusedCredentials(user({ password: { CreateDate: daysAgo(5) } }), 90, now).password).to.equal(false);
    expect(findUnusedCredentials(user(), 90, now).password).to.equal(false);
  });

  it('counts a password set again after its last use from when it was set', () => {
    const reset = { CreateDate: daysAgo(2), LastUsedDate: daysAgo(300) };
    expect(lastActivity(reset)).to.deep.equal({ at: reset.CreateDate, basis: 'created' });
    expect(findUnusedCredentials(user({ password: reset }), 90, now).password).to.equal(false);
  });

  it('names what it will disable and why, and says when nothing is unused', () => {
    const creds = user({
      keys: [{ AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: daysAgo(400) }],
      password: { CreateDate: daysAgo(300), LastUsedDate: daysAgo(200) },
    });
    const text = describeUnused(creds, findUnusedCredentials(creds, 90, now), 90, now);
    expect(text).to.contain('deactivate access key AKIAOLD (never used since it was created');
    expect(text).to.contain('delete the console password (last used 2023-11-14, 200 days ago)');
    const fine = user({ keys: [{ AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: daysAgo(1) }] });
    expect(describeUnused(fine, findUnusedCredentials(fine, 90, now), 90, now)).to.match(/no credential unused for more than 90 days .*nothing to change$/);
  });

  it('keeps every key with its last use in the before-state', () => {
    const keys = [{ AccessKeyId: 'AKIA1', Status: 'Active', CreateDate: daysAgo(10), LastUsedDate: daysAgo(1), LastUsedService: 's3' }];
    const state = credentialState(user({ keys, password: { CreateDate: daysAgo(10) } }));
    expect(JSON.parse(String(state.AccessKeys))).to.deep.equal(keys);
    expect(state.PasswordLastUsed).to.equal('never');
    expect(state.ConsolePassword).to.equal('present');
  });

  it('reads dates given as Date objects (SDK) or strings (mock tables)', () => {
    expect(isoDate(new Date('2024-01-02T03:04:05Z'))).to.equal('2024-01-02T03:04:05.000Z');
    expect(isoDate('2024-01-02T03:04:05Z')).to.equal('2024-01-02T03:04:05.000Z');
    expect(isoDate(undefined)).to.equal(undefined);
    expect(isoDate('not a date')).to.equal(undefined);
  });

  it('refuses thresholds outside 30–3650 days and accepts a string of digits', () => {
    expect(() => checkDays('MaxUnusedDays', 7)).to.throw(/MaxUnusedDays must be an integer from 30 to 3650, got 7/);
    expect(() => checkDays('MaxUnusedDays', 90.5)).to.throw(/MaxUnusedDays/);
    expect(checkDays('MaxUnusedDays', '90')).to.equal(90);
    expect(checkDays('MaxUnusedDays', 90)).to.equal(90);
  });
});
