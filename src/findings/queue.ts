import { PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import type { QueuedEvent, QueuedResult } from './orchestrate';

/**
 * The queue between Security Hub's event rules and the orchestrator (hubfix-admin.yaml): EventBridge
 * puts each event on an SQS queue, and Lambda's event source mapping hands the orchestrator up to
 * 100 of them at once (a batching window of a second). One invocation then writes the start
 * records of many findings in one BatchUpdateFindings and checks account-level runs once per
 * account. Messages whose findings failed for a reason that may pass are reported back as
 * `batchItemFailures` (ReportBatchItemFailures): SQS delivers them again after the visibility
 * timeout, and after the queue's maxReceiveCount they move to the dead-letter queue, where an
 * operator looks. Pure: parsing the Lambda event and building its response.
 */

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

interface SqsRecord {
  messageId?: unknown;
  body?: unknown;
  eventSource?: unknown;
  attributes?: { ApproximateReceiveCount?: unknown };
}

/** True for the event Lambda's SQS event source mapping sends. */
export function isQueueBatch(event: unknown): event is { Records: SqsRecord[] } {
  if (typeof event !== 'object' || event === null) return false;
  const records = (event as { Records?: unknown }).Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => typeof r === 'object' && r !== null && (r as SqsRecord).eventSource === 'aws:sqs')
  );
}

/**
 * The events of a batch. A record without a message id cannot be reported back: it is listed in
 * `unreadable` (the handler fails the whole batch, so the queue keeps it; Lambda never sends one).
 */
export function queuedEvents(batch: { Records: SqsRecord[] }): { events: QueuedEvent[]; unreadable: string[] } {
  const events: QueuedEvent[] = [];
  const unreadable: string[] = [];
  batch.Records.forEach((r, n) => {
    const id = typeof r.messageId === 'string' && r.messageId.length > 0 && r.messageId.length <= 128 ? r.messageId : undefined;
    if (!id) {
      unreadable.push(`Records[${n}] has no messageId`);
      return;
    }
    const count = Number(r.attributes?.ApproximateReceiveCount ?? '1');
    events.push({ id, body: typeof r.body === 'string' ? r.body : '', redelivered: Number.isFinite(count) && count > 1 });
  });
  return { events, unreadable };
}

/** The response that sends the messages to retry back to the queue. */
export function batchResponse(results: readonly QueuedResult[]): SqsBatchResponse {
  return { batchItemFailures: results.filter((r) => r.retry).map((r) => ({ itemIdentifier: r.id })) };
}

/** What Lambda's event source mapping does with the orchestrator's role: read and delete the events queue's messages. */
export const QUEUE_CONSUMER_PERMISSIONS: readonly PrincipalPermission[] = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
].map((action) => ({ action, resource: PLACEHOLDERS.eventsQueue }));
