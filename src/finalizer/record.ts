import { type AwsOutput, errorCode, errorMessage } from '../aws/invoker';
import { buildNotification, type Notification, notificationSubject } from '../notify/message';
import type { OutcomeStatus } from './contract';
import {
  describeUpdateResponse,
  type FindingState,
  findingUpdateRequest,
  getFindingRequest,
  outcomeFields,
  findingFromGetFindings,
  regionOfArn,
  stateOfFinding,
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
  /** The finding as GetFindings returned it. */
  finding?: unknown;
  /** `read`, `not found`, or `failed: …`. */
  result: string;
}

export async function readFinding(call: AwsCallFn, findingId: string, productArn: string, region?: string): Promise<FindingRead> {
  try {
    const out = await call('securityhub', 'GetFindings', getFindingRequest(findingId, productArn), region);
    const finding = findingFromGetFindings(out, findingId);
    return finding !== undefined ? { state: stateOfFinding(finding), finding, result: 'read' } : { result: 'not found' };
  } catch (err) {
    return { result: failed(err) };
  }
}

/** Unprocessed codes another try cannot fix. */
const FINAL_UNPROCESSED = /^unprocessed: (FindingNotFound|InvalidInput|FindingSizeExceeded|AccessDenied)/;
const UNPROCESSED_TRIES = 3;

/**
 * One BatchUpdateFindings; a finding Security Hub reports unprocessed for a passing reason
 * (ConcurrentUpdateError, …) is tried again. Throttling and 5xx are the SDK's retry's business.
 */
export async function writeFinding(
  call: AwsCallFn,
  request: Record<string, unknown>,
  region?: string,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<string> {
  let result = '';
  for (let n = 0; n < UNPROCESSED_TRIES; n++) {
    if (n > 0) await pause(100 * 2 ** n);
    try {
      result = describeUpdateResponse(await call('securityhub', 'BatchUpdateFindings', request, region));
    } catch (err) {
      return failed(err);
    }
    if (!result.startsWith('unprocessed') || FINAL_UNPROCESSED.test(result)) return result;
  }
  return result;
}

/** A record that could not be made: the step fails (and is retried) rather than write blind. */
export class RecordFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordFailedError';
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
  /** Set when the finding must not be written (not the run's): the reason, recorded instead. */
  findingSkipped?: string;
  /**
   * Throw a RecordFailedError, before notifying, when the finding could not be read or written:
   * the finalizer's step then fails and is tried again, and in the end the automation is Failed.
   */
  failOnFindingError?: boolean;
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

  if (c.finding?.id && c.findingSkipped) findingUpdate = clip(`skipped: ${c.findingSkipped}`, 600);
  else if (c.finding?.id) {
    const region = c.finding.region ?? regionOfArn(c.finding.id);
    let state = c.finding.state;
    let readNote = '';
    if (!state) {
      const read = await readFinding(c.call, c.finding.id, c.finding.productArn, region);
      // never a blind write: without the finding's fields, a write would wipe the attempt count,
      // the note trail and other teams' fields
      if (read.result !== 'read') {
        if (c.failOnFindingError) throw new RecordFailedError(`reading the finding ${read.result}`);
        readNote = `; read ${read.result}`;
      }
      state = read.state;
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
    if (state || !c.failOnFindingError) {
      findingUpdate = clip(`${await writeFinding(c.call, findingRequest, region)}${readNote}`, 600);
      if (c.failOnFindingError && /^(failed|unprocessed)/.test(findingUpdate) && !FINAL_UNPROCESSED.test(findingUpdate))
        throw new RecordFailedError(`writing the finding ${findingUpdate}`);
    }
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
