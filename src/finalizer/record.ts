import { type AwsOutput, errorCode, errorMessage } from '../aws/invoker';
import { buildNotification, type Notification, notificationSubject } from '../notify/message';
import type { OutcomeStatus } from './contract';
import {
  describeUpdateResponse,
  type FindingState,
  findingUpdateRequest,
  getFindingRequest,
  outcomeFields,
  regionOfArn,
  stateFromGetFindings,
  type Workflow,
} from './finding-update';
import { composeTrail } from './note';
import { clip } from './text';

/**
 * Recording an outcome: the finding (read its note and fields, write the new ones) and the
 * notification. The only I/O of the finalizer and of the notify-only path, kept thin: every
 * request is built by the pure modules, and no failure here escapes: each is recorded as text
 * (`failed: …`) so the outcome of the run itself is never hidden by a failure to report it.
 */

/** One AWS call; `region` is where the target lives (the finding's or the topic's Region). */
export type AwsCallFn = (service: string, operation: string, input: Record<string, unknown>, region?: string) => Promise<AwsOutput>;

function failed(err: unknown): string {
  return clip(`failed: ${errorCode(err)}: ${errorMessage(err)}`, 300);
}

export interface FindingRead {
  state?: FindingState;
  /** `read`, `not found`, or `failed: …`. */
  result: string;
}

export async function readFinding(call: AwsCallFn, findingId: string, productArn: string, region?: string): Promise<FindingRead> {
  try {
    const out = await call('securityhub', 'GetFindings', getFindingRequest(findingId, productArn), region);
    const state = stateFromGetFindings(out, findingId);
    return state ? { state, result: 'read' } : { result: 'not found' };
  } catch (err) {
    return { result: failed(err) };
  }
}

export async function writeFinding(call: AwsCallFn, request: Record<string, unknown>, region?: string): Promise<string> {
  try {
    return describeUpdateResponse(await call('securityhub', 'BatchUpdateFindings', request, region));
  } catch (err) {
    return failed(err);
  }
}

export async function publish(call: AwsCallFn, topicArn: string, subject: string, message: Notification): Promise<string> {
  try {
    const out = await call(
      'sns',
      'Publish',
      {
        TopicArn: topicArn,
        Subject: subject,
        Message: JSON.stringify(message),
        // lets subscribers filter (e.g. only FAILED) with an SNS subscription filter policy
        MessageAttributes: { status: { DataType: 'String', StringValue: message.status } },
      },
      regionOfArn(topicArn),
    );
    return typeof out.MessageId === 'string' ? `published ${out.MessageId}` : 'published';
  } catch (err) {
    return failed(err);
  }
}

export interface OutcomeToRecord {
  status: OutcomeStatus;
  verified: boolean;
  summary: string;
  /** The note entry's text: what changed, would change, or why not. */
  noteText: string;
  changed: string;
  before: unknown;
  after: unknown;
  failure?: { step: string; message: string };
  reason?: string;
  guidance?: string;
}

export interface RecordContext {
  call: AwsCallFn;
  now: Date;
  executionId?: string;
  document: string | null;
  /** Note.UpdatedBy. */
  updatedBy: string;
  control: string | null;
  controls: readonly string[];
  aliases: readonly string[];
  account: string;
  region: string;
  partition: string;
  resource: { type: string | null; id?: string; parameters: Record<string, unknown> };
  /** Absent: an operator run without a finding (Security Hub is skipped). */
  finding?: {
    id: string;
    productArn: string;
    /** Where the finding lives (BatchUpdateFindings is called there); default: the Region in its Id. */
    region?: string;
    /** Known already (the orchestrator has the finding from the event): no read is made. */
    state?: FindingState;
  };
  topicArn?: string;
}

export interface RecordResult {
  workflow: Workflow | 'NONE';
  /** `updated`, `skipped: …`, `unprocessed: …`, `failed: …` (with the read's result when it failed). */
  findingUpdate: string;
  /** `published …`, `skipped: …`, `failed: …`. */
  notification: string;
  findingRequest?: Record<string, unknown>;
  message: Notification;
  subject: string;
}

/** RESOLVED only for a verified fix; every other outcome leaves the finding for a person. */
export function workflowFor(status: OutcomeStatus, verified: boolean): Workflow {
  return status === 'SUCCEEDED' && verified ? 'RESOLVED' : 'NOTIFIED';
}

export async function recordOutcome(o: OutcomeToRecord, c: RecordContext): Promise<RecordResult> {
  let workflow: Workflow | 'NONE' = 'NONE';
  let findingUpdate = 'skipped: no finding (operator run)';
  let findingRequest: Record<string, unknown> | undefined;

  if (c.finding?.id) {
    const region = c.finding.region ?? regionOfArn(c.finding.id);
    let state = c.finding.state;
    let readNote = '';
    if (!state) {
      const read = await readFinding(c.call, c.finding.id, c.finding.productArn, region);
      state = read.state;
      if (read.result !== 'read') readNote = `; read ${read.result}`;
    }
    workflow = workflowFor(o.status, o.verified);
    const noteText = composeTrail({ time: c.now, outcome: o.status, executionId: c.executionId, text: o.noteText }, state?.note);
    findingRequest = findingUpdateRequest({
      findingId: c.finding.id,
      productArn: c.finding.productArn,
      updatedBy: c.updatedBy,
      noteText,
      workflow,
      fields: outcomeFields(o.status, c.executionId, c.now),
      state,
    });
    findingUpdate = clip(`${await writeFinding(c.call, findingRequest, region)}${readNote}`, 600);
  }

  const message = buildNotification({
    status: o.status,
    time: c.now,
    document: c.document,
    control: c.control,
    controls: c.controls,
    aliases: c.aliases,
    account: c.account,
    region: c.region,
    partition: c.partition,
    resource: c.resource,
    executionId: c.executionId ?? null,
    finding: c.finding?.id && workflow !== 'NONE' ? { id: c.finding.id, productArn: c.finding.productArn, workflow } : null,
    summary: o.summary,
    changed: o.changed,
    before: o.before,
    after: o.after,
    verified: o.verified,
    failure: o.failure ?? null,
    reason: o.reason ?? null,
    guidance: o.guidance ?? null,
    findingUpdate,
  });
  const subject = notificationSubject(message);
  const notification = c.topicArn ? await publish(c.call, c.topicArn, subject, message) : 'skipped: no topic';
  return { workflow, findingUpdate, notification, ...(findingRequest ? { findingRequest } : {}), message, subject };
}
