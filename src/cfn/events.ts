import { DRY_RUN_ACTION_ID, REMEDIATE_ACTION_ID } from '../finalizer/actions';
import { getAtt, ref } from './template';

/**
 * How Security Hub's events reach the orchestrator (administrator template): the two rules, their
 * patterns and their target, in this one place. Putting a queue with a batching window between
 * the rules and the orchestrator means changing `target` below (and the permission that goes with it).
 */

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

/** The rules and what lets them invoke the orchestrator. */
export function eventWiring(functionLogicalId: string): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  const target = { Id: 'orchestrator', Arn: getAtt(functionLogicalId, 'Arn') };
  const rule = (name: string, description: string, pattern: unknown) => ({
    Type: 'AWS::Events::Rule',
    Properties: { Name: name, Description: description, State: 'ENABLED', EventPattern: pattern, Targets: [target] },
  });
  const permission = (ruleId: string) => ({
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: ref(functionLogicalId),
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceAccount: ref('AWS::AccountId'),
      SourceArn: getAtt(ruleId, 'Arn'),
    },
  });
  return {
    FindingsImportedRule: rule('hubfix-findings-imported', 'hubfix: new failed findings to the orchestrator', IMPORTED_PATTERN),
    CustomActionRule: rule('hubfix-custom-action', 'hubfix: Remediate / Remediate (dry run) to the orchestrator', CUSTOM_ACTION_PATTERN),
    FindingsImportedPermission: permission('FindingsImportedRule'),
    CustomActionPermission: permission('CustomActionRule'),
  };
}

/** Rule names doctor looks for. */
export const RULE_NAMES = ['hubfix-findings-imported', 'hubfix-custom-action'] as const;
