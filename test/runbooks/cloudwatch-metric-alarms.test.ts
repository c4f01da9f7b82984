import { expect } from 'chai';
import {
  ORDER,
  alarmFiresOnOne,
  alarmTopicFor,
  chainGaps,
  managementEventsLogged,
  metricAlarmsRunbook,
  trailProblem,
} from '../../runbooks/cloudwatch-metric-alarms';
import { CIS_METRIC_FILTERS, cisMetricFilter } from '../../runbooks/support/cis-metric-filters';
import { compileRunbook } from '../../src/compiler/compile';
import {
  type RunbookRun,
  callsTo,
  expectPolicyClean,
  finalStatus,
  mapOutput,
  mutatingCalls,
  output,
  runRunbook,
  stepsRun,
} from './engine-run';

const TABLE = 'cloudwatch-metric-alarms';

/** Calls that change the account (the outcome notification is not one). */
function writes(run: RunbookRun) {
  return mutatingCalls(run).filter((c) => c.operation !== 'Publish');
}
const ADMIN_TOPIC = 'arn:aws:sns:us-east-1:999999999999:hubfix-notifications';
const PEER_TOPIC = 'arn:aws:sns:us-east-1:111122223333:hubfix-notifications';
const HERE = { account: '111122223333', region: 'us-east-1', partition: 'aws' };

/**
 * The exact texts, copied by hand from the Security Hub user guide's CIS 1.2.0 controls page
 * (securityhub-cis-controls.md, 3.1–3.14) — not computed from the runbook's table, so a changed
 * character in either fails here.
 */
const DOCUMENTED_PATTERNS: Record<string, string> = {
  'CloudWatch.1': '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
  'CloudWatch.2': '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
  'CloudWatch.3': '{($.eventName="ConsoleLogin") && ($.additionalEventData.MFAUsed !="Yes")}',
  'CloudWatch.4':
    '{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}',
  'CloudWatch.5':
    '{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}',
  'CloudWatch.6': '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
  'CloudWatch.7': '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}',
  'CloudWatch.8':
    '{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}',
  'CloudWatch.9':
    '{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}',
  'CloudWatch.10':
    '{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}',
  'CloudWatch.11':
    '{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}',
  'CloudWatch.12':
    '{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}',
  'CloudWatch.13':
    '{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}',
  'CloudWatch.14':
    '{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}',
};

describe('CIS metric-filter alarms: the family is one runbook with the patterns as data', () => {
  it('serves CloudWatch.1–14 from one document, each control naming itself as the Control parameter', () => {
    expect(metricAlarmsRunbook.controls.map((c) => c.id)).to.deep.equal(Array.from({ length: 14 }, (_, i) => `CloudWatch.${i + 1}`));
    for (const c of metricAlarmsRunbook.controls) expect(c.parameters).to.deep.equal({ Control: c.id });
  });

  it('maps CIS 1.2.0 1.1 and 3.3 both to CloudWatch.1, and 3.1–3.14 one to one', () => {
    const cis = Object.fromEntries(metricAlarmsRunbook.controls.map((c) => [c.id, c.aliases?.['cis-1.2.0']]));
    expect(cis['CloudWatch.1']).to.deep.equal(['1.1', '3.3']);
    expect(cis['CloudWatch.2']).to.deep.equal(['3.1']);
    expect(cis['CloudWatch.3']).to.deep.equal(['3.2']);
    for (let n = 4; n <= 14; n++) expect(cis[`CloudWatch.${n}`]).to.deep.equal([`3.${n}`]);
  });

  it('only PutMetricAlarm on hubfix-named alarms; no wildcard action', () => {
    const { policy } = compileRunbook(metricAlarmsRunbook);
    const put = policy.Statement.find((s) => s.Action.includes('cloudwatch:PutMetricAlarm'));
    expect(put?.Resource).to.deep.equal(['arn:${AWS::Partition}:cloudwatch:*:*:alarm:hubfix-*']);
    for (const s of policy.Statement) for (const a of s.Action) expect(a).to.not.include('*');
  });
});

