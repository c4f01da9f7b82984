import { LAMBDA_RUNTIME } from '../compiler/bundle';
import type { CompiledRunbook } from '../compiler/compile';
import { runbookRoleName } from '../findings/naming';
import { STEP_RUNNER_ROLE_NAME, type PrincipalPolicy } from '../iam/principals';
import { STEP_RUNNER_FUNCTION } from '../model/steps';
import { MEMBER_ROLE_NAME_PARAMETER, NOTIFICATION_TOPIC_NAME, ORGANIZATION_ID_PARAMETER } from './admin';
import {
  CODE_PARAMETERS,
  getAtt,
  ifThen,
  LOG_RETENTION_PARAMETER,
  lambdaCode,
  NO_VALUE,
  principalPolicyToCfn,
  ref,
  runbookPolicyToCfn,
  serviceTrust,
  sub,
  type Template,
  trustPolicy,
} from './template';

export const MEMBER_ACCOUNT_TEMPLATE = 'hubfix-member-account.yaml';
export const MEMBER_REGION_TEMPLATE = 'hubfix-member-region.yaml';
import { RUNTIME_ROLE_BOUNDARY } from '../iam/names';

export { RUNTIME_ROLE_BOUNDARY };

/** `Hubfix-IAM-PasswordPolicy` → `RoleIAMPasswordPolicy` (logical ids are alphanumeric). */
export function logicalId(prefix: string, document: string): string {
  return prefix + document.replace(/^Hubfix-/, '').replace(/[^A-Za-z0-9]/g, '');
}

/**
 * Each member account, once (IAM is global): the member role the orchestrator assumes, one role per
 * runbook with its derived policy, the step runner's execution role, and the boundary for roles
 * runbooks create.
 */
