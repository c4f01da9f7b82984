import type { AwsCredentials, Invoker } from '../aws/invoker';
import type { CatalogControl } from '../compiler/catalog';
import { ORCHESTRATOR_UPDATED_BY } from '../findings/fields';
import { commonParameters } from '../model/runbook';
import type { FindingState } from './finding-update';
import { type AwsCallFn, type RecordResult, recordOutcome } from './record';
import { clip } from './text';

/**
 * The notify-only path: a finding decided `notify` (mode notify-only, or a control that needs a
 * person) gets the guidance in its note, workflow NOTIFIED, `hubfix:status` NOTIFY_ONLY, and a
 * NOTIFY_ONLY notification, without any run. The orchestrator calls it with its own invoker.
 */

/**
 * The facts of a finding decided `notify`. The orchestrator's `StartTarget` (src/findings/types.ts)
 * has this shape, so `decision.target` can be passed as it is.
 */
export interface NotifyOnlyFinding {
  /** The finding's Id and ProductArn. */
  findingId: string;
  productArn: string;
  /** The account and Region of the resource (for the message). */
  account: string;
  region: string;
  /** The finding's home Region, where BatchUpdateFindings is called; default: the Region in its Id. */
  findingRegion?: string;
  partition?: string;
  /** The resource as the finding names it (Resources[].Type / Id). */
  resourceType?: string;
  resourceId?: string;
  /** Runbook parameters for the finding; the common ones (role, finding, DryRun, topic) are left out of the message. */
  parameters?: Record<string, unknown>;
  /**
   * The finding's current UserDefinedFields and Note.Text, from the event. When either is given
   * the finding is not read again; when both are absent it is read with GetFindings.
   */
  fields?: Record<string, string>;
  note?: string;
}

export interface NotifyOnlyConfig {
  /** SNS topic for the notification; absent or empty: no notification. */
  topicArn?: string;
  /** Why a person is asked (`mode notify-only`, `class C control`); goes into the note and message. */
  reason?: string;
  /**
   * What the outcome is, before the reason; default `needs a person`. A finding another run already
   * covers (an account-level control with a run in flight) needs no person and says so.
   */
  headline?: string;
  /** Note.UpdatedBy; default `hubfix`. */
  updatedBy?: string;
  /** Credentials for the calls (default: the invoker's own, i.e. the administrator account). */
  credentials?: AwsCredentials;
  now?: () => Date;
  /** How calls are made (the orchestrator passes one that retries throttling); default: the invoker. */
  call?: AwsCallFn;
}

export interface NotifyOnlyResult extends RecordResult {
  status: 'NOTIFY_ONLY';
}

function invokerCall(invoker: Invoker, fallbackRegion: string, credentials?: AwsCredentials): AwsCallFn {
  return (service, operation, input, region) =>
    invoker.call({ service, operation, input, region: region ?? fallbackRegion, ...(credentials ? { credentials } : {}) });
}

export async function notifyOnly(
  invoker: Invoker,
  finding: NotifyOnlyFinding,
  control: CatalogControl,
  config: NotifyOnlyConfig = {},
): Promise<NotifyOnlyResult> {
  const now = (config.now ?? (() => new Date()))();
  const reason = clip(config.reason, 200) || 'this control needs a person';
  const headline = config.headline?.trim() || 'needs a person';
  const guidance = clip(control.guidance, 2048) || `see the ${control.control} remediation guidance`;
  const known = finding.note !== undefined || finding.fields !== undefined;
  const state: FindingState | undefined = known
    ? { ...(finding.note !== undefined ? { note: finding.note } : {}), fields: { ...(finding.fields ?? {}) } }
    : undefined;
  const resourceParameters = Object.fromEntries(Object.entries(finding.parameters ?? {}).filter(([k]) => !(k in commonParameters)));
  const aliases = Object.entries(control.aliases ?? {}).flatMap(([std, ids]) => (ids ?? []).map((id) => `${std}:${id}`));
  const result = await recordOutcome(
    {
      status: 'NOTIFY_ONLY',
      verified: false,
      summary: `${control.control} ${headline} (${reason}): ${control.title}`,
      noteText: `${headline} (${reason}): ${guidance}`,
      changed: 'nothing (no run)',
      before: null,
      after: null,
      reason,
      guidance,
    },
    {
      call: config.call ?? invokerCall(invoker, finding.region, config.credentials),
      now,
      document: control.document,
      updatedBy: config.updatedBy || ORCHESTRATOR_UPDATED_BY,
      control: control.control,
      controls: [control.control],
      aliases: [...new Set(aliases)].sort(),
      account: finding.account,
      region: finding.region,
      partition: finding.partition ?? 'aws',
      resource: {
        type: finding.resourceType ?? control.resourceType ?? null,
        ...(finding.resourceId ? { id: finding.resourceId } : {}),
        parameters: resourceParameters,
      },
      finding: {
        id: finding.findingId,
        productArn: finding.productArn,
        ...(finding.findingRegion ? { region: finding.findingRegion } : {}),
        ...(state ? { state } : {}),
      },
      ...(config.topicArn?.trim() ? { topicArn: config.topicArn.trim() } : {}),
    },
  );
  return { ...result, status: 'NOTIFY_ONLY' };
}
