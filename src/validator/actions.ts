/**
 * What the validator knows about each action beyond its inputs (those live in the JSON Schema):
 * the outputs SSM defines for it, and whether its inputs are handed to an AWS API.
 * Sources: the AWS Systems Manager Automation actions reference, one page per action.
 */

/** Outputs an action produces without being declared under the step's `outputs`. */
export const BUILT_IN_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  'aws:approve': ['ApprovalStatus', 'ApproverDecisions'],
  'aws:executeAutomation': ['ExecutionId', 'Status', 'Output'],
  'aws:invokeLambdaFunction': ['StatusCode', 'FunctionError', 'LogResult', 'ExecutedVersion', 'Payload'],
  'aws:executeScript': ['Payload'],
  'aws:runCommand': ['CommandId', 'Status', 'ResponseCode', 'Output'],
  'aws:createStack': ['StackId', 'StackStatus', 'StackStatusReason'],
};

/** Values a loop exposes to the steps of its own body only. */
export const LOOP_OUTPUTS: readonly string[] = ['CurrentIteration', 'CurrentIteratorValue'];

/** Actions whose inputs SSM passes to an AWS API call (or a Lambda function / child automation). */
export const API_ACTIONS: ReadonlySet<string> = new Set([
  'aws:executeAwsApi',
  'aws:assertAwsResourceProperty',
  'aws:waitForAwsResourceProperty',
  'aws:invokeLambdaFunction',
  'aws:executeAutomation',
  'aws:runCommand',
  'aws:createTags',
  'aws:changeInstanceState',
  'aws:createStack',
  'aws:deleteStack',
]);

/** The documented `global:` system variables and `automation:` variables. */
export const SYSTEM_VARIABLES: ReadonlySet<string> = new Set([
  'global:ACCOUNT_ID',
  'global:REGION',
  'global:AWS_PARTITION',
  'global:DATE',
  'global:DATE_TIME',
  'automation:EXECUTION_ID',
]);
