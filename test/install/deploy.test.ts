import { expect } from 'chai';
import { AwsServiceError, type AwsCall, type Invoker } from '../../src/aws/invoker';
import { runDeploy } from '../../src/cli/deploy';
import { runDoctor } from '../../src/cli/doctor';
import { UsageError } from '../../src/cli/errors';
import { deploy } from '../../src/install/deploy';
import type { PackageManifest } from '../../src/install/package';

const manifest: PackageManifest = {
  bucket: 'b',
  prefix: '',
  regions: ['us-east-1'],
  templates: {
    'hubfix-admin.yaml': 'https://b.s3.us-east-1.amazonaws.com/a.yaml',
    'hubfix-member-account.yaml': 'https://b.s3.us-east-1.amazonaws.com/m.yaml',
    'hubfix-member-region.yaml': 'https://b.s3.us-east-1.amazonaws.com/r.yaml',
  },
  code: {},
};

/** A CloudFormation that has an admin stack with nothing to change and one failing member instance. */
function fakeCloudFormation(): Invoker & { calls: AwsCall[] } {
  const calls: AwsCall[] = [];
  return {
    calls,
    async call(c: AwsCall) {
      calls.push(c);
      switch (`${c.service}.${c.operation}`) {
        case 'cloudformation.DescribeStacks':
          return { Stacks: [{ StackStatus: 'CREATE_COMPLETE' }] };
        case 'cloudformation.CreateChangeSet':
          return { Id: 'cs-1' };
        case 'cloudformation.DescribeChangeSet':
          return { Status: 'FAILED', StatusReason: "The submitted information didn't contain changes." };
        case 'cloudformation.DeleteChangeSet':
          return {};
        case 'sts.GetCallerIdentity':
          return { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:role/admin' };
        case 'cloudformation.DescribeStackSet':
          throw new AwsServiceError('StackSetNotFoundException', 'no such StackSet', 'cloudformation', c.operation);
        case 'cloudformation.CreateStackSet':
          return {};
        case 'cloudformation.CreateStackInstances':
          return { OperationId: 'op-1' };
        case 'cloudformation.DescribeStackSetOperation':
          return { StackSetOperation: { Status: 'FAILED' } };
        case 'cloudformation.ListStackInstances':
          return {
            Summaries: [
              { Account: '111111111111', Region: 'us-east-1', Status: 'CURRENT', StackInstanceStatus: { DetailedStatus: 'SUCCEEDED' } },
              {
                Account: '222222222222',
                Region: 'us-east-1',
                Status: 'OUTDATED',
                StatusReason: 'Role hubfix-member already exists',
                StackInstanceStatus: { DetailedStatus: 'FAILED' },
              },
            ],
          };
        default:
          throw new Error(`unexpected ${c.service}.${c.operation}`);
      }
    },
  };
}

describe('hubfix deploy', () => {
  it('names the account, the Region and the reason of a failed stack instance, and keeps the others', async () => {
    const lines: string[] = [];
    const r = await deploy({
      manifest,
      invoker: fakeCloudFormation(),
      adminRegion: 'us-east-1',
      regions: ['us-east-1'],
      accounts: ['111111111111', '222222222222'],
      yes: true,
      out: (l) => lines.push(l),
      sleep: async () => {},
    });
    expect(r.admin).to.equal('unchanged');
    expect(r.problems).to.include('hubfix-member-account: account 222222222222, us-east-1: FAILED: Role hubfix-member already exists');
    expect(lines).to.include('  ✔ hubfix-member-account 111111111111 us-east-1 SUCCEEDED');
    expect(lines).to.include('  ✘ hubfix-member-account 222222222222 us-east-1 FAILED: Role hubfix-member already exists');
  });

  it('with --dry-run shows the change set and deletes it, executing nothing and touching no StackSet', async () => {
    const cfn = fakeCloudFormation();
    const inner = cfn.call.bind(cfn);
    cfn.call = async (c: AwsCall) =>
      c.operation === 'DescribeChangeSet'
        ? {
            Status: 'CREATE_COMPLETE',
            Changes: [{ ResourceChange: { Action: 'Modify', LogicalResourceId: 'Orchestrator', ResourceType: 'AWS::Lambda::Function' } }],
          }
        : inner(c);
    const lines: string[] = [];
    const r = await deploy({
      manifest,
      invoker: cfn,
      adminRegion: 'us-east-1',
      regions: ['us-east-1'],
      accounts: ['111111111111'],
      dryRun: true,
      out: (l) => lines.push(l),
    });
    expect(r.admin).to.equal('previewed');
    expect(lines).to.include('  Modify Orchestrator AWS::Lambda::Function');
    const ops = cfn.calls.map((c) => c.operation);
    expect(ops).to.include('DeleteChangeSet');
    expect(ops.filter((o) => /ExecuteChangeSet|StackSet|StackInstances/.test(o))).to.deep.equal([]);
  });

  it('refuses bad input with one line before calling anything', async () => {
    const cfn = fakeCloudFormation();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ regions: 'us-east-1' }, /give the member accounts \(--accounts\) or OUs \(--ou\)/],
      [{ regions: 'us-east-1', accounts: '1234' }, /--accounts: "1234" is not a 12-digit account id/],
      [{ regions: 'mars-1', accounts: '111111111111' }, /--regions: "mars-1" is not a Region name/],
      [{ regions: 'us-east-1', ou: 'ou-abcd-12345678' }, /--ou needs --organization-id/],
      [{ regions: 'us-east-1', accounts: '111111111111', organizationId: 'org-1' }, /is not an Organization id/],
    ];
    for (const [opts, message] of bad) {
      let error: unknown;
      await runDeploy(
        { region: 'us-east-1', ...opts } as never,
        cfn,
        () => {},
        () => {},
      ).catch((e) => (error = e));
      expect(error, JSON.stringify(opts)).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.match(message);
    }
    expect(cfn.calls).to.deep.equal([]);
  });
});

