import { expect } from 'chai';
import { CLOUDTRAIL_DELIVERY_ROLE } from '../../runbooks/cloudtrail-cloudwatch-logs';
import { runtimeRoleBoundaryArn, trustPolicyFor } from '../../runbooks/support/log-delivery';
import { FLOW_LOGS_DELIVERY_ROLE } from '../../runbooks/vpc-flow-logs';
import type { CompiledRunbook } from '../../src/compiler/compile';
import { compileAll } from '../../src/compiler/index';
import { iamActionFor, type PolicyStatement, policyFrom } from '../../src/iam/actions';
import { resolvePlaceholders } from '../../src/iam/permission';

/** The least-privilege rules of issue #11 item 5, pinned on the derived policies of the shipped runbooks. */

const compiled = compileAll();

function runbook(name: string): CompiledRunbook {
  const rb = compiled.find((c) => c.name === name);
  if (!rb) throw new Error(`no runbook ${name}`);
  return rb;
}

function statementsFor(rb: CompiledRunbook, action: string): PolicyStatement[] {
  return rb.policy.Statement.filter((s) => s.Action.includes(action));
}

function only(rb: CompiledRunbook, action: string): PolicyStatement {
  const found = statementsFor(rb, action);
  expect(found, `${rb.name} ${action}`).to.have.length(1);
  return found[0];
}

const BOUNDARY = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/hubfix-runtime-role-boundary';

describe('least privilege of the derived runbook policies', () => {
  it('lets the flow-log runbook pass its delivery role only to vpc-flow-logs.amazonaws.com', () => {
    const s = only(runbook('Hubfix-EC2-VpcFlowLogs'), 'iam:PassRole');
    expect(s.Condition).to.deep.equal({ StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } });
    expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/hubfix-vpc-flow-logs-*']);
    expect(s.Action).to.deep.equal(['iam:PassRole']);
  });

  it('lets the CloudTrail-to-Logs runbook pass its delivery role only to cloudtrail.amazonaws.com', () => {
    const s = only(runbook('Hubfix-CloudTrail-CloudWatchLogs'), 'iam:PassRole');
    expect(s.Condition).to.deep.equal({ StringEquals: { 'iam:PassedToService': 'cloudtrail.amazonaws.com' } });
    expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/hubfix-cloudtrail-logs-*']);
  });

  it('lets the flow-log runbook create flow logs only for VPCs of its own account: the flow log and the VPC, never *', () => {
    const rb = runbook('Hubfix-EC2-VpcFlowLogs');
    const statements = statementsFor(rb, 'ec2:CreateFlowLogs');
    expect(statements.flatMap((s) => s.Resource)).to.have.members([
      'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:vpc-flow-log/*',
      'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:vpc/*',
    ]);
    const cn = resolvePlaceholders(rb.policy, { partition: 'aws-cn', account: '111122223333' });
    expect(cn.Statement.filter((s) => s.Action.includes('ec2:CreateFlowLogs')).flatMap((s) => s.Resource)).to.have.members([
      'arn:aws-cn:ec2:*:111122223333:vpc-flow-log/*',
      'arn:aws-cn:ec2:*:111122223333:vpc/*',
    ]);
  });

  it("lets the Config runbook pass only AWS Config's service-linked role, only to config.amazonaws.com", () => {
    const s = only(runbook('Hubfix-Config-Recorder'), 'iam:PassRole');
    expect(s.Condition).to.deep.equal({ StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } });
    expect(s.Resource[0]).to.match(/role\/aws-service-role\/config\.amazonaws\.com\/AWSServiceRoleForConfig\*$/);
  });

  it("authorizes Security Hub's OCSF reads and writes by the actions IAM has (no securityhub:*V2 action exists)", () => {
    expect(iamActionFor('securityhub', 'GetFindingsV2')).to.equal('securityhub:GetFindings');
    expect(iamActionFor('securityhub', 'BatchUpdateFindingsV2')).to.equal('securityhub:BatchUpdateFindings');
    for (const rb of compiled)
      for (const s of rb.policy.Statement) for (const a of s.Action) expect(a, rb.name).to.not.match(/^securityhub:\w+V2$/);
  });

  it('never allows iam:PassRole without iam:PassedToService in any runbook', () => {
    for (const rb of compiled)
      for (const s of statementsFor(rb, 'iam:PassRole'))
        expect(s.Condition?.StringEquals?.['iam:PassedToService'], rb.name).to.be.a('string');
  });

  it('lets the log-delivery runbooks create and write roles only when they carry the runtime role boundary', () => {
    for (const name of ['Hubfix-EC2-VpcFlowLogs', 'Hubfix-CloudTrail-CloudWatchLogs']) {
      const rb = runbook(name);
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy'])
        expect(only(rb, action).Condition, `${name} ${action}`).to.deep.equal({
          StringEquals: { 'iam:PermissionsBoundary': BOUNDARY },
        });
    }
  });

  it('lets the support-role runbook create a role only bounded by AWSSupportAccess and attach only AWSSupportAccess', () => {
    const rb = runbook('Hubfix-IAM-SupportRole');
    const support = 'arn:${AWS::Partition}:iam::aws:policy/AWSSupportAccess';
    expect(only(rb, 'iam:CreateRole').Condition).to.deep.equal({ StringEquals: { 'iam:PermissionsBoundary': support } });
    expect(only(rb, 'iam:AttachRolePolicy').Condition).to.deep.equal({ ArnEquals: { 'iam:PolicyARN': support } });
    expect(only(rb, 'iam:CreateRole').Resource).to.deep.equal(['arn:${AWS::Partition}:iam::*:role/hubfix-*']);
  });

  it('never allows CreateRole, PutRolePolicy or AttachRolePolicy without a boundary or policy condition in any runbook', () => {
    for (const rb of compiled)
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'])
        for (const s of statementsFor(rb, action)) {
          const c = s.Condition ?? {};
          const keys = Object.values(c).flatMap((byKey) => Object.keys(byKey));
          expect(keys, `${rb.name} ${action}`).to.satisfy(
            (k: string[]) => k.includes('iam:PermissionsBoundary') || k.includes('iam:PolicyARN'),
          );
        }
  });

  it("lets every runbook publish only to the administrator account's notification topic", () => {
    for (const rb of compiled) {
      const s = only(rb, 'sns:Publish');
      expect(s.Resource, rb.name).to.deep.equal(['arn:${AWS::Partition}:sns:*:${AdministratorAccountId}:${NotificationTopicName}']);
    }
  });

  it('lets every runbook invoke only the step runner of its own account', () => {
    for (const rb of compiled) {
      const s = only(rb, 'lambda:InvokeFunction');
      expect(s.Resource, rb.name).to.deep.equal(['arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:hubfix-step-runner']);
    }
  });

  it('lets the root-credentials runbook open root sessions only with its two task policies', () => {
    const s = only(runbook('Hubfix-IAM-RootAccessKeysDelete'), 'sts:AssumeRoot');
    expect(s.Condition).to.deep.equal({
      ArnEquals: {
        'sts:TaskPolicyArn': [
          'arn:${AWS::Partition}:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
          'arn:${AWS::Partition}:iam::aws:policy/root-task/IAMDeleteRootUserCredentials',
        ],
      },
    });
  });

  it('names no partition literally: every ARN of every derived policy uses ${AWS::Partition}', () => {
    for (const rb of compiled) {
      const text = JSON.stringify(rb.policy);
      expect(text, rb.name).to.not.match(/arn:aws(-[a-z]+)*:/);
      for (const s of rb.policy.Statement)
        for (const r of s.Resource) if (r !== '*') expect(r, rb.name).to.match(/^arn:\$\{AWS::Partition\}:/);
    }
  });

  it('resolves the placeholders per installation, in aws-cn as in aws, conditions included', () => {
    const rb = runbook('Hubfix-EC2-VpcFlowLogs');
    const cn = resolvePlaceholders(rb.policy, {
      partition: 'aws-cn',
      account: '111122223333',
      administratorAccount: '444455556666',
      notificationTopicName: 'ops',
    });
    const text = JSON.stringify(cn);
    expect(text).to.not.include('${');
    expect(text).to.include('arn:aws-cn:iam::111122223333:policy/hubfix-runtime-role-boundary');
    expect(text).to.include('arn:aws-cn:sns:*:444455556666:ops');
    expect(text).to.include('arn:aws-cn:lambda:*:111122223333:function:hubfix-step-runner');
  });

  it('keeps a placeholder it has no value for, so an unresolved condition is carried, not dropped', () => {
    const p = resolvePlaceholders(runbook('Hubfix-EC2-VpcFlowLogs').policy, { partition: 'aws', account: '111122223333' });
    expect(JSON.stringify(p)).to.include('${AdministratorAccountId}');
    expect(p.Statement.some((s) => s.Condition?.StringEquals?.['iam:PassedToService'])).to.equal(true);
  });

  it('never merges a conditioned permission into an unconditioned statement of the same resource', () => {
    const policy = policyFrom([
      { action: 'iam:GetRole', resource: 'arn:${AWS::Partition}:iam::*:role/x' },
      {
        action: 'iam:PassRole',
        resource: 'arn:${AWS::Partition}:iam::*:role/x',
        condition: { StringEquals: { 'iam:PassedToService': 'a' } },
      },
    ]);
    expect(policy.Statement).to.have.length(2);
    expect(policy.Statement.find((s) => s.Action.includes('iam:GetRole'))?.Condition).to.equal(undefined);
  });
});

