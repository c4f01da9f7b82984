import { expect } from 'chai';
import { CLOUDTRAIL_DELIVERY_ROLE } from '../../../runbooks/cloudtrail-cloudwatch-logs';
import { regionOfLocation } from '../../../runbooks/support/bucket';
import {
  DeliveryRoleError,
  ensureDeliveryRole,
  ensureLogGroup,
  groupsInPolicy,
  mergeDeliveryPolicy,
  ROLE_PROPAGATION_WAITS_MS,
  onceRoleUsable,
  roleProblem,
} from '../../../runbooks/support/log-delivery';
import { roleNotAssumable } from '../../../runbooks/vpc-flow-logs';
import { AwsServiceError, hasErrorCode } from '../../../src/aws/invoker';
import { PolicyDocumentError, parsePolicyDocument, trustsService } from '../../../runbooks/support/policy-document';
import { type MockEntry, MockInvoker } from '../../../src/aws/mock-invoker';
import { scriptContext } from '../../../src/steprunner/context';

const ACCOUNT = '111122223333';
const GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:hubfix/cloudtrail/a`;

function ctxWith(mocks: MockEntry[]) {
  const invoker = new MockInvoker({ mocks });
  return {
    invoker,
    ctx: scriptContext({ invoker, region: 'us-east-1', account: ACCOUNT, executionId: '11111111-2222-3333-4444-555555555555' }),
  };
}

const trust = (service: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
});

describe('policy documents (pure)', () => {
  it('reads plain, URL-encoded and already-parsed documents, and nothing from an empty value', () => {
    const doc = trust('cloudtrail.amazonaws.com');
    expect(parsePolicyDocument(JSON.stringify(doc))?.Statement).to.deep.equal(doc.Statement);
    expect(parsePolicyDocument(encodeURIComponent(JSON.stringify(doc)))?.Statement).to.deep.equal(doc.Statement);
    expect(parsePolicyDocument(doc)?.Statement).to.deep.equal(doc.Statement);
    expect(parsePolicyDocument({ Version: '2012-10-17', Statement: doc.Statement[0] })?.Statement, 'a single statement').to.have.length(1);
    expect(parsePolicyDocument('')).to.equal(null);
    expect(() => parsePolicyDocument('{not json')).to.throw(PolicyDocumentError);
  });

  it('finds whether a trust policy lets a service assume the role', () => {
    expect(trustsService(trust('cloudtrail.amazonaws.com') as never, 'cloudtrail.amazonaws.com')).to.equal(true);
    expect(trustsService(trust('ec2.amazonaws.com') as never, 'cloudtrail.amazonaws.com')).to.equal(false);
    const listed = {
      Version: '2012-10-17' as const,
      Statement: [
        { Effect: 'Allow' as const, Principal: { Service: ['ec2.amazonaws.com', 'cloudtrail.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ],
    };
    expect(trustsService(listed, 'cloudtrail.amazonaws.com')).to.equal(true);
    const denied = { Version: '2012-10-17' as const, Statement: [{ ...listed.Statement[0], Effect: 'Deny' as const }] };
    expect(trustsService(denied, 'cloudtrail.amazonaws.com')).to.equal(false);
  });

  it('reads a GetBucketLocation constraint as a Region', () => {
    expect(regionOfLocation(null)).to.equal('us-east-1');
    expect(regionOfLocation('')).to.equal('us-east-1');
    expect(regionOfLocation('EU')).to.equal('eu-west-1');
    expect(regionOfLocation('ap-south-1')).to.equal('ap-south-1');
  });
});

describe('delivery role policy merge (pure)', () => {
  it('writes a policy naming the group when the role has none', () => {
    const { doc, changed } = mergeDeliveryPolicy(CLOUDTRAIL_DELIVERY_ROLE, null, `${GROUP}:*`);
    expect(changed).to.equal(true);
    expect(groupsInPolicy(doc)).to.deep.equal([GROUP]);
  });

  it('keeps the groups already served and changes nothing when the group is among them', () => {
    const other = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:hubfix/cloudtrail/b`;
    const first = mergeDeliveryPolicy(CLOUDTRAIL_DELIVERY_ROLE, null, other).doc;
    const { doc, changed } = mergeDeliveryPolicy(CLOUDTRAIL_DELIVERY_ROLE, first, GROUP);
    expect(changed).to.equal(true);
    expect(groupsInPolicy(doc)).to.deep.equal([GROUP, other]);
    expect(mergeDeliveryPolicy(CLOUDTRAIL_DELIVERY_ROLE, JSON.parse(JSON.stringify(doc)), GROUP).changed).to.equal(false);
  });

  it('rewrites a tampered policy back to the narrow form, and reads no group from a wildcard', () => {
    const wide = {
      Version: '2012-10-17' as const,
      Statement: [{ Effect: 'Allow' as const, Action: 'logs:*', Resource: ['*', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`] }],
    };
    expect(groupsInPolicy(wide)).to.deep.equal([]);
    const { doc, changed } = mergeDeliveryPolicy(CLOUDTRAIL_DELIVERY_ROLE, wide, GROUP);
    expect(changed).to.equal(true);
    expect(doc.Statement).to.deep.equal(CLOUDTRAIL_DELIVERY_ROLE.statements([GROUP]));
  });

  it('refuses an existing role that does not trust the service', () => {
    const state = { roleName: 'hubfix-cloudtrail-logs-us-east-1', exists: true, trusted: false, groups: [], policy: null };
    expect(roleProblem(CLOUDTRAIL_DELIVERY_ROLE, state)).to.match(/exists but does not trust cloudtrail.amazonaws.com/);
    expect(roleProblem(CLOUDTRAIL_DELIVERY_ROLE, { ...state, trusted: true })).to.equal(undefined);
    expect(roleProblem(CLOUDTRAIL_DELIVERY_ROLE, { ...state, exists: false })).to.equal(undefined);
  });
});

describe('log group and delivery role creation races', () => {
  it('uses a group created by someone else between the read and the create, without touching its retention', async () => {
    const { ctx, invoker } = ctxWith([
      { service: 'logs', operation: 'DescribeLogGroups', times: 1, output: { logGroups: [] } },
      { service: 'logs', operation: 'CreateLogGroup', error: { name: 'ResourceAlreadyExistsException', message: 'exists' } },
      {
        service: 'logs',
        operation: 'DescribeLogGroups',
        output: { logGroups: [{ logGroupName: 'g', arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:g:*`, retentionInDays: 7 }] },
      },
    ]);
    const { group, created } = await ensureLogGroup(ctx, 'g', 365);
    expect(created).to.equal(false);
    expect(group).to.deep.equal({ logGroupName: 'g', arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:g`, retentionInDays: 7 });
    expect(invoker.calls.map((c) => c.operation)).to.not.include('PutRetentionPolicy');
  });

  it('rejects a retention CloudWatch Logs does not accept before any call', async () => {
    const { ctx, invoker } = ctxWith([]);
    let err: unknown;
    await ensureLogGroup(ctx, 'g', 42).catch((e) => (err = e));
    expect(String(err)).to.match(/retention 42 is not one CloudWatch Logs accepts/);
    expect(invoker.calls).to.deep.equal([]);
  });

  it('refuses a role created meanwhile by someone else that does not trust the service', async () => {
    const { ctx, invoker } = ctxWith([
      { service: 'iam', operation: 'GetRole', times: 1, error: { name: 'NoSuchEntity', message: 'none' } },
      { service: 'iam', operation: 'CreateRole', error: { name: 'EntityAlreadyExists', message: 'exists' } },
      {
        service: 'iam',
        operation: 'GetRole',
        output: {
          Role: {
            Arn: `arn:aws:iam::${ACCOUNT}:role/hubfix-cloudtrail-logs-us-east-1`,
            AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust('ec2.amazonaws.com'))),
          },
        },
      },
      { service: 'iam', operation: 'GetRolePolicy', error: { name: 'NoSuchEntity', message: 'none' } },
    ]);
    let err: unknown;
    await ensureDeliveryRole(ctx, CLOUDTRAIL_DELIVERY_ROLE, GROUP).catch((e) => (err = e));
    expect(err).to.be.instanceOf(DeliveryRoleError);
    expect(invoker.calls.map((c) => c.operation)).to.not.include('PutRolePolicy');
  });
});

describe('a call that needs a role IAM may not have propagated yet', () => {
  function withSleeps() {
    const { ctx } = ctxWith([]);
    const slept: number[] = [];
    return { ctx: { ...ctx, sleep: async (ms: number) => void slept.push(ms) }, slept };
  }
  const notReady = (err: unknown) => hasErrorCode(err, 'InvalidCloudWatchLogsRoleArnException');

  it('makes the call once, with no wait, when the role is usable', async () => {
    const { ctx, slept } = withSleeps();
    let calls = 0;
    expect(await onceRoleUsable(ctx, notReady, async () => ++calls)).to.equal(1);
    expect(slept).to.deep.equal([]);
  });

  it('tries again after growing waits while the service refuses the role, then succeeds', async () => {
    const { ctx, slept } = withSleeps();
    let calls = 0;
    const out = await onceRoleUsable(ctx, notReady, async () => {
      if (++calls < 4) throw new AwsServiceError('InvalidCloudWatchLogsRoleArnException', 'Access denied.');
      return 'attached';
    });
    expect(out).to.equal('attached');
    expect(slept).to.deep.equal([1000, 2000, 4000]);
  });

  it('gives up after about a minute with the service error, and never retries another error', async () => {
    const { ctx, slept } = withSleeps();
    let calls = 0;
    const refuse = async () => {
      calls++;
      throw new AwsServiceError('InvalidCloudWatchLogsRoleArnException', 'Access denied.');
    };
    const err = await onceRoleUsable(ctx, notReady, refuse).catch((e: unknown) => e);
    expect(hasErrorCode(err, 'InvalidCloudWatchLogsRoleArnException')).to.equal(true);
    expect(calls).to.equal(ROLE_PROPAGATION_WAITS_MS.length + 1);
    expect(slept.reduce((a, b) => a + b, 0)).to.equal(60_000);

    const other = withSleeps();
    const denied = await onceRoleUsable(other.ctx, notReady, async () => {
      throw new AwsServiceError('AccessDeniedException', 'no');
    }).catch((e: unknown) => e);
    expect(hasErrorCode(denied, 'AccessDeniedException')).to.equal(true);
    expect(other.slept).to.deep.equal([]);
  });

  it("recognises EC2's refusal of a flow log role it cannot assume, and nothing else", () => {
    expect(roleNotAssumable(new AwsServiceError('InvalidParameter', "Unable to assume given IAM role: 'arn:aws:iam::1:role/x'"))).to.equal(
      true,
    );
    expect(roleNotAssumable(new AwsServiceError('InvalidParameter', 'LogGroupName is invalid'))).to.equal(false);
    expect(roleNotAssumable(new AwsServiceError('UnauthorizedOperation', 'Unable to assume'))).to.equal(false);
  });
});
