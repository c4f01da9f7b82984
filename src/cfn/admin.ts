import { LAMBDA_RUNTIME } from '../compiler/bundle';
import { CONFIG_PARAMETER_NAME } from '../findings/config-parameter';
import { DEFAULT_MEMBER_ROLE_NAME } from '../findings/config';
import { ORCHESTRATOR_FUNCTION, type PrincipalPolicy } from '../iam/principals';
import { actionTargets, eventWiring } from './events';
import { sweepSchedule } from './sweep';
import {
  CODE_PARAMETERS,
  getAtt,
  ifThen,
  LOG_RETENTION_PARAMETER,
  lambdaCode,
  NO_VALUE,
  principalPolicyToCfn,
  ref,
  serviceTrust,
  sub,
  type Template,
  trustPolicy,
} from './template';

export const ADMIN_TEMPLATE = 'hubfix-admin.yaml';
export const NOTIFICATION_TOPIC_NAME = 'hubfix-notifications';
export const FAILURE_QUEUE_NAME = 'hubfix-orchestrator-failures';
const ORCHESTRATOR_TIMEOUT_SECONDS = 300;
/** One orchestrator role per Region the admin stack is in (IAM names are global). */
export const ORCHESTRATOR_ROLE_PATTERN = 'hubfix-orchestrator-${AWS::Region}';

export const MEMBER_ROLE_NAME_PARAMETER = {
  Type: 'String',
  Description: 'Name of the role the orchestrator assumes in every member account (hubfix-member-account.yaml creates it).',
  Default: DEFAULT_MEMBER_ROLE_NAME,
  AllowedPattern: '^[\\w+=,.@-]{1,64}$',
};

export const ORGANIZATION_ID_PARAMETER = {
  Type: 'String',
  Description: 'AWS Organizations id (o-…). When given, hubfix roles act only inside this Organization. Empty for a trial in one account.',
  Default: '',
  AllowedPattern: '^$|^o-[a-z0-9]{10,32}$',
  ConstraintDescription: 'empty or an Organization id (o-…)',
};

/** The orchestrator's starting configuration (schemas/config.schema.json); operators edit the parameter afterwards. */
const INITIAL_CONFIG = ['version: 1', 'memberRoleName: ${MemberRoleName}', 'notificationTopicArn: ${NotificationTopic}', ''].join('\n');

export function adminTemplate(o: { orchestratorPolicy: PrincipalPolicy; orchestratorZipKey: string }): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hubfix administrator stack (Security Hub administrator account; once in the aggregation Region, or once per Region where findings arrive): orchestrator, its role, event rules, custom actions, notifications, configuration.',
    Parameters: {
      ...CODE_PARAMETERS,
      MemberRoleName: MEMBER_ROLE_NAME_PARAMETER,
      OrganizationId: ORGANIZATION_ID_PARAMETER,
      MemberAccountIds: {
        Type: 'CommaDelimitedList',
        Description: 'Without an Organization id: the member accounts whose runbook roles may publish to the notification topic.',
        Default: '',
      },
      ...LOG_RETENTION_PARAMETER,
    },
    Conditions: {
      HasOrganizationId: { 'Fn::Not': [{ 'Fn::Equals': [ref('OrganizationId'), ''] }] },
      HasMemberAccounts: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', ref('MemberAccountIds')] }, ''] }] },
    },
    Resources: {
      OrchestratorRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: sub(ORCHESTRATOR_ROLE_PATTERN),
          Description: 'hubfix orchestrator: assumes the member role, records on findings, notifies.',
          AssumeRolePolicyDocument: trustPolicy(serviceTrust('lambda.amazonaws.com')),
          Policies: [{ PolicyName: 'hubfix-orchestrator', PolicyDocument: principalPolicyToCfn(o.orchestratorPolicy) }],
        },
      },
      OrchestratorLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: `/aws/lambda/${ORCHESTRATOR_FUNCTION}`, RetentionInDays: ref('LogRetentionDays') },
      },
      Orchestrator: {
        Type: 'AWS::Lambda::Function',
        DependsOn: 'OrchestratorLogGroup',
        Properties: {
          FunctionName: ORCHESTRATOR_FUNCTION,
          Description: 'hubfix orchestrator: decides on each Security Hub finding and starts the runbook in the member account.',
          Runtime: LAMBDA_RUNTIME,
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 512,
          Timeout: ORCHESTRATOR_TIMEOUT_SECONDS,
          Role: getAtt('OrchestratorRole', 'Arn'),
          Code: lambdaCode(o.orchestratorZipKey),
          Environment: {
            Variables: { HUBFIX_CONFIG_PARAMETER: CONFIG_PARAMETER_NAME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          },
        },
      },
      // direct asynchronous invocations (a rule or an operator targeting the function): two retries,
      // then the event is kept in the failure queue, which is also the events queue's dead-letter queue
      OrchestratorInvokeConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: ref('Orchestrator'),
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 2,
          MaximumEventAgeInSeconds: 21600,
          DestinationConfig: { OnFailure: { Destination: getAtt('FailureQueue', 'Arn') } },
        },
      },
      FailureQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: FAILURE_QUEUE_NAME, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      NotificationTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: NOTIFICATION_TOPIC_NAME, DisplayName: 'hubfix' },
      },
      NotificationTopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [ref('NotificationTopic')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'RunbookRolesPublish',
                Effect: 'Allow',
                Principal: {
                  AWS: ifThen('HasOrganizationId', '*', ifThen('HasMemberAccounts', ref('MemberAccountIds'), ref('AWS::AccountId'))),
                },
                Action: 'sns:Publish',
                Resource: ref('NotificationTopic'),
                Condition: {
                  ArnLike: { 'aws:PrincipalArn': sub('arn:${AWS::Partition}:iam::*:role/hubfix-*') },
                  StringEquals: ifThen('HasOrganizationId', { 'aws:PrincipalOrgID': ref('OrganizationId') }, NO_VALUE),
                },
              },
            ],
          },
        },
      },
      ConfigParameter: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          Name: CONFIG_PARAMETER_NAME,
          Description: 'hubfix orchestrator configuration (schemas/config.schema.json); read within a minute of a change.',
          Type: 'String',
          Tier: 'Advanced',
          Value: sub(INITIAL_CONFIG),
        },
      },
      ...actionTargets(),
      ...eventWiring('Orchestrator', 'FailureQueue', ORCHESTRATOR_TIMEOUT_SECONDS),
      ...sweepSchedule('Orchestrator'),
    },
    Outputs: {
      OrchestratorRoleArn: {
        Description: 'The role member accounts trust (hubfix-member-account.yaml).',
        Value: getAtt('OrchestratorRole', 'Arn'),
      },
      NotificationTopicArn: { Value: ref('NotificationTopic') },
      FailureQueueUrl: { Value: ref('FailureQueue') },
      EventsQueueUrl: { Value: ref('EventsQueue') },
      ConfigParameterName: { Value: ref('ConfigParameter') },
    },
  };
}
