import { hasErrorCode, type Invoker } from '../aws/invoker';
import { EVENTS_QUEUE_NAME, MAX_RECEIVES, QUEUE_BATCH_SIZE, QUEUE_BATCHING_WINDOW_SECONDS } from '../cfn/events';
import { batchResponse, queuedEvents, type SqsBatchResponse } from '../findings/queue';
import type { QueuedEvent, QueuedResult } from '../findings/orchestrate';

/**
 * The events queue of the admin stack, in the emulator: EventBridge's delivery (SendMessageBatch of
 * each event's JSON to a real SQS queue in moto) and Lambda's event source mapping (ReceiveMessage
 * up to 10 at a time until a batch of 100 or the queue runs dry, the batch handed over in the SQS
 * event shape the orchestrator's handler takes, the messages it did not report back deleted, the
 * others left to come back after the visibility timeout). What reaches the orchestrator is what
 * AWS would hand it; these calls are the mapping's and EventBridge's, not the orchestrator's.
 */

export interface EventsQueueOptions {
  invoker: Invoker;
  region: string;
  account: string;
  /** Batches handled at once (Lambda scales the mapping's concurrency; default 4). */
  concurrency?: number;
  /** Seconds a received message stays hidden (the template: 6 × the function's timeout; default 300). */
  visibilitySeconds?: number;
  /** Seconds before a message reported back comes again (the emulator shortens the wait; default 1). */
  retryAfterSeconds?: number;
}

export interface FeedResult {
  batches: number;
  /** Messages delivered more than once (a finding failed for a passing reason). */
  redelivered: number;
  /** Messages still failing after MAX_RECEIVES deliveries: what the dead-letter queue would hold. */
  deadLettered: string[];
}

/** A batch call's entries SQS refused (it answers 200 with a Failed list): a message would be stuck or come back. */
function refused(out: Record<string, unknown>, operation: string): void {
  const failed = (out.Failed as Array<Record<string, unknown>> | undefined) ?? [];
  if (failed.length > 0)
    throw new Error(`the emulator's events queue: ${operation} refused ${failed.length} entries: ${JSON.stringify(failed[0])}`);
}

/** Messages the emulator keeps on its queue at most (the rest wait in `backlog`): two batches; measured best of 120, 200 and 400. */
const QUEUE_AHEAD = 200;

export class EventsQueue {
  private url?: string;
  constructor(private readonly o: EventsQueueOptions) {}

  /** The queue's calls, one at a time (see `call`). */
  private lane: Promise<unknown> = Promise.resolve();

  /**
   * One call to moto's SQS, after the ones before it have answered. moto 5 changes a queue without
   * a lock: DeleteMessage rebuilds the message list from a copy (a message another call adds or
   * marks meanwhile can be lost or come back) and ReceiveMessage and DeleteMessage both change the
   * set of messages in flight. With receives overlapping other batches' deletes, one scale run in
   * four left a message invisible until its 300 s visibility timeout and another never drained.
   */
  private call(operation: string, input: Record<string, unknown>) {
    const out = this.lane.then(() =>
      this.o.invoker.call({ service: 'sqs', operation, input, region: this.o.region, account: this.o.account }),
    );
    this.lane = out.catch(() => {});
    return out;
  }

  /** The admin stack's queue when CloudFormation installed hubfix, else one made like it. */
  private async queueUrl(): Promise<string> {
    if (this.url) return this.url;
    try {
      this.url = String((await this.call('GetQueueUrl', { QueueName: EVENTS_QUEUE_NAME })).QueueUrl);
      await this.takeOverMapping();
    } catch (err) {
      if (!hasErrorCode(err, 'QueueDoesNotExist') && !hasErrorCode(err, 'AWS.SimpleQueueService.NonExistentQueue')) throw err;
      const out = await this.call('CreateQueue', {
        QueueName: EVENTS_QUEUE_NAME,
        Attributes: { VisibilityTimeout: String(this.o.visibilitySeconds ?? 300) },
      });
      this.url = String(out.QueueUrl);
    }
    return this.url;
  }

  /**
   * The stack's event source mapping, switched off while this class feeds the queue (moto would run
   * the function in Docker on each message it receives) and switched on again once the queue is
   * drained: this class is that mapping in the emulator, with the same batch size.
   */
  private readonly paused: string[] = [];

  private async setMappings(uuids: readonly string[], enabled: boolean): Promise<void> {
    for (const UUID of uuids)
      await this.o.invoker.call({
        service: 'lambda',
        operation: 'UpdateEventSourceMapping',
        input: { UUID, Enabled: enabled },
        region: this.o.region,
        account: this.o.account,
      });
  }

  private async takeOverMapping(): Promise<void> {
    const arn = `arn:aws:sqs:${this.o.region}:${this.o.account}:${EVENTS_QUEUE_NAME}`;
    const out = await this.o.invoker.call({
      service: 'lambda',
      operation: 'ListEventSourceMappings',
      input: { EventSourceArn: arn },
      region: this.o.region,
      account: this.o.account,
    });
    for (const m of (out.EventSourceMappings as Array<{ UUID?: string; State?: string }>) ?? [])
      if (m.UUID && m.State !== 'Disabled') this.paused.push(m.UUID);
    await this.setMappings(this.paused, false);
  }

  /** Events EventBridge has yet to put on the queue (see `send`). */
  private backlog: unknown[] = [];

  /**
   * EventBridge's side: each event on the queue. moto reads its whole queue on every ReceiveMessage
   * (about a second each with 2,000 messages waiting), so the emulator keeps at most
   * `QUEUE_AHEAD` on it and puts the rest on as the mapping takes them (`drain`).
   */
  async send(events: readonly unknown[]): Promise<void> {
    this.backlog.push(...events);
    await this.topUp(QUEUE_AHEAD);
  }