describe('hubfix doctor (input)', () => {
  it('refuses a bad account id or Region with one line before calling anything', async () => {
    const cfn = fakeCloudFormation();
    for (const opts of [{ regions: 'us-east-1', accounts: 'x' }, { regions: '', accounts: '111111111111' }, { regions: 'us-east-1' }]) {
      let error: unknown;
      await runDoctor(
        { region: 'us-east-1', ...opts } as never,
        cfn,
        () => {},
        () => {},
      ).catch((e) => (error = e));
      expect(error, JSON.stringify(opts)).to.be.instanceOf(UsageError);
    }
    expect(cfn.calls).to.deep.equal([]);
  });

  it('says in one line, exit 1, when an account cannot be reached, and still reports the others', async () => {
    const calls: string[] = [];
    const inv: Invoker = {
      async call(c: AwsCall) {
        calls.push(`${c.service}.${c.operation}`);
        if (c.operation === 'GetCallerIdentity') return { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/x' };
        if (c.operation === 'AssumeRole' && String(c.input.RoleArn).includes('222222222222'))
          throw new AwsServiceError('AccessDenied', 'not authorized to perform sts:AssumeRole', 'sts', 'AssumeRole');
        if (c.operation === 'AssumeRole') return { Credentials: { AccessKeyId: 'a', SecretAccessKey: 'b', SessionToken: 'c' } };
        throw new AwsServiceError('ResourceNotFoundException', 'not found', c.service, c.operation);
      },
    };
    let out = '';
    const code = await runDoctor(
      { region: 'us-east-1', regions: 'us-east-1', accounts: '111111111111,222222222222', json: true },
      inv,
      (t) => (out += t),
    );
    expect(code).to.equal(1);
    const rows = (JSON.parse(out) as { rows: Array<{ account: string; check: string; ok: boolean; detail: string; fix?: string }> }).rows;
    const unreachable = rows.find((r) => r.account === '222222222222' && r.check === 'member role');
    expect(unreachable?.ok).to.equal(false);
    expect(unreachable?.detail).to.match(/cannot assume arn:aws:iam::222222222222:role\/hubfix-member: AccessDenied/);
    expect(unreachable?.fix).to.match(/hubfix-member-account StackSet/);
    expect(rows.some((r) => r.account === '111111111111' && r.check === 'documents')).to.equal(true);
    for (const c of calls) expect(c).to.match(/\.(Get|Describe|List|AssumeRole$|GetCallerIdentity$)/);
  });

  it('turns red when events wait in the failure queue, naming how many and how to move them back', async () => {
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/hubfix-orchestrator-failures';
    const queueAnswers = (waiting: string): Invoker => ({
      async call(c: AwsCall) {
        if (c.operation === 'GetCallerIdentity') return { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/x' };
        if (c.operation === 'AssumeRole') return { Credentials: { AccessKeyId: 'a', SecretAccessKey: 'b', SessionToken: 'c' } };
        if (c.service === 'sqs' && c.operation === 'GetQueueUrl' && c.input.QueueName === 'hubfix-orchestrator-failures')
          return { QueueUrl: url };
        if (c.service === 'sqs' && c.operation === 'GetQueueAttributes' && c.input.QueueUrl === url)
          return { Attributes: { ApproximateNumberOfMessages: waiting } };
        throw new AwsServiceError('ResourceNotFoundException', 'not found', c.service, c.operation);
      },
    });
    const failedEvents = async (waiting: string) => {
      let out = '';
      await runDoctor(
        { region: 'us-east-1', regions: 'us-east-1', accounts: '111111111111', json: true },
        queueAnswers(waiting),
        (t) => (out += t),
      );
      const rows = (JSON.parse(out) as { rows: Array<{ account: string; check: string; ok: boolean; detail: string; fix?: string }> }).rows;
      return rows.find((r) => r.account === '123456789012' && r.check === 'failed events');
    };
    const red = await failedEvents('3');
    expect(red?.ok).to.equal(false);
    expect(red?.detail).to.match(/^3 message\(s\) in hubfix-orchestrator-failures: events that failed 5 deliveries/);
    expect(red?.fix).to.include(`aws sqs receive-message --queue-url ${url}`);
    expect(red?.fix).to.include('aws sqs start-message-move-task');
    const green = await failedEvents('0');
    expect(green).to.include({ ok: true, detail: 'hubfix-orchestrator-failures is empty' });
    expect(green?.fix).to.equal(undefined);
  });
});
