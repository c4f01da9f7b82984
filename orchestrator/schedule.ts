import { SWEEP_RULE_NAME } from '../src/cfn/sweep';
import { credentialsFor, jsonLog, type OrchestratorDeps } from '../src/findings/orchestrate';
import { type SweepAction, sweep } from '../src/findings/sweeper';

/**
 * The orchestrator's scheduled work: EventBridge's "Scheduled Event" from hubfix's sweep rule
 * (src/cfn/sweep.ts) runs the sweep of findings left at STARTED (src/findings/sweeper.ts).
 */

export interface ScheduledEvent {
  source: 'aws.events';
  'detail-type': 'Scheduled Event';
  account?: string;
  resources?: string[];
}

/** True for an EventBridge scheduled event (source `aws.events`, the one AWS reserves for itself). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  return e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

export interface SweepAnswer {
  listed: number;
  truncated: boolean;
  counts: Record<SweepAction, number>;
  /** Set when the event was not hubfix's own schedule: nothing was swept. */
  rejected?: string;
}

/**
 * One sweep for one scheduled event. Only hubfix's own rule (by name, in the administrator
 * account the orchestrator runs in) starts it. A listing that failed fails the invocation (Lambda
 * retries it; its errors show in the function's metrics); a finding that could not be written is
 * in the log at warning level, and the next sweep tries it again.
 */
export async function scheduledSweep(event: ScheduledEvent, deps: OrchestratorDeps, region: string): Promise<SweepAnswer> {
  const log = deps.log ?? jsonLog;
  const rule = (event.resources ?? []).find((r) => typeof r === 'string' && r.endsWith(`:rule/${SWEEP_RULE_NAME}`));
  const fromElsewhere = deps.adminAccount && event.account !== deps.adminAccount;
  if (!rule || fromElsewhere) {
    const rejected = !rule
      ? `a scheduled event that is not from the rule ${SWEEP_RULE_NAME}: nothing swept`
      : `a scheduled event from account ${event.account}, not the administrator account ${deps.adminAccount}: nothing swept`;
    log({ level: 'warn', msg: 'hubfix.event-rejected', detail: rejected });
    return { listed: 0, truncated: false, counts: { written: 0, 'would-write': 0, left: 0, failed: 0 }, rejected };
  }
  const result = await sweep({
    invoker: deps.invoker,
    catalog: deps.catalog,
    config: deps.config,
    credentials: deps.credentials ?? credentialsFor(deps),
    now: deps.now ?? Date.now,
    region,
    log,
  });
  if (result.listingError) throw new Error(`hubfix sweep: listing the findings at STARTED failed: ${result.listingError}`);
  return { listed: result.listed, truncated: result.truncated, counts: result.counts };
}