describe('CIS metric-filter alarms: decisions (pure)', () => {
  const good = {
    Name: 'main',
    TrailARN: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main',
    HomeRegion: 'us-east-1',
    IsMultiRegionTrail: true,
    IsLogging: true,
    ManagementEvents: true,
    CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111122223333:log-group:g:*',
  };

  it('accepts only a multi-Region, logging trail of this account, homed here, with management events and a log group', () => {
    expect(trailProblem(good, HERE)).to.equal(undefined);
    expect(trailProblem({ ...good, IsMultiRegionTrail: false }, HERE)).to.contain('not multi-Region (CloudTrail.1)');
    expect(trailProblem({ ...good, IsLogging: false }, HERE)).to.contain('not logging');
    expect(trailProblem({ ...good, ManagementEvents: false }, HERE)).to.contain('management events');
    expect(trailProblem({ ...good, CloudWatchLogsLogGroupArn: undefined }, HERE)).to.contain('CloudTrail.5');
    expect(trailProblem({ ...good, HomeRegion: 'eu-west-1' }, HERE)).to.contain('run this runbook there');
    expect(
      trailProblem({ ...good, TrailARN: 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org', IsOrganizationTrail: true }, HERE),
    ).to.contain('organization trail');
  });

  it('counts an alarm only when it fires at ≥ 1 in one period with its actions on', () => {
    const a = { AlarmName: 'x', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 1 };
    expect(alarmFiresOnOne(a)).to.equal(true);
    expect(alarmFiresOnOne({ ...a, ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 })).to.equal(true);
    expect(alarmFiresOnOne({ ...a, Threshold: 5 })).to.equal(false);
    expect(alarmFiresOnOne({ ...a, EvaluationPeriods: 3 })).to.equal(false);
    expect(alarmFiresOnOne({ ...a, DatapointsToAlarm: 2, EvaluationPeriods: 1 })).to.equal(false);
    expect(alarmFiresOnOne({ ...a, ActionsEnabled: false })).to.equal(false);
    expect(alarmFiresOnOne({ ...a, ComparisonOperator: 'LessThanThreshold' })).to.equal(false);
  });

  it("takes the notification topic's peer in this account and Region when no topic is given", () => {
    expect(alarmTopicFor('', ADMIN_TOPIC, HERE)).to.equal(PEER_TOPIC);
    expect(alarmTopicFor('arn:aws:sns:us-east-1:111122223333:mine', ADMIN_TOPIC, HERE)).to.equal('arn:aws:sns:us-east-1:111122223333:mine');
    expect(alarmTopicFor('', '', HERE)).to.equal('');
  });

  it('reads management events from basic or advanced selectors, and not from a read-only one', () => {
    expect(managementEventsLogged([{ ReadWriteType: 'All', IncludeManagementEvents: true }])).to.equal(true);
    expect(managementEventsLogged([{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }])).to.equal(false);
    expect(managementEventsLogged([], [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }])).to.equal(true);
    expect(
      managementEventsLogged(
        [],
        [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['true'] },
            ],
          },
        ],
      ),
    ).to.equal(false);
    expect(managementEventsLogged([], [])).to.equal(false);
  });

  it('says which link of the chain is missing, subscriber included', () => {
    const f = cisMetricFilter('CloudWatch.2');
    if (!f) throw new Error('no CloudWatch.2');
    const filter = { filterName: 'x', metricName: 'M', namespace: 'N' };
    const alarm = {
      AlarmName: 'a',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      AlarmActions: [PEER_TOPIC],
    };
    expect(chainGaps({ noTrail: 'no trail', alarms: [], subscribers: {} }, f)).to.deep.equal(['no trail']);
    expect(chainGaps({ trail: good, logGroupName: 'g', alarms: [], subscribers: {} }, f)[0]).to.contain('exact CIS 3.1 pattern');
    expect(chainGaps({ trail: good, logGroupName: 'g', filter, alarms: [], subscribers: {} }, f)[0]).to.contain('no alarm');
    expect(chainGaps({ trail: good, logGroupName: 'g', filter, alarms: [alarm], subscribers: { [PEER_TOPIC]: 0 } }, f)[0]).to.contain(
      'confirmed subscriber',
    );
    expect(chainGaps({ trail: good, logGroupName: 'g', filter, alarms: [alarm], subscribers: { [PEER_TOPIC]: 1 } }, f)).to.deep.equal([]);
  });
});