export function memberAccountTemplate(o: {
  runbooks: readonly CompiledRunbook[];
  memberPolicy: PrincipalPolicy;
  stepRunnerPolicy: PrincipalPolicy;
}): Template {
  const runbookRoles: Template['Resources'] = {};
  for (const rb of o.runbooks) {
    runbookRoles[logicalId('Role', rb.name)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: runbookRoleName(rb.name),
        Description: `hubfix runbook role: the AutomationAssumeRole of ${rb.name}.`,
        AssumeRolePolicyDocument: trustPolicy(
          serviceTrust('ssm.amazonaws.com', {
            ArnLike: { 'aws:SourceArn': sub('arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:automation-execution/*') },
          }),
          { Effect: 'Allow', Principal: { AWS: getAtt('StepRunnerRole', 'Arn') }, Action: 'sts:AssumeRole' },
        ),
        Policies: [{ PolicyName: rb.name, PolicyDocument: runbookPolicyToCfn(rb.policy) }],
      },
    };
  }
  const orchestratorPrincipal = 'arn:${AWS::Partition}:iam::${AdministratorAccountId}:role/hubfix-orchestrator-*';
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hubfix member account stack (every member account, once, in one Region: IAM is global): member role, runbook roles, step runner role, runtime role boundary.',
    Parameters: {
      AdministratorAccountId: {
        Type: 'String',
        Description: 'The Security Hub administrator account, where the orchestrator runs.',
        AllowedPattern: '^\\d{12}$',
        ConstraintDescription: 'a 12-digit account id',
      },
      MemberRoleName: MEMBER_ROLE_NAME_PARAMETER,
      NotificationTopicName: {
        Type: 'String',
        Description:
          "The administrator account's notification topic (its name): the only topic runbook roles may publish to (the finalizer's notification).",
        Default: NOTIFICATION_TOPIC_NAME,
        AllowedPattern: '^[A-Za-z0-9_-]{1,256}(.fifo)?$',
        ConstraintDescription: 'an SNS topic name',
      },
      OrganizationId: ORGANIZATION_ID_PARAMETER,
      OperatorRoleName: {
        Type: 'String',
        Description: 'Optional: a role in the administrator account that may also assume the member role, read-only use (hubfix doctor).',
        Default: '',
        AllowedPattern: '^$|^[\\w+=,.@-]{1,64}$',
      },
    },
    Conditions: {
      HasOrganizationId: { 'Fn::Not': [{ 'Fn::Equals': [ref('OrganizationId'), ''] }] },
      HasOperatorRole: { 'Fn::Not': [{ 'Fn::Equals': [ref('OperatorRoleName'), ''] }] },
    },
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: ref('MemberRoleName'),
          Description: 'hubfix member role: the orchestrator starts runbooks through it.',
          AssumeRolePolicyDocument: trustPolicy({
            Effect: 'Allow',
            Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AdministratorAccountId}:root') },
            Action: 'sts:AssumeRole',
            Condition: {
              ArnLike: {
                'aws:PrincipalArn': ifThen(
                  'HasOperatorRole',
                  [sub(orchestratorPrincipal), sub('arn:${AWS::Partition}:iam::${AdministratorAccountId}:role/${OperatorRoleName}')],
                  [sub(orchestratorPrincipal)],
                ),
              },
              StringEquals: ifThen('HasOrganizationId', { 'aws:PrincipalOrgID': ref('OrganizationId') }, NO_VALUE),
            },
          }),
          Policies: [{ PolicyName: 'hubfix-member', PolicyDocument: principalPolicyToCfn(o.memberPolicy) }],
        },
      },
      StepRunnerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: STEP_RUNNER_ROLE_NAME,
          Description: 'hubfix step runner: assumes the runbook role of the automation it runs for.',
          AssumeRolePolicyDocument: trustPolicy(serviceTrust('lambda.amazonaws.com')),
          Policies: [{ PolicyName: 'hubfix-step-runner', PolicyDocument: principalPolicyToCfn(o.stepRunnerPolicy) }],
        },
      },
      RuntimeRoleBoundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: RUNTIME_ROLE_BOUNDARY,
          Description: 'Permissions boundary of every role a hubfix runbook creates at run time (log delivery roles).',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'LogDeliveryOnly',
                Effect: 'Allow',
                Action: [
                  'logs:CreateLogGroup',
                  'logs:CreateLogStream',
                  'logs:DescribeLogGroups',
                  'logs:DescribeLogStreams',
                  'logs:PutLogEvents',
                ],
                Resource: '*',
              },
            ],
          },
        },
      },
      ...runbookRoles,
    },
    Outputs: {
      MemberRoleArn: { Value: getAtt('MemberRole', 'Arn') },
      StepRunnerRoleArn: { Value: getAtt('StepRunnerRole', 'Arn') },
      RuntimeRoleBoundaryArn: { Value: ref('RuntimeRoleBoundary') },
    },
  };
}

/** Each member account × Region: the documents and the step runner. */
export function memberRegionTemplate(o: { runbooks: readonly CompiledRunbook[]; stepRunnerZipKey: string }): Template {
  const documents: Template['Resources'] = {};
  for (const rb of o.runbooks) {
    documents[logicalId('Document', rb.name)] = {
      Type: 'AWS::SSM::Document',
      Properties: {
        Name: rb.name,
        DocumentType: 'Automation',
        DocumentFormat: 'JSON',
        UpdateMethod: 'NewVersion',
        Content: rb.document,
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hubfix member Region stack (every member account × Region, after hubfix-member-account.yaml): the runbooks as SSM Automation documents and the step runner Lambda.',
    Parameters: { ...CODE_PARAMETERS, ...LOG_RETENTION_PARAMETER },
    Resources: {
      StepRunnerLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: `/aws/lambda/${STEP_RUNNER_FUNCTION}`, RetentionInDays: ref('LogRetentionDays') },
      },
      StepRunner: {
        Type: 'AWS::Lambda::Function',
        DependsOn: 'StepRunnerLogGroup',
        Properties: {
          FunctionName: STEP_RUNNER_FUNCTION,
          Description: 'hubfix step runner: runs the script steps of hubfix runbooks as the automation role.',
          Runtime: LAMBDA_RUNTIME,
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 256,
          Timeout: 120,
          Role: sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${STEP_RUNNER_ROLE_NAME}`),
          Code: lambdaCode(o.stepRunnerZipKey),
          Environment: { Variables: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
        },
      },
      ...documents,
    },
    Outputs: { StepRunnerArn: { Value: getAtt('StepRunner', 'Arn') } },
  };
}
