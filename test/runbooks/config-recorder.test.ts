import { expect } from 'chai';
import { type ConfigState, configGaps, configRecorderRunbook, mergeConfigBucketPolicy, widenedGroup } from '../../runbooks/config-recorder';
import { parsePolicyDocument } from '../../runbooks/support/policy-document';
import { compileRunbook } from '../../src/compiler/compile';
import { callsTo, expectPolicyClean, finalStatus, mapOutput, mutatingCalls, output, runRunbook, stepsRun } from './engine-run';

const TABLE = 'config-recorder';
const SLR = 'arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
const BUCKET = 'hubfix-config-111122223333-us-east-1';
const HERE = { partition: 'aws', account: '111122223333', recordsGlobal: true };

function state(over: Partial<ConfigState> = {}): ConfigState {
  return {
    recorder: { name: 'default', roleARN: SLR, recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } },
    recording: true,
    channel: { name: 'default', s3BucketName: 'b' },
    ...over,
  };
}

describe('Config.1 recorder: decisions (pure)', () => {
  it('names every gap: types, global resources where they belong, role, channel, recording', () => {
    expect(configGaps(state(), HERE)).to.deep.equal([]);
    expect(configGaps(state({ recorder: null, channel: null }), HERE)).to.deep.equal(['no configuration recorder', 'no delivery channel']);
    const narrow = state({
      recorder: {
        name: 'r',
        roleARN: 'arn:aws:iam::111122223333:role/custom',
        recordingGroup: { allSupported: false, resourceTypes: ['AWS::S3::Bucket'] },
      },
      recording: false,
    });
    expect(configGaps(narrow, HERE)).to.deep.equal([
      'does not record all supported resource types',
      'does not record global resources (IAM) in this Region',
      'does not use the AWS Config service-linked role',
      'not recording',
    ]);
    const noGlobal = state({
      recorder: { name: 'r', roleARN: SLR, recordingGroup: { allSupported: true, includeGlobalResourceTypes: false } },
    });
    expect(configGaps(noGlobal, { ...HERE, recordsGlobal: false }), 'another Region need not record IAM').to.deep.equal([]);
    const exclusions = state({
      recorder: {
        name: 'r',
        roleARN: SLR,
        recordingGroup: {
          allSupported: true,
          includeGlobalResourceTypes: true,
          recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' },
        },
      },
    });
    expect(configGaps(exclusions, HERE)).to.deep.equal(['does not record all supported resource types']);
  });

  it('widens to all supported types and adds global resources only in their Region (never removes them)', () => {
    expect(widenedGroup({ allSupported: false, resourceTypes: ['AWS::S3::Bucket'] }, false)).to.deep.equal({
      allSupported: true,
      includeGlobalResourceTypes: false,
      recordingStrategy: { useOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' },
    });
    expect(widenedGroup(undefined, true).includeGlobalResourceTypes).to.equal(true);
    expect(widenedGroup({ allSupported: true, includeGlobalResourceTypes: true }, false).includeGlobalResourceTypes).to.equal(true);
  });

  it('lets AWS Config check and write its prefix for this account only; TLS only on a new bucket; idempotent', () => {
    const c = { partition: 'aws-us-gov', account: '111122223333', bucket: 'b', requireTls: true };
    const { doc } = mergeConfigBucketPolicy(null, c);
    expect(doc.Statement.map((s) => [s.Sid, s.Action])).to.deep.equal([
      ['HubfixConfigBucketPermissionsCheck', 's3:GetBucketAcl'],
      ['HubfixConfigBucketExistenceCheck', 's3:ListBucket'],
      ['HubfixConfigBucketDelivery', 's3:PutObject'],
      ['HubfixDenyInsecureTransport', 's3:*'],
    ]);
    expect(doc.Statement[2]).to.deep.include({
      Resource: 'arn:aws-us-gov:s3:::b/AWSLogs/111122223333/Config/*',
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': '111122223333' } },
    });
    expect(mergeConfigBucketPolicy(doc, c).changed).to.equal(false);
  });

  it('passes only the Config service-linked role, no wildcard action, previewed by default', () => {
    const { policy } = compileRunbook(configRecorderRunbook);
    for (const s of policy.Statement) for (const a of s.Action) expect(a).to.match(/^[a-z0-9]+:[A-Za-z0-9]+$/);
    const slr = ['arn:${AWS::Partition}:iam::*:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig*'];
    const pass = policy.Statement.find((s) => s.Action.includes('iam:PassRole'));
    expect(pass?.Resource).to.deep.equal(slr);
    expect(pass?.Action).to.deep.equal(['iam:PassRole']);
    const other = policy.Statement.find((s) => s.Action.includes('iam:CreateServiceLinkedRole'));
    expect(other?.Resource).to.deep.equal(slr);
    expect(other?.Action).to.deep.equal(['iam:CreateServiceLinkedRole', 'iam:GetRole']);
    expect(configRecorderRunbook.defaultMode).to.equal('dry-run');
  });
});

describe('Config.1 recorder runbook in the local engine', () => {
  it('makes no change when AWS Config already meets the control', async () => {
    const run = await runRunbook(configRecorderRunbook, `${TABLE}/compliant.yaml`, {});
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('reuses the recorder: widened, moved to the service-linked role, its name and mode kept, started', async () => {
    const run = await runRunbook(configRecorderRunbook, `${TABLE}/reuse.yaml`, {});
    expect(run.result.status).to.equal('Success');
    expect(mapOutput(run, 'Plan', 'Before')).to.include({
      Recorder: 'main-recorder',
      RoleARN: 'arn:aws:iam::111122223333:role/config-role',
      Recording: 'false',
    });
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutConfigurationRecorder', 'StartConfigurationRecorder']);
    expect(callsTo(run, 'PutConfigurationRecorder')[0].input.ConfigurationRecorder).to.deep.equal({
      name: 'main-recorder',
      roleARN: SLR,
      recordingGroup: {
        allSupported: true,
        includeGlobalResourceTypes: true,
        recordingStrategy: { useOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' },
      },
      recordingMode: { recordingFrequency: 'DAILY' },
    });
    expect(callsTo(run, 'CreateServiceLinkedRole')).to.deep.equal([]);
    expect(callsTo(run, 'PutDeliveryChannel')).to.deep.equal([]);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('creates the service-linked role, a hardened access-logged bucket, the recorder and channel, and starts it', async () => {
    const run = await runRunbook(configRecorderRunbook, `${TABLE}/none.yaml`, {});
    expect(run.result.status).to.equal('Success');
    expect(mutatingCalls(run).map((c) => `${c.operation} ${c.input.Bucket ?? ''}`.trim())).to.deep.equal([
      `CreateBucket ${BUCKET}`,
      `PutPublicAccessBlock ${BUCKET}`,
      `PutBucketEncryption ${BUCKET}`,
      `PutBucketPolicy ${BUCKET}`,
      'CreateBucket hubfix-access-logs-111122223333-us-east-1',
      'PutPublicAccessBlock hubfix-access-logs-111122223333-us-east-1',
      'PutBucketEncryption hubfix-access-logs-111122223333-us-east-1',
      'PutBucketPolicy hubfix-access-logs-111122223333-us-east-1',
      `PutBucketLogging ${BUCKET}`,
      'CreateServiceLinkedRole',
      'PutConfigurationRecorder',
      'PutDeliveryChannel',
      'StartConfigurationRecorder',
    ]);
    const policy = parsePolicyDocument(callsTo(run, 'PutBucketPolicy')[0].input.Policy);
    expect(policy?.Statement.map((s) => s.Sid)).to.include('HubfixConfigBucketDelivery');
    expect(callsTo(run, 'PutConfigurationRecorder')[0].input.ConfigurationRecorder).to.deep.include({ name: 'default', roleARN: SLR });
    expect(callsTo(run, 'PutDeliveryChannel')[0].input).to.deep.equal({ DeliveryChannel: { name: 'default', s3BucketName: BUCKET } });
    expect(output(run, 'EnsureRecorder', 'Changed')).to.match(
      /^created bucket .*; created the service-linked role .*; created recorder default .*; created delivery channel default .*; started recorder default$/,
    );
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no write in a dry run', async () => {
    const run = await runRunbook(configRecorderRunbook, `${TABLE}/none.yaml`, { DryRun: true });
    expect(mutatingCalls(run)).to.deep.equal([]);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain(`create the hardened bucket ${BUCKET}`);
  });

  it('does not call the finding resolved while the recorder does not record', async () => {
    const run = await runRunbook(configRecorderRunbook, `${TABLE}/stays-stopped.yaml`, {});
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['StartConfigurationRecorder']);
    expect(output(run, 'Verify', 'Unmet')).to.equal('not recording');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
  });
});
