import * as fs from 'node:fs';
import * as path from 'node:path';
import { SdkInvoker } from '../src/aws/sdk-invoker';
import { configParameter, type ConfigParameterCache } from '../src/findings/config-parameter';
import { configFromText, defaultConfig, type HubfixConfig, loadConfigFile } from '../src/findings/config';
import { orchestratorCatalog } from './catalog';
import { credentialsFor, type EventResult, handleEvent, handleEvents, jsonLog, type OrchestratorDeps } from '../src/findings/orchestrate';
import { batchResponse, isQueueBatch, queuedEvents, type SqsBatchResponse } from '../src/findings/queue';
import { isScheduledEvent, scheduledSweep, type SweepAnswer } from './schedule';

/**
 * The orchestrator Lambda. Security Hub's "Findings - Imported" and "Custom Action" events reach it
 * through an SQS queue (hubfix-admin.yaml: the rules' target; Lambda's event source mapping hands
 * over up to 100 events at once, see src/findings/queue.ts), or directly as one EventBridge event
 * (an operator's test invoke, a rule targeting the function). Thin: configuration and clients are set up once per
 * container; each event goes through handleEvent, which logs one JSON line per finding.
 *
 * Environment:
 *   HUBFIX_CONFIG_PARAMETER  the SSM parameter holding the configuration (what the admin template
 *                       sets: re-read at most once a minute, so an operator's change applies
 *                       without redeploying), or
 *   HUBFIX_CONFIG       the configuration itself (YAML or JSON), or
 *   HUBFIX_CONFIG_FILE  a path to hubfix.config.yaml (default: hubfix.config.yaml beside this file,
 *                       when present; otherwise the defaults, which are dry-run for every control)
 *   HUBFIX_ENDPOINT     an endpoint override for every AWS call (a local emulator)
 */

let deps: OrchestratorDeps | undefined;
let parameter: ConfigParameterCache | undefined;

function loadConfig(): HubfixConfig {
  if (process.env.HUBFIX_CONFIG) return configFromText(process.env.HUBFIX_CONFIG, 'HUBFIX_CONFIG');
  const file = process.env.HUBFIX_CONFIG_FILE ?? path.join(__dirname, 'hubfix.config.yaml');
  if (process.env.HUBFIX_CONFIG_FILE || fs.existsSync(file)) return loadConfigFile(file);
  return defaultConfig();
}

function setup(): OrchestratorDeps {
  if (!deps) {
    const invoker = new SdkInvoker(process.env.HUBFIX_ENDPOINT ? { endpoint: process.env.HUBFIX_ENDPOINT } : {});
    const base = { invoker, catalog: orchestratorCatalog(), config: loadConfig() };
    deps = { ...base, credentials: credentialsFor(base), log: jsonLog };
    if (process.env.HUBFIX_CONFIG_PARAMETER)
      parameter = configParameter(invoker, process.env.HUBFIX_CONFIG_PARAMETER, process.env.AWS_REGION ?? 'us-east-1');
  }
  return deps;
}

export async function handler(
  event: unknown,
  context?: { invokedFunctionArn?: string },
): Promise<(Pick<EventResult, 'eventId' | 'rejected' | 'counts'> & { sweep?: SweepAnswer }) | SqsBatchResponse> {
  let d: OrchestratorDeps;
  try {
    d = setup();
    const adminAccount = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/.exec(context?.invokedFunctionArn ?? '')?.[1];
    if (adminAccount) d = { ...d, adminAccount };
    if (parameter) d = { ...d, config: await parameter.get() };
  } catch (err) {
    jsonLog({ level: 'error', msg: 'hubfix.setup-failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  // hubfix's schedule: sweep the findings left at STARTED (orchestrator/schedule.ts)
  if (isScheduledEvent(event))
    return {
      counts: { start: 0, notify: 0, skip: 0, started: 0, startFailed: 0 },
      sweep: await scheduledSweep(event, d, process.env.AWS_REGION ?? 'us-east-1'),
    };
  if (isQueueBatch(event)) {
    const { events, unreadable } = queuedEvents(event);
    if (unreadable.length > 0) {
      // nothing to report such a record back by: the whole batch goes back to the queue
      jsonLog({ level: 'error', msg: 'hubfix.batch-unreadable', detail: unreadable.join('; ') });
      throw new Error(`hubfix: unreadable queue records: ${unreadable.join('; ')}`);
    }
    return batchResponse(await handleEvents(events, d));
  }
  const result = await handleEvent(event, d);
  failForPassingFaults(result);
  return { eventId: result.eventId, rejected: result.rejected, counts: result.counts };
}

/**
 * Findings whose start or record failed for a reason that may pass (throttling, 5xx, a timeout)
 * fail the invocation, so Lambda's asynchronous retry handles the event again (the same trigger
 * derives the same ClientToken: nothing starts twice) and, when every retry fails, the event goes
 * to the on-failure destination. Failures that will not pass are on the finding and in the log.
 */
export function failForPassingFaults(result: EventResult): void {
  const passing = result.outcomes.filter((o) => o.retryable).map((o) => o.decision.findingId);
  if (passing.length > 0)
    throw new Error(
      `hubfix: ${passing.length} finding(s) failed for reasons that may pass; retry the event: ${passing.slice(0, 10).join(', ')}`,
    );
}
