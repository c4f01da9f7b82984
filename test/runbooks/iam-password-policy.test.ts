import { expect } from 'chai';
import {
  CIS_PASSWORD_TARGETS,
  checkTargets,
  mergePasswordPolicy,
  unmetTargets,
  type PasswordPolicy,
} from '../../runbooks/iam-password-policy';

const compliant: PasswordPolicy = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  MaxPasswordAge: 90,
  PasswordReusePrevention: 24,
  HardExpiry: false,
};

describe('password policy merge (pure)', () => {
  it('creates a CIS policy when the account has none, letting users change their password', () => {
    const { policy, changes } = mergePasswordPolicy(null, CIS_PASSWORD_TARGETS);
    expect(policy).to.deep.equal(compliant);
    expect(changes).to.have.length(1);
    expect(changes[0]).to.match(/^create the policy/);
  });

  it('raises weak settings and names each change', () => {
    const weak: PasswordPolicy = {
      MinimumPasswordLength: 6,
      RequireSymbols: false,
      PasswordReusePrevention: 0,
      AllowUsersToChangePassword: false,
    };
    const { policy, changes } = mergePasswordPolicy(weak, CIS_PASSWORD_TARGETS);
    expect(policy.MinimumPasswordLength).to.equal(14);
    expect(policy.RequireSymbols).to.equal(true);
    expect(policy.PasswordReusePrevention).to.equal(24);
    expect(policy.MaxPasswordAge).to.equal(90);
    expect(policy.AllowUsersToChangePassword, 'kept as it was').to.equal(false);
    expect(changes).to.include('MinimumPasswordLength 6 → 14');
    expect(changes).to.include('MaxPasswordAge unset → 90');
  });

  it('never weakens a stricter existing policy', () => {
    const strict: PasswordPolicy = { ...compliant, MinimumPasswordLength: 32, MaxPasswordAge: 30, HardExpiry: true };
    const { policy, changes } = mergePasswordPolicy(strict, { ...CIS_PASSWORD_TARGETS, MinimumPasswordLength: 8 });
    expect(policy.MinimumPasswordLength).to.equal(32);
    expect(policy.MaxPasswordAge).to.equal(30);
    expect(policy.HardExpiry).to.equal(true);
    expect(changes).to.deep.equal([]);
  });

  it('turns HardExpiry on only when asked', () => {
    expect(mergePasswordPolicy(compliant, CIS_PASSWORD_TARGETS).policy.HardExpiry).to.equal(false);
    expect(mergePasswordPolicy(compliant, { ...CIS_PASSWORD_TARGETS, HardExpiry: 'Enable' }).policy.HardExpiry).to.equal(true);
  });

  it('reports every unmet target and none for a compliant policy', () => {
    expect(unmetTargets(compliant, CIS_PASSWORD_TARGETS)).to.deep.equal([]);
    expect(unmetTargets(null, CIS_PASSWORD_TARGETS)).to.deep.equal(['no account password policy']);
    const unmet = unmetTargets({ ...compliant, RequireNumbers: false, MaxPasswordAge: 365 }, CIS_PASSWORD_TARGETS);
    expect(unmet).to.deep.equal(['RequireNumbers is off', 'MaxPasswordAge not ≤ 90']);
  });

  it('rejects targets outside what IAM accepts', () => {
    expect(() => checkTargets({ ...CIS_PASSWORD_TARGETS, MinimumPasswordLength: 5 })).to.throw(
      /MinimumPasswordLength must be an integer from 6 to 128/,
    );
    expect(() => checkTargets({ ...CIS_PASSWORD_TARGETS, PasswordReusePrevention: 25 })).to.throw(/PasswordReusePrevention/);
    expect(() => checkTargets(CIS_PASSWORD_TARGETS)).not.to.throw();
  });
});

describe('password policy under a stricter custom IAM.7 parameter', () => {
  it('a policy meeting CIS but not the custom length 20, reuse or age is not verified, and the merge raises it to them', () => {
    const custom = { ...CIS_PASSWORD_TARGETS, MinimumPasswordLength: 20, MaxPasswordAgeDays: 60 };
    expect(unmetTargets(compliant, CIS_PASSWORD_TARGETS)).to.deep.equal([]);
    expect(unmetTargets(compliant, custom)).to.deep.equal(['MinimumPasswordLength < 20', 'MaxPasswordAge not ≤ 60']);
    const { policy } = mergePasswordPolicy(compliant, custom);
    expect(policy).to.include({ MinimumPasswordLength: 20, MaxPasswordAge: 60 });
    expect(unmetTargets(policy, custom)).to.deep.equal([]);
  });
});
