import { expect } from 'chai';
import { buildNotification, consoleLink, type NotificationArgs, notificationSubject } from '../../src/notify/message';
import { notificationProblems } from '../../src/notify/schema';

const FINDING = 'arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.13/finding/abc';

function args(over: Partial<NotificationArgs> = {}): NotificationArgs {
  return {
    status: 'FAILED',
    time: new Date('2024-05-01T00:00:00Z'),
    document: 'Hubfix-EC2-RestrictSsh',
    control: 'EC2.13',
    controls: ['EC2.13'],
    aliases: ['cis-1.2.0:4.1'],
    account: '111122223333',
    region: 'eu-west-1',
    resource: { type: 'AwsEc2SecurityGroup', parameters: { GroupId: 'sg-0123456789abcdef0' } },
    executionId: 'e-1',
    finding: { id: FINDING, productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub', workflow: 'NOTIFIED' },
    summary: 'step Revoke failed',
    changed: 'nothing',
    before: { IpPermissions: [] },
    after: null,
    verified: false,
    failure: { step: 'Revoke', message: 'denied' },
    findingUpdate: 'updated',
    ...over,
  };
}

describe('notification message', () => {
  it('validates against the schema, with the Security Hub console link of the finding', () => {
    const m = buildNotification(args());
    expect(notificationProblems(m)).to.deep.equal([]);
    expect(m.finding?.consoleLink).to.equal(
      'https://eu-west-1.console.aws.amazon.com/securityhub/home?region=eu-west-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%3Aaws%3Asecurityhub%3Aeu-west-1%3A111122223333%3Asecurity-control%2FEC2.13%2Ffinding%2Fabc',
    );
    expect(m.resource.id).to.equal('GroupId=sg-0123456789abcdef0');
  });

  it('uses the console host of the partition', () => {
    expect(consoleLink('x', 'us-gov-west-1', 'aws-us-gov')).to.match(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\//);
    expect(consoleLink('x', 'cn-north-1', 'aws-cn')).to.match(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\//);
  });

  it('is rejected by the schema when a field is wrong (the check is not vacuous)', () => {
    const m = buildNotification(args()) as unknown as Record<string, unknown>;
    expect(notificationProblems({ ...m, status: 'DONE' })).to.have.length.greaterThan(0);
    expect(notificationProblems({ ...m, schemaVersion: '2.0' })).to.have.length.greaterThan(0);
    expect(notificationProblems({ ...m, summary: 'two\nlines' })).to.have.length.greaterThan(0);
    const { verified: _v, ...missing } = m;
    expect(notificationProblems(missing)).to.have.length.greaterThan(0);
  });

  it('cleans control characters and bounds every text', () => {
    const m = buildNotification(args({ summary: `a\u0000b\n${'s'.repeat(5000)}`, failure: { step: 'X', message: 'm\u001b[31m' } }));
    expect(m.summary.length).to.be.at.most(1024);
    expect(m.summary.startsWith('a b ')).to.equal(true);
    expect(m.failure?.message).to.equal('m [31m');
    expect(notificationProblems(m)).to.deep.equal([]);
  });

  it('cuts a huge state so the message stays far below the SNS 256 KB limit', () => {
    const m = buildNotification(args({ before: { big: 'x'.repeat(400_000) } }));
    expect(Buffer.byteLength(JSON.stringify(m))).to.be.below(200_000);
    expect(String(m.before)).to.contain('(cut:');
  });

  it('has a subject under 100 printable ASCII characters naming the status, control and place', () => {
    expect(notificationSubject(buildNotification(args()))).to.equal(
      'hubfix FAILED: EC2.13 on GroupId=sg-0123456789abcdef0 in 111122223333 eu-west-1',
    );
    const long = notificationSubject(
      buildNotification(args({ resource: { type: null, parameters: { BucketName: 'b'.repeat(63), Key: 'ü'.repeat(40) } } })),
    );
    expect(long.length).to.be.below(100);
    expect(long).to.match(/^[\x20-\x7e]+$/);
  });
});
