import { expect } from 'chai';
import { AwsServiceError } from '../../../src/aws/invoker';
import { isRuleGone } from '../../../runbooks/support/security-group';

describe('security group support: a rule that is already gone', () => {
  it('counts both codes AWS documents for an unknown rule (moto answers the second) and nothing else', () => {
    expect(isRuleGone(new AwsServiceError('InvalidSecurityGroupRuleId.NotFound', 'gone'))).to.equal(true);
    expect(isRuleGone(new AwsServiceError('InvalidPermission.NotFound', 'gone'))).to.equal(true);
    expect(isRuleGone(new AwsServiceError('UnauthorizedOperation', 'no'))).to.equal(false);
    expect(isRuleGone(new AwsServiceError('InvalidGroup.NotFound', 'no group'))).to.equal(false);
  });
});