  private async topUp(room: number): Promise<void> {
    const events = this.backlog.splice(0, Math.max(0, room));
    if (events.length === 0) return;
    const QueueUrl = await this.queueUrl();
    // one call at a time in any case (see `call`)
    for (let i = 0; i < events.length; i += 10)
      refused(
        await this.call('SendMessageBatch', {
          QueueUrl,
          Entries: events.slice(i, i + 10).map((e, k) => ({ Id: `e${i + k}`, MessageBody: JSON.stringify(e) })),
        }),
        'SendMessageBatch',
      );
  }

  /**
   * One batch as the mapping gathers it, in the SQS event shape: from the first message, up to 100
   * messages or until the batching window (1 s) has passed, whichever comes first.
   */
  private async receiveBatch(): Promise<Array<Record<string, unknown>>> {
    const QueueUrl = await this.queueUrl();
    const records: Array<Record<string, unknown>> = [];
    let windowEnds = Number.POSITIVE_INFINITY;
    while (records.length < QUEUE_BATCH_SIZE && Date.now() < windowEnds) {
      const out = await this.call('ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: Math.min(10, QUEUE_BATCH_SIZE - records.length),
        AttributeNames: ['ApproximateReceiveCount'],
        WaitTimeSeconds: 0,
      });
      const messages = (out.Messages as Array<Record<string, unknown>> | undefined) ?? [];
      if (messages.length === 0) {
        if (records.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (records.length === 0) windowEnds = Date.now() + QUEUE_BATCHING_WINDOW_SECONDS * 1000;
      for (const m of messages)
        records.push({
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body: m.Body,
          attributes: m.Attributes ?? {},
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${this.o.region}:${this.o.account}:${EVENTS_QUEUE_NAME}`,
          awsRegion: this.o.region,
        });
    }
    return records;
  }

  private async messagesLeft(): Promise<number> {
    const out = await this.call('GetQueueAttributes', {
      QueueUrl: await this.queueUrl(),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    });
    const a = (out.Attributes as Record<string, string> | undefined) ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /**
   * The mapping's side, until the queue is empty: `handle` gets each batch (the orchestrator) and
   * answers which messages to retry; a message failing MAX_RECEIVES times is dead-lettered.
   */
  async drain(
    handle: (events: QueuedEvent[]) => Promise<QueuedResult[]>,
    options: {
      /**
       * Runs before messages reported back come again: in AWS they come back after the visibility
       * timeout (30 min), by when the runs their findings waited for are over; the emulator's
       * second is not, so the pipeline lets its automations finish here.
       */
      beforeRedelivery?: () => Promise<void>;
    } = {},
  ): Promise<FeedResult> {
    const result: FeedResult = { batches: 0, redelivered: 0, deadLettered: [] };
    for (;;) {
      // the mapping hands each batch over as soon as it is gathered and gathers the next meanwhile,
      // up to `concurrency` batches; the next round begins once they are all done
      const handling: Array<Promise<void>> = [];
      for (let k = 0; k < (this.o.concurrency ?? 4); k++) {
        const batch = await this.receiveBatch();
        if (batch.length === 0) break;
        handling.push(this.handleBatch(batch, handle, result));
      }
      if (handling.length === 0) {
        const left = await this.messagesLeft();
        if (left < QUEUE_AHEAD && this.backlog.length > 0) {
          await this.topUp(QUEUE_AHEAD - left);
          continue;
        }
        if (left === 0) {
          await this.setMappings(this.paused, true);
          this.paused.length = 0;
          this.url = undefined;
          return result;
        }
        // messages to retry come back after the visibility timeout
        await options.beforeRedelivery?.();
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (this.backlog.length > 0) await this.topUp(QUEUE_AHEAD - (await this.messagesLeft()));
      // every batch settles before any failure is passed on (none is left half-handled)
      const settled = await Promise.allSettled(handling);
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
    }
  }

  /** One batch to the orchestrator; what it reports back comes again later, the rest is deleted. */
  private async handleBatch(
    records: Array<Record<string, unknown>>,
    handle: (events: QueuedEvent[]) => Promise<QueuedResult[]>,
    result: FeedResult,
  ): Promise<void> {
    const QueueUrl = await this.queueUrl();
    result.batches++;
    const { events } = queuedEvents({ Records: records });
    result.redelivered += events.filter((e) => e.redelivered).length;
    const response: SqsBatchResponse = batchResponse(await handle(events));
    const retry = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done: Array<{ Id: string; ReceiptHandle: unknown }> = [];
    const again: Array<{ Id: string; ReceiptHandle: unknown; VisibilityTimeout: number }> = [];
    for (const [k, r] of records.entries()) {
      const id = String(r.messageId);
      const receives = Number((r.attributes as Record<string, string>).ApproximateReceiveCount ?? 1);
      if (!retry.has(id)) done.push({ Id: `d${k}`, ReceiptHandle: r.receiptHandle });
      else if (receives >= MAX_RECEIVES) {
        result.deadLettered.push(String(r.body).slice(0, 200));
        done.push({ Id: `d${k}`, ReceiptHandle: r.receiptHandle });
      } else again.push({ Id: `v${k}`, ReceiptHandle: r.receiptHandle, VisibilityTimeout: this.o.retryAfterSeconds ?? 1 });
    }
    for (let i = 0; i < again.length; i += 10)
      refused(
        await this.call('ChangeMessageVisibilityBatch', { QueueUrl, Entries: again.slice(i, i + 10) }),
        'ChangeMessageVisibilityBatch',
      );
    for (let i = 0; i < done.length; i += 10)
      refused(await this.call('DeleteMessageBatch', { QueueUrl, Entries: done.slice(i, i + 10) }), 'DeleteMessageBatch');
  }
}
