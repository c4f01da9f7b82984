import type { AwsCall, AwsOutput, Invoker } from '../aws/invoker';
import { shippedCatalog } from '../compiler';
import type { Clock } from '../engine/clock';
import { buildDocuments, buildHandlers, buildResolver } from '../engine/documents';
import { type AutomationResult, type RunnableDocument, type RunOptions, runAutomation } from '../engine/engine';
import { EngineInputError } from '../engine/errors';
import type { ExecutionRecord } from '../engine/record';
import type { HubfixConfig } from '../findings/config';
import { CredentialsCache } from '../findings/credentials';
import { decide } from '../findings/decide';
import type { IntakeEvent } from '../findings/intake';
import { act, type FindingOutcome } from '../findings/start';
import type { Decision } from '../findings/types';
import { type FindingUpdateRecord, InMemorySecurityHub, QueuedAutomations } from './standins';

/**
 * The whole path on this machine. The orchestrator decides on the event's findings and carries
 * out its decisions (start, notify) exactly as in Lambda; each StartAutomationExecution runs the
 * compiled runbook in the local engine, finalizer included, after the orchestrator has finished
 * with the event (so its STARTED record comes first, as in AWS); every other AWS call goes to the
 * given invoker. SNS Publish calls are recorded and then sent on.
 */

export type { FindingUpdateRecord } from './standins';

export interface NotificationRecord {
  topicArn: string;
  region: string;
  subject: string;
  message: unknown;
}

export interface SimulationExecution {
  document: string;
  /** The id StartAutomationExecution returned to the orchestrator. */
  startedAs: string;
  status: string;
  record: ExecutionRecord;
}

export interface SimulationResult {
  decisions: Decision[];
  outcomes: FindingOutcome[];
  executions: SimulationExecution[];
  findingUpdates: FindingUpdateRecord[];
  notifications: NotificationRecord[];
}

/** The orchestrator started something the simulation cannot run: the input's fault, not a bug. */
export class SimulationError extends Error {
  constructor(
    readonly code: 'UNKNOWN_DOCUMENT' | 'ENGINE_INPUT',
    message: string,
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}

/** Every call goes through here: the stand-ins first, then the base invoker. */
class SimulationInvoker implements Invoker {
  readonly notifications: NotificationRecord[] = [];
  constructor(
    private readonly base: Invoker,
    private readonly hub: InMemorySecurityHub,
    private readonly ssm: QueuedAutomations,
  ) {}

  async call(call: AwsCall): Promise<AwsOutput> {
    const answered = this.hub.answer(call) ?? this.ssm.answer(call);
    if (answered) return answered;
    if (call.service === 'sns' && call.operation === 'Publish') {
      let message: unknown = call.input.Message;
      try {
        message = JSON.parse(String(call.input.Message));
      } catch {
        // not JSON: kept as the text it is
      }
      this.notifications.push({
        topicArn: String(call.input.TopicArn ?? ''),
        region: call.region,
        subject: String(call.input.Subject ?? ''),
        message,
      });
    }
    return this.base.call(call);
  }
}

export interface SimulationInput {
  event: IntakeEvent;
  config: HubfixConfig;
  /** Where the calls the stand-ins do not answer go (a mock table or an emulator endpoint). */
  invoker: Invoker;
  clock: Clock;
  documents?: RunnableDocument[];
}

export async function runSimulation(input: SimulationInput): Promise<SimulationResult> {
  const { event, config, clock } = input;
  const now = () => clock.now();
  const hub = new InMemorySecurityHub(event.findings, now);
  const ssm = new QueuedAutomations();
  const invoker = new SimulationInvoker(input.invoker, hub, ssm);
  const catalog = shippedCatalog();

  const decisions = decide(event.findings, { catalog, config, now: now(), trigger: event.trigger });
  const sleep = async () => {};
  const outcomes = await act(decisions, {
    invoker,
    catalog,
    credentials: new CredentialsCache({ invoker, now, sleep }),
    now,
    sleep,
    loopGuard: config.loopGuard,
    ...(config.notificationTopicArn ? { notificationTopicArn: config.notificationTopicArn } : {}),
  });

  const docs = input.documents ?? buildDocuments();
  const resolver = buildResolver(docs);
  const executions: SimulationExecution[] = [];
  for (const run of ssm.queued) {
    const name = String(run.request.DocumentName ?? '');
    const doc = resolver(name);
    if (!doc) throw new SimulationError('UNKNOWN_DOCUMENT', `the orchestrator started ${name}, which is not a document of the build`);
    const options: RunOptions = {
      invoker,
      clock,
      region: run.region,
      handlers: buildHandlers(docs),
      documents: resolver,
      undecided: 'fail',
      executionId: run.startedAs,
    };
    let result: AutomationResult;
    try {
      result = await runAutomation(doc, { ...run.parameters }, options);
    } catch (err) {
      if (err instanceof EngineInputError) throw new SimulationError('ENGINE_INPUT', `${name}: ${err.message}`);
      throw err;
    }
    executions.push({ document: name, startedAs: run.startedAs, status: result.status, record: result.record });
  }
  return { decisions, outcomes, executions, findingUpdates: hub.updates, notifications: invoker.notifications };
}
