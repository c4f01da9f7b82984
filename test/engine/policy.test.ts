import { expect } from 'chai';
import type { PolicyDocument } from '../../src/aws/policy-check';
import { api, doc, run, stepOf } from './helpers';

const policyOf = (...actions: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }],
});
const mocks = [
  { service: 'iam', operation: 'GetAccountPasswordPolicy', output: {} },
  { service: 'iam', operation: 'UpdateAccountPasswordPolicy', output: {} },
  { service: 's3', operation: 'GetPublicAccessBlock', output: {} },
];

describe('engine: the local policy check', () => {
  it('lets a native step call an action its policy allows', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetAccountPasswordPolicy')]),
      {},
      { policy: policyOf('iam:GetAccountPasswordPolicy'), mocks },
    );
    expect(h.result.status).to.equal('Success');
  });

  it('fails a native step whose call is outside the policy with AccessDenied (local policy check), before the invoker', async () => {
    const h = await run(
      doc([api('Set', 'iam', 'UpdateAccountPasswordPolicy', { params: { MinimumPasswordLength: 14 } })]),
      {},
      {
        policy: policyOf('iam:GetAccountPasswordPolicy'),
        mocks,
        name: 'Hubfix-IAM-PasswordPolicy',
      },
    );
    expect(stepOf(h, 'Set').FailureMessage).to.equal(
      "AccessDenied (local policy check): iam:UpdateAccountPasswordPolicy is not in Hubfix-IAM-PasswordPolicy's policy",
    );
    expect(h.invoker.calls.some((c) => c.operation === 'UpdateAccountPasswordPolicy')).to.equal(false);
    expect(h.result.status).to.equal('Failed');
  });

  it('maps an API to its IAM action where AWS names it differently (s3 GetPublicAccessBlock → s3:GetBucketPublicAccessBlock)', async () => {
    const ok = await run(
      doc([api('Get', 's3', 'GetPublicAccessBlock', { params: { Bucket: 'b' } })]),
      {},
      { policy: policyOf('s3:GetBucketPublicAccessBlock'), mocks },
    );
    expect(ok.result.status).to.equal('Success');
    const denied = await run(
      doc([api('Get', 's3', 'GetPublicAccessBlock', { params: { Bucket: 'b' } })]),
      {},
      { policy: policyOf('s3:GetPublicAccessBlock'), mocks },
    );
    expect(stepOf(denied, 'Get').FailureMessage).to.match(/s3:GetBucketPublicAccessBlock is not in/);
  });

  it('a document from outside the build is checked against the actions its own steps call', async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetAccountPasswordPolicy'), api('Set', 'iam', 'UpdateAccountPasswordPolicy')]),
      {},
      { mocks },
    );
    expect(h.result.status).to.equal('Success');
    expect(h.result.record.Calls.filter((c) => c.outcome === 'error')).to.have.length(0);
  });

  it('honours wildcards and explicit Deny in a policy', async () => {
    const policy: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: 'iam:*' },
        { Effect: 'Deny', Action: ['iam:Update*'] },
      ],
    };
    const h = await run(
      doc([api('Get', 'iam', 'GetAccountPasswordPolicy'), api('Set', 'iam', 'UpdateAccountPasswordPolicy')]),
      {},
      { policy, mocks },
    );
    expect(stepOf(h, 'Get').StepStatus).to.equal('Success');
    expect(stepOf(h, 'Set').FailureMessage).to.match(/iam:UpdateAccountPasswordPolicy is not in/);
  });

  it("does not check the automation's own AssumeRole (SSM makes that call, not the role)", async () => {
    const h = await run(
      doc([api('Get', 'iam', 'GetAccountPasswordPolicy')]),
      {},
      { policy: policyOf('iam:GetAccountPasswordPolicy'), mocks },
    );
    expect(h.result.record.Calls[0]).to.include({ service: 'sts', operation: 'AssumeRole', outcome: 'ok' });
  });
});