describe('CIS metric-filter alarms in the local engine', () => {
  it('creates the filter with the exact pattern and an alarm to the notification topic peer, then verifies the whole chain', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/create.yaml`, {
      Control: 'CloudWatch.2',
      NotificationTopicArn: ADMIN_TOPIC,
    });
    expect(run.result.status).to.equal('Success');
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Apply', 'Verify', 'Finalize']);
    expect(mutatingCalls(run).map((c) => c.operation)).to.deep.equal(['PutMetricFilter', 'PutMetricAlarm', 'Publish']);
    expect(callsTo(run, 'PutMetricFilter')[0].input).to.deep.equal({
      logGroupName: 'audit/cloudtrail',
      filterName: 'hubfix-CloudWatch.2-UnauthorizedAPICalls',
      filterPattern: DOCUMENTED_PATTERNS['CloudWatch.2'],
      metricTransformations: [{ metricName: 'UnauthorizedAPICalls', metricNamespace: 'LogMetrics', metricValue: '1' }],
    });
    expect(callsTo(run, 'PutMetricAlarm')[0].input).to.deep.include({
      AlarmName: 'hubfix-CloudWatch.2-UnauthorizedAPICalls',
      MetricName: 'UnauthorizedAPICalls',
      Namespace: 'LogMetrics',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      ActionsEnabled: true,
      AlarmActions: [PEER_TOPIC],
    });
    expect(mapOutput(run, 'Plan', 'Before')).to.include({ MetricFilter: 'none with the exact CIS pattern', Topic: PEER_TOPIC });
    expect(mapOutput(run, 'Verify', 'After')).to.include({ ConfirmedSubscribers: `${PEER_TOPIC}: 1` });
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('leaves a complete chain of other names alone (already compliant: no write)', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/compliant.yaml`, {
      Control: 'CloudWatch.2',
      NotificationTopicArn: ADMIN_TOPIC,
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('compliant');
    expect(writes(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Verify', 'Finalize']);
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it("reuses a filter that has the exact pattern and puts hubfix's alarm on its metric when no alarm is heard", async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/reuse.yaml`, {
      Control: 'CloudWatch.2',
      AlarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:sec-oncall',
    });
    expect(run.result.status).to.equal('Success');
    expect(writes(run).map((c) => c.operation)).to.deep.equal(['PutMetricAlarm']);
    expect(callsTo(run, 'PutMetricAlarm')[0].input).to.deep.include({
      MetricName: 'UnauthorizedAttemptCount',
      Namespace: 'CISBenchmark',
      AlarmActions: ['arn:aws:sns:us-east-1:111122223333:sec-oncall'],
    });
    expect(output(run, 'Plan', 'Summary')).to.contain('confirmed subscriber');
    expect(finalStatus(run)).to.deep.include({ status: 'SUCCEEDED', verified: true });
    expectPolicyClean(run);
  });

  it('makes no write in a dry run and says what it would put', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/create.yaml`, {
      Control: 'CloudWatch.2',
      NotificationTopicArn: ADMIN_TOPIC,
      DryRun: true,
    });
    expect(writes(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('DRY_RUN');
    expect(finalStatus(run).summary).to.contain('put metric filter hubfix-CloudWatch.2-UnauthorizedAPICalls');
  });

  it('reports NOT_VERIFIED when the filter does not show up on the log group after Apply', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/verify-fails.yaml`, {
      Control: 'CloudWatch.2',
      NotificationTopicArn: ADMIN_TOPIC,
    });
    expect(writes(run).map((c) => c.operation)).to.deep.equal(['PutMetricFilter', 'PutMetricAlarm']);
    expect(output(run, 'Verify', 'Verified')).to.equal('false');
    expect(finalStatus(run)).to.deep.include({ status: 'NOT_VERIFIED', verified: false });
    expect(output(run, 'Verify', 'Unmet')).to.contain('no metric filter with the exact CIS 3.1 pattern');
  });

  it('builds nothing when only an organization trail of another account is visible, and says the order to follow', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/org-trail.yaml`, {
      Control: 'CloudWatch.1',
      NotificationTopicArn: ADMIN_TOPIC,
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary'))
      .to.contain(ORDER)
      .and.to.contain('account 999988887777');
    expect(writes(run)).to.deep.equal([]);
    expect(stepsRun(run)).to.deep.equal(['Plan', 'Gate', 'Finalize']);
    expect(finalStatus(run).status).to.equal('NOT_VERIFIED');
  });

  it('builds nothing when the alarm topic has no confirmed subscriber', async () => {
    const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/unheard-topic.yaml`, {
      Control: 'CloudWatch.2',
      NotificationTopicArn: ADMIN_TOPIC,
    });
    expect(output(run, 'Plan', 'Decision')).to.equal('skip');
    expect(output(run, 'Plan', 'Summary')).to.contain('has no confirmed subscriber');
    expect(writes(run)).to.deep.equal([]);
  });

  describe('puts the exact CIS 1.2.0 pattern of each control', () => {
    for (const f of CIS_METRIC_FILTERS) {
      it(`${f.control} (CIS 1.2.0 ${f.cis.join(', ')}): ${f.name}`, async () => {
        const run = await runRunbook(metricAlarmsRunbook, `${TABLE}/verify-fails.yaml`, {
          Control: f.control,
          NotificationTopicArn: ADMIN_TOPIC,
        });
        const put = callsTo(run, 'PutMetricFilter');
        expect(put).to.have.length(1);
        expect(put[0].input.filterPattern).to.equal(DOCUMENTED_PATTERNS[f.control]);
        expect(put[0].input.filterName).to.equal(`hubfix-${f.control}-${f.name}`);
      });
    }
  });
});
