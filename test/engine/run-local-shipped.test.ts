import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { runLocal } from '../../src/cli/run-local';
import { compileAll } from '../../src/compiler';
import { toYaml } from '../../src/compiler/yaml';
import { VirtualClock } from '../../src/engine/clock';

/**
 * Every shipped runbook, run by `run-local` twice with the same mock table: by document name and
 * as the compiled file `hubfix build` writes. A file that is one of the build's documents runs with
 * the build's policy and handlers, so both end Success.
 */

const ROLE = 'arn:aws:iam::111122223333:role/HubfixRunbook';
const MOCKS = path.join(__dirname, '..', 'fixtures', 'mocks');
const TRAIL = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main-trail';

/** Per document: a mock table of a non-compliant resource and the parameters that name it. */
const FIXTURES: Record<string, { mock: string; params: Record<string, string> }> = {
  'Hubfix-IAM-PasswordPolicy': { mock: path.join(__dirname, '..', 'simulate', 'fixtures', 'password-policy-mocks.yaml'), params: {} },
  'Hubfix-IAM-UnusedCredentials': { mock: 'iam-unused-credentials/stale.yaml', params: { UserName: 'alice' } },
  'Hubfix-IAM-AccessKeyRotation': { mock: 'iam-access-key-rotation/old-key.yaml', params: { UserName: 'carol' } },
  'Hubfix-KMS-KeyRotation': { mock: 'kms-key-rotation/rotation-off.yaml', params: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' } },
  'Hubfix-EC2-AdminPortsIngress': {
    mock: 'ec2-admin-ports/open-ssh.yaml',
    params: { GroupId: 'sg-0123456789abcdef0', Ports: '22', Protocols: 'tcp', Sources: 'ipv4-and-ipv6' },
  },
  'Hubfix-EC2-DefaultSecurityGroupClosed': { mock: 'ec2-default-security-group/unused.yaml', params: { GroupId: 'sg-0ddddddddddddddd1' } },
  'Hubfix-EC2-VpcFlowLogs': { mock: 'vpc-flow-logs/no-flow-logs.yaml', params: { VpcId: 'vpc-0a1b2c3d4e5f67890' } },
  'Hubfix-CloudTrail-LogFileValidation': { mock: 'cloudtrail-log-validation/validation-off.yaml', params: { TrailName: TRAIL } },
  'Hubfix-CloudTrail-CloudWatchLogs': { mock: 'cloudtrail-cloudwatch-logs/not-sending.yaml', params: { TrailName: TRAIL } },
  'Hubfix-CloudTrail-BucketPublicAccess': {
    mock: 'cloudtrail-bucket-public-access/public.yaml',
    params: { BucketName: 'trail-logs-111122223333' },
  },
  'Hubfix-CloudWatch-MetricFilterAlarms': {
    mock: 'cloudwatch-metric-alarms/create.yaml',
    params: { Control: 'CloudWatch.2', NotificationTopicArn: 'arn:aws:sns:us-east-1:999999999999:hubfix-notifications' },
  },
  'Hubfix-IAM-UserMfaGuidance': { mock: 'guided/user-mfa-mixed.yaml', params: { UserName: 'alice' } },
  'Hubfix-IAM-UserPoliciesGuidance': { mock: 'guided/user-policies-mixed.yaml', params: { UserName: 'dave' } },
  'Hubfix-IAM-AdminPoliciesGuidance': { mock: 'guided/admin-policies-mixed.yaml', params: {} },
  'Hubfix-IAM-RootCredentialsGuidance': { mock: 'guided/root-virtual-mfa.yaml', params: { Control: 'IAM.4' } },
  'Hubfix-IAM-RootAccessKeysDelete': { mock: 'root-access-keys/one-key.yaml', params: { TargetAccountId: '444455556666' } },
  'Hubfix-CloudTrail-BucketAccessLogging': {
    mock: 'cloudtrail-bucket-access-logging/no-logging.yaml',
    params: { BucketName: 'trail-logs-111122223333' },
  },
  'Hubfix-IAM-SupportRole': { mock: 'iam-support-role/missing.yaml', params: {} },
  'Hubfix-CloudTrail-MultiRegionTrail': { mock: 'cloudtrail-multi-region/none.yaml', params: {} },
  'Hubfix-CloudTrail-KmsEncryption': {
    mock: 'cloudtrail-kms-encryption/create.yaml',
    params: { TrailName: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' },
  },
  'Hubfix-Config-Recorder': { mock: 'config-recorder/none.yaml', params: {} },
};

describe('run-local: every shipped runbook by name and by file', () => {
  const compiled = compileAll();
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-shipped-'));
    // as `hubfix build` writes them
    for (const c of compiled) fs.writeFileSync(path.join(dir, `${c.name}.yaml`), toYaml(c.document));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has a fixture for every shipped runbook (a runbook without one is named here)', () => {
    expect(compiled.map((c) => c.name).filter((n) => !FIXTURES[n])).to.deep.equal([]);
  });

  for (const [name, f] of Object.entries(FIXTURES)) {
    it(`${name}: Success by name and by file, with the same calls`, async () => {
      const mock = path.isAbsolute(f.mock) ? f.mock : path.join(MOCKS, f.mock);
      const param = [`AutomationAssumeRole=${ROLE}`, ...Object.entries(f.params).map(([k, v]) => `${k}=${v}`)];
      const run = async (ref: string) => {
        const err: string[] = [];
        const r = await runLocal(
          ref,
          { mock, param, region: 'us-east-1' },
          { output: { out: () => {}, err: (t) => err.push(t) }, clock: new VirtualClock(Date.UTC(2024, 5, 1)) },
        );
        return { r, err: err.join('') };
      };
      const byName = await run(name);
      const byFile = await run(path.join(dir, `${name}.yaml`));
      expect(byName.r.status, `by name: ${byName.r.record.FailureMessage ?? ''}`).to.equal('Success');
      expect(byFile.r.status, `by file: ${byFile.r.record.FailureMessage ?? ''}`).to.equal('Success');
      expect(byFile.err, 'no warning for a file that is the build document').to.equal('');
      const calls = (x: typeof byName) => x.r.record.Calls.map((c) => `${c.service}.${c.operation} ${c.outcome}`);
      expect(calls(byFile)).to.deep.equal(calls(byName));
    });
  }
});
