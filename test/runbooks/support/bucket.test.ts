import { expect } from 'chai';
import { BucketAlreadyOwnedError, createHardenedBucket } from '../../../runbooks/support/bucket';
import { MockInvoker } from '../../../src/aws/mock-invoker';
import { scriptContext } from '../../../src/steprunner/context';

const ACCOUNT = '111122223333';
const BUCKET = `hubfix-config-${ACCOUNT}-eu-west-1`;

describe('a hardened bucket', () => {
  it("is hardened even when CreateBucket answers that it is already this account's (a retried create after a lost answer)", async () => {
    const invoker = new MockInvoker({
      mocks: [
        { service: 's3', operation: 'CreateBucket', error: { name: 'BucketAlreadyOwnedByYou', message: 'you already own it' } },
        { service: 's3', operation: 'PutPublicAccessBlock', output: {} },
        { service: 's3', operation: 'PutBucketEncryption', output: {} },
      ],
    });
    const ctx = scriptContext({ invoker, region: 'eu-west-1', account: ACCOUNT, executionId: '11111111-2222-3333-4444-555555555555' });
    let error: unknown;
    try {
      await createHardenedBucket(ctx, BUCKET, { Version: '2012-10-17', Statement: [] });
    } catch (err) {
      error = err;
    }
    // the caller merges its statements into the policy there; the bucket's access is locked down
    expect(error).to.be.instanceOf(BucketAlreadyOwnedError);
    const calls = invoker.calls.map((c) => c.operation);
    expect(calls).to.deep.equal(['CreateBucket', 'PutPublicAccessBlock', 'PutBucketEncryption']);
    expect(invoker.calls[1].input).to.deep.include({
      Bucket: BUCKET,
      ExpectedBucketOwner: ACCOUNT,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
  });
});
