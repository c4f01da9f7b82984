import { getAtt, ref } from './template';

/**
 * The sweep's schedule (administrator template): an EventBridge rule that sends its "Scheduled
 * Event" straight to the orchestrator, which then sweeps the findings left at STARTED by runs that
 * ended without their finalizer (src/findings/sweeper.ts), and the permission that lets only this
 * rule invoke it.
 */

export const SWEEP_RULE_NAME = 'hubfix-sweep';
/** Every half hour: a lost outcome is written within the grace period plus 30 minutes. */
export const SWEEP_SCHEDULE = 'rate(30 minutes)';

export function sweepSchedule(functionLogicalId: string): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  return {
    SweepRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: SWEEP_RULE_NAME,
        Description: 'hubfix: sweep findings left at STARTED by runs that ended without recording an outcome',
        State: 'ENABLED',
        ScheduleExpression: SWEEP_SCHEDULE,
        Targets: [{ Id: 'orchestrator-sweep', Arn: getAtt(functionLogicalId, 'Arn') }],
      },
    },
    SweepPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: ref(functionLogicalId),
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceAccount: ref('AWS::AccountId'),
        SourceArn: getAtt('SweepRule', 'Arn'),
      },
    },
  };
}
