import { errorCode, errorMessage } from '../aws/invoker';
import { builtCatalog } from '../compiler/built-catalog';
import { defineHandler, type ScriptContext } from '../model/handlers';
import type { FinalizeInput, FinalizeOutput } from './contract';
import { accountOfArn, type FindingState, regionOfArn } from './finding-update';
import { findingMismatch } from './match';
import { noteTextOf, type Outcome, outcomeOf, parseExecution, unreadableOutcome } from './outcome';
import { OcsfFindingsInvoker } from '../findings/ocsf';
import { type AwsCallFn, readFinding, recordOutcome } from './record';

/**
 * The finalizer step: reads its own execution to learn what happened (and which finding, topic
 * and resource the run was for: the execution's parameters, not the step's payload), then records
 * it (note, workflow and fields on the finding; RESOLVED only when verified) and notifies. It
 * writes only to the run's own finding (same account, a control the runbook serves, the run's
 * resource); any other gets nothing, and the output says why. A finding that cannot be read or
 * written fails the step (SSM tries it again; the automation ends Failed): never a blind write.
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

const ocsfAware = new WeakMap<ScriptContext, OcsfFindingsInvoker>();

/**
 * Each call goes to the Region its target lives in (the finding's, the topic's). A finding that
 * lives in Security Hub's OCSF format is read and written through the OCSF APIs (one adapter per
 * run, so the write goes where the read found the finding).
 */
function callIn(ctx: ScriptContext): AwsCallFn {
  let invoker = ocsfAware.get(ctx);
  if (!invoker) {
    invoker = new OcsfFindingsInvoker({ call: (c) => ctx.aws(c.service, c.operation, c.input, { region: c.region }) }, [], true);
    ocsfAware.set(ctx, invoker);
  }
  const via = invoker;
  return (service, operation, input, region) => via.call({ service, operation, input, region: region ?? ctx.region });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The execution's parameters, single values; empty when the record has none. */
function parametersOf(response: unknown): Record<string, string> | undefined {
  const x = isRecord(response) && isRecord(response.AutomationExecution) ? response.AutomationExecution : undefined;
  if (!x || !isRecord(x.Parameters)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.Parameters)) if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  return out;
}

/**
 * The run's facts: what the execution record says (its parameters, as SSM holds them) wins over
 * what the step's payload claims; the payload fills in only what the record lacks.
 */
function runFacts(input: FinalizeInput, params: Record<string, string> | undefined) {
  const p = params ?? {};
  const resource: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.resource ?? {})) resource[k] = p[k] ?? v;
  return {
    findingId: (params ? (p.FindingId ?? '') : (input.findingId ?? '')).trim(),
    productArn: params ? (p.FindingProductArn ?? '') : input.productArn,
    topicArn: (params ? (p.NotificationTopicArn ?? '') : (input.topicArn ?? '')).trim(),
    dryRun: toBoolean(params && 'DryRun' in p ? p.DryRun : input.dryRun),
    resource,
  };
}

export async function finalize(input: FinalizeInput, ctx: ScriptContext): Promise<FinalizeOutput> {
  const executionId = ctx.execution ? ctx.executionId : input.executionId || ctx.executionId;
  let outcome: Outcome | undefined;
  let response: unknown = ctx.execution?.record;
  if (!response) {
    try {
      response = await ctx.aws('ssm', 'GetAutomationExecution', { AutomationExecutionId: executionId });
    } catch (err) {
      outcome = unreadableOutcome(executionId, `${errorCode(err)}: ${errorMessage(err)}`);
    }
  }
  const run = runFacts(input, parametersOf(response));
  outcome ??= outcomeOf(parseExecution(response), { dryRun: run.dryRun, facts: input.facts });
  const findingId = run.findingId;
  const controls = input.controls ?? [];
  let findingSkipped: string | undefined;
  let finding: { id: string; productArn: string; state?: FindingState } | undefined;
  if (findingId) {
    const read = await readFinding(callIn(ctx), findingId, run.productArn, regionOfArn(findingId));
    if (read.result === 'not found') findingSkipped = 'the finding was not found';
    else if (read.result !== 'read') throw new Error(`the finding could not be read (${read.result}); nothing was written`);
    else {
      const single: Record<string, string> = {};
      for (const [k, v] of Object.entries(run.resource)) if (typeof v === 'string') single[k] = v;
      findingSkipped = findingMismatch(
        read.finding,
        { document: input.document, account: ctx.account, region: ctx.region, parameters: single },
        builtCatalog(),
      );
      if (findingSkipped) findingSkipped = `not this run's finding: ${findingSkipped}`;
    }
    finding = { id: findingId, productArn: run.productArn, ...(read.state ? { state: read.state } : {}) };
  }
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
      resource: { type: input.resourceType ?? null, parameters: run.resource },
      ...(finding ? { finding } : {}),
      ...(findingSkipped ? { findingSkipped } : {}),
      failOnFindingError: true,
      ...(run.topicArn ? { topicArn: run.topicArn } : {}),
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
    // an OCSF finding (the current Security Hub) is read with GetFindingsV2 and written with
    // BatchUpdateFindingsV2: IAM authorizes them as GetFindings and BatchUpdateFindings (API reference)
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