describe('least privilege of bucket policy and ACL writes', () => {
  it('lets a runbook write a bucket policy or ACL only on buckets of its own account (s3:ResourceAccount)', () => {
    let seen = 0;
    for (const rb of compiled)
      for (const action of ['s3:PutBucketPolicy', 's3:PutBucketAcl'])
        for (const s of statementsFor(rb, action)) {
          seen++;
          expect(s.Condition, `${rb.name} ${action}`).to.deep.equal({ StringEquals: { 's3:ResourceAccount': '${AWS::AccountId}' } });
          expect(s.Resource).to.deep.equal(['arn:${AWS::Partition}:s3:::*']);
        }
    expect(seen).to.be.greaterThan(2);
  });
});

describe('roles a runbook creates at run time', () => {
  it('creates each log-delivery role with the runtime boundary of its partition, trusted only by the service it delivers for', () => {
    for (const spec of [FLOW_LOGS_DELIVERY_ROLE, CLOUDTRAIL_DELIVERY_ROLE]) {
      const trust = trustPolicyFor(spec, { partition: 'aws-us-gov', account: '111122223333', region: 'us-gov-west-1' });
      expect(
        trust.Statement.map((s) => s.Principal),
        spec.service,
      ).to.deep.equal([{ Service: spec.service }]);
      expect(trust.Statement.map((s) => s.Action)).to.deep.equal(['sts:AssumeRole']);
    }
    expect(runtimeRoleBoundaryArn('aws-us-gov', '111122223333')).to.equal(
      'arn:aws-us-gov:iam::111122223333:policy/hubfix-runtime-role-boundary',
    );
  });
});
