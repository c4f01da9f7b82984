import { errorCode, errorMessage } from '../aws/invoker';
import { defineHandler, type ScriptContext } from '../model/handlers';
import type { FinalizeInput, FinalizeOutput } from './contract';
import { accountOfArn } from './finding-update';
import { noteTextOf, type Outcome, outcomeOf, parseExecution, unreadableOutcome } from './outcome';
import { type AwsCallFn, recordOutcome } from './record';

/**
 * The finalizer step: reads its own execution to learn what happened, then records it (note,
 * workflow and fields on the finding; RESOLVED only when verified) and notifies. It completes
 * whatever it meets: an unreadable finding, an unprocessed update or a missing topic is recorded
 * in its outputs, and the automation's own status (Failed when a step failed) stays as it is.
 */

function toBoolean(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** The control of the finding when its id names it (`…/security-control/IAM.15/finding/…`). */
export function controlOfFinding(findingId: string, controls: readonly string[]): string | null {
  const id = /:security-control\/([^/]+)\/finding\//.exec(findingId)?.[1];
  if (id && controls.includes(id)) return id;
  return controls.length === 1 ? controls[0] : null;
}

/** Each call goes to the Region its target lives in (the finding's, the topic's). */
function callIn(ctx: ScriptContext): AwsCallFn {
  return (service, operation, input, region) => ctx.aws(service, operation, input, { region });
}

export async function finalize(input: FinalizeInput, ctx: ScriptContext): Promise<FinalizeOutput> {
  const executionId = input.executionId || ctx.executionId;
  const dryRun = toBoolean(input.dryRun);
  let outcome: Outcome;
  try {
    const response = await ctx.aws('ssm', 'GetAutomationExecution', { AutomationExecutionId: executionId });
    outcome = outcomeOf(parseExecution(response), { dryRun, facts: input.facts });
  } catch (err) {
    outcome = unreadableOutcome(executionId, `${errorCode(err)}: ${errorMessage(err)}`);
  }
  const findingId = input.findingId?.trim() ?? '';
  const controls = input.controls ?? [];
  const result = await recordOutcome(
    { ...outcome, noteText: noteTextOf(outcome) },
    {
      call: callIn(ctx),
      now: ctx.now(),
      executionId,
      document: input.document,
      updatedBy: input.document,
      control: findingId ? controlOfFinding(findingId, controls) : controls.length === 1 ? controls[0] : null,
      controls,
      aliases: input.aliases ?? [],
      account: ctx.account || (findingId ? (accountOfArn(findingId) ?? '') : ''),
      region: ctx.region,
      partition: ctx.partition,
      resource: { type: input.resourceType ?? null, parameters: input.resource ?? {} },
      ...(findingId ? { finding: { id: findingId, productArn: input.productArn } } : {}),
      ...(input.topicArn?.trim() ? { topicArn: input.topicArn.trim() } : {}),
    },
  );
  return {
    Status: outcome.status,
    Verified: outcome.verified,
    Workflow: result.workflow,
    Summary: result.message.summary,
    FindingUpdate: result.findingUpdate,
    Notification: result.notification,
  };
}

export const finalizeHandler = defineHandler<FinalizeInput, FinalizeOutput>({
  id: 'hubfix.finalize',
  description: 'Record the outcome on the Security Hub finding (RESOLVED only when verified) and publish the notification.',
  permissions: [
    { action: 'ssm:GetAutomationExecution' },
    // reads the current note and fields first, so the audit trail and the attempt count survive;
    // resource `*`: whether GetFindings takes the hub ARN as a resource is not confirmed
    { action: 'securityhub:GetFindings' },
    { action: 'securityhub:BatchUpdateFindings' },
    { action: 'sns:Publish' },
  ],
  outputs: {
    Status: 'String',
    Verified: 'Boolean',
    Workflow: 'String',
    Summary: 'String',
    FindingUpdate: 'String',
    Notification: 'String',
  },
  run: finalize,
});
