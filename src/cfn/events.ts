import { DRY_RUN_ACTION_ID, REMEDIATE_ACTION_ID } from '../finalizer/actions';
import { getAtt, ref } from './template';

/**
 * How Security Hub's events reach the orchestrator (administrator template), in this one place:
 * the two rules and their patterns put each event on the events queue, and Lambda's event source
 * mapping hands the orchestrator up to 100 at once, waiting at most a second to fill a batch (so an
 * event is started on within about a second, and a burst of findings shares its start records;
 * src/findings/queue.ts). A message that keeps failing moves to the failure queue after
 * `MAX_RECEIVES` deliveries, where `hubfix doctor` and the operator look.
 */

export const EVENTS_QUEUE_NAME = 'hubfix-events';
export const QUEUE_BATCH_SIZE = 100;
export const QUEUE_BATCHING_WINDOW_SECONDS = 1;
/** Deliveries of one message before it moves to the failure queue (the first and four retries). */
export const MAX_RECEIVES = 5;

/**
 * "Findings - Imported", filtered to what automatic runs can act on (decide: compliance FAILED,
 * record ACTIVE, workflow NEW), so that quiet findings (passed, archived, already notified or
 * resolved, hubfix's own updates echoed back) cost no invocation.
 */
export const IMPORTED_PATTERN = {
  source: ['aws.securityhub'],
  'detail-type': ['Security Hub Findings - Imported'],
  detail: {
    findings: {
      Compliance: { Status: ['FAILED'] },
      RecordState: ['ACTIVE'],
      Workflow: { Status: ['NEW'] },
    },
  },
};

/** The two custom actions an analyst picks; their ARNs are what the custom-action rule matches. */
export function actionTargets(): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  return {
    RemediateAction: {
      Type: 'AWS::SecurityHub::ActionTarget',
      Properties: { Id: REMEDIATE_ACTION_ID, Name: 'Remediate', Description: 'hubfix: remediate the selected findings (verified).' },
    },
    DryRunAction: {
      Type: 'AWS::SecurityHub::ActionTarget',
      Properties: { Id: DRY_RUN_ACTION_ID, Name: 'Remediate (dry run)', Description: 'hubfix: plan only; changes nothing.' },
    },
  };
}

export const CUSTOM_ACTION_PATTERN = {
  source: ['aws.securityhub'],
  'detail-type': ['Security Hub Findings - Custom Action'],
  resources: [ref('RemediateAction'), ref('DryRunAction')],
};

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string };

/**
 * The rules, the queue they feed (only they may send to it) and the mapping that feeds the
 * orchestrator. `failureQueueLogicalId` is the dead-letter queue; the function's timeout sets the
 * visibility timeout (six times it, as Lambda asks for queues it reads).
 */
export function eventWiring(
  functionLogicalId: string,
  failureQueueLogicalId: string,
  functionTimeoutSeconds: number,
): Record<string, Resource> {
  const target = { Id: 'events-queue', Arn: getAtt('EventsQueue', 'Arn') };
  const rule = (name: string, description: string, pattern: unknown): Resource => ({
    Type: 'AWS::Events::Rule',
    Properties: { Name: name, Description: description, State: 'ENABLED', EventPattern: pattern, Targets: [target] },
  });
  return {
    FindingsImportedRule: rule('hubfix-findings-imported', 'hubfix: new failed findings to the orchestrator', IMPORTED_PATTERN),
    CustomActionRule: rule('hubfix-custom-action', 'hubfix: Remediate / Remediate (dry run) to the orchestrator', CUSTOM_ACTION_PATTERN),
    EventsQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: EVENTS_QUEUE_NAME,
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 6 * functionTimeoutSeconds,
        MessageRetentionPeriod: 345600,
        RedrivePolicy: { deadLetterTargetArn: getAtt(failureQueueLogicalId, 'Arn'), maxReceiveCount: MAX_RECEIVES },
      },
    },
    EventsQueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref('EventsQueue')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'HubfixRulesOnly',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt('EventsQueue', 'Arn'),
              Condition: { ArnEquals: { 'aws:SourceArn': [getAtt('FindingsImportedRule', 'Arn'), getAtt('CustomActionRule', 'Arn')] } },
            },
          ],
        },
      },
    },
    EventsQueueMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: getAtt('EventsQueue', 'Arn'),
        FunctionName: ref(functionLogicalId),
        Enabled: true,
        BatchSize: QUEUE_BATCH_SIZE,
        MaximumBatchingWindowInSeconds: QUEUE_BATCHING_WINDOW_SECONDS,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
  };
}

/** Rule names doctor looks for. */
export const RULE_NAMES = ['hubfix-findings-imported', 'hubfix-custom-action'] as const;
