import { errorCode, type Invoker } from '../aws/invoker';
import type { Catalog } from '../compiler/catalog';
import type { HubfixConfig } from './config';
import type { CredentialsCache } from './credentials';
import { decide } from './decide';
import { realSleep, type Sleep } from './retry';
import { act, type FindingOutcome } from './start';
import { hasEnded } from './sweep';
import type { Decision, StartTarget } from './types';

/**
 * The backlog: findings that existed before hubfix was installed (automatic runs see only new
 * ones), decided on the orchestrator's one path with the `backlog` trigger and started in batches
 * that respect SSM's limit on concurrent automations per account and Region (100): each account
 * and Region has its own queue; a run counts against the limit from its start until
 * GetAutomationExecution reports it ended; nothing is ever dropped (a start SSM refuses for the
 * limit goes back to the front of its queue).
 */

/** SSM: 100 automations may run at once per account and Region (Service Quotas "concurrently executing automations"). */
export const SSM_CONCURRENT_AUTOMATIONS = 100;

export interface BacklogProgress {
  total: number;
  /** Decided start, waiting in a queue. */
  queued: number;
  started: number;
  /** Started and not yet ended (as far as the last poll knows). */
  running: number;
  ended: number;
  startFailed: number;
  notified: number;
  skipped: number;
  /** The most automations hubfix had running at once in any one account and Region. */
  peakRunning: number;
}

export interface BacklogDeps {
  invoker: Invoker;
  catalog: Catalog;
  config: HubfixConfig;
  credentials: CredentialsCache;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  /** At most this many running per account and Region (default and maximum: SSM's 100). */
  maxConcurrent?: number;
  /** Between two polls of GetAutomationExecution while a queue waits for room (default 5 s). */
  pollMs?: number;
  progress?: (p: BacklogProgress) => void;
  /** Receives each finding's log line (as the orchestrator logs). */
  log?: (o: FindingOutcome) => void;
}

export interface BacklogResult {
  decisions: Decision[];
  outcomes: FindingOutcome[];
  progress: BacklogProgress;
}

interface Running {
  executionId: string;
  target: StartTarget;
  /** Polls in a row that could not read the run. */
  unreadable: number;
}

/** After this many failed reads in a row a run stops holding a place (and is counted as ended, unknown). */
const UNREADABLE_POLLS = 10;

function keyOf(t: StartTarget): string {
  return `${t.account}|${t.region}`;
}

/** Decides the backlog: the orchestrator's decision with the `backlog` trigger. Pure. */
export function decideBacklog(findings: readonly unknown[], ctx: { catalog: Catalog; config: HubfixConfig; now: number }): Decision[] {
  return decide(findings, { ...ctx, trigger: { kind: 'backlog' } });
}

export async function runBacklog(findings: readonly unknown[], deps: BacklogDeps): Promise<BacklogResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const limit = Math.max(1, Math.min(deps.maxConcurrent ?? SSM_CONCURRENT_AUTOMATIONS, SSM_CONCURRENT_AUTOMATIONS));
  const pollMs = deps.pollMs ?? 5000;
  const decisions = decideBacklog(findings, { catalog: deps.catalog, config: deps.config, now: now() });
  const outcomes: FindingOutcome[] = decisions.map((d) => ({ decision: d, outcome: 'skipped' }));
  const index = new Map(decisions.map((d, i) => [d, i]));
  const actDeps = {
    invoker: deps.invoker,
    catalog: deps.catalog,
    credentials: deps.credentials,
    now,
    sleep,
    random: deps.random,
    loopGuard: deps.config.loopGuard,
    notificationTopicArn: deps.config.notificationTopicArn || undefined,
  };

  const queues = new Map<string, Decision[]>();
  for (const d of decisions)
    if (d.decision === 'start' && d.target) {
      const q = queues.get(keyOf(d.target)) ?? [];
      q.push(d);
      queues.set(keyOf(d.target), q);
    }
  const running = new Map<string, Running[]>();
  const p: BacklogProgress = {
    total: decisions.length,
    queued: [...queues.values()].reduce((n, q) => n + q.length, 0),
    started: 0,
    running: 0,
    ended: 0,
    startFailed: 0,
    notified: 0,
    skipped: decisions.filter((d) => d.decision === 'skip').length,
    peakRunning: 0,
  };
  const report = () => {
    p.running = [...running.values()].reduce((n, r) => n + r.length, 0);
    deps.progress?.({ ...p });
  };
  for (const d of decisions) if (d.decision === 'skip') deps.log?.(outcomes[index.get(d) as number]);

  // notify-only decisions start nothing: recorded at once
  const notifies = decisions.filter((d) => d.decision === 'notify');
  if (notifies.length) {
    for (const o of await act(notifies, actDeps)) {
      outcomes[index.get(o.decision) as number] = o;
      p.notified++;
      deps.log?.(o);
    }
  }
  report();

  while ([...queues.values()].some((q) => q.length > 0)) {
    for (const [key, queue] of queues) {
      const inFlight = running.get(key) ?? [];
      const room = limit - inFlight.length;
      if (room <= 0 || queue.length === 0) continue;
      const batch = queue.splice(0, room);
      const results = await act(batch, actDeps);
      const requeue: Decision[] = [];
      for (const o of results) {
        const t = o.decision.target as StartTarget;
        if (o.outcome === 'started' && o.executionId) {
          inFlight.push({ executionId: o.executionId, target: t, unreadable: 0 });
          outcomes[index.get(o.decision) as number] = o;
          p.started++;
          deps.log?.(o);
        } else if (/AutomationExecutionLimitExceeded/.test(o.error ?? '')) {
          // SSM's own count was full (runs hubfix did not start): wait for room, never drop
          requeue.push(o.decision);
        } else {
          outcomes[index.get(o.decision) as number] = o;
          p.startFailed++;
          deps.log?.(o);
        }
      }
      queue.unshift(...requeue);
      running.set(key, inFlight);
      p.peakRunning = Math.max(p.peakRunning, inFlight.length);
      p.queued = [...queues.values()].reduce((n, q) => n + q.length, 0);
      report();
    }
    if (![...queues.values()].some((q) => q.length > 0)) break;
    // a queue still waits (its account and Region is full): poll the runs in flight until one makes room
    await sleep(pollMs);
    await poll(running, deps, p);
    report();
  }
  return { decisions, outcomes, progress: { ...p, running: [...running.values()].reduce((n, r) => n + r.length, 0) } };
}

/** One GetAutomationExecution per run in flight (as the member role); ended runs leave the count. */
async function poll(running: Map<string, Running[]>, deps: BacklogDeps, p: BacklogProgress): Promise<void> {
  for (const [key, list] of running) {
    const still: Running[] = [];
    for (const r of list) {
      let status: string;
      try {
        const credentials = await deps.credentials.get(r.target.memberRoleArn, r.target.region);
        const out = await deps.invoker.call({
          service: 'ssm',
          operation: 'GetAutomationExecution',
          input: { AutomationExecutionId: r.executionId },
          region: r.target.region,
          account: r.target.account,
          credentials,
        });
        status = String((out.AutomationExecution as { AutomationExecutionStatus?: unknown } | undefined)?.AutomationExecutionStatus ?? '');
        r.unreadable = 0;
      } catch (err) {
        // unknown for now: it keeps its place in the count (the cautious reading)
        status = `error ${errorCode(err)}`;
        r.unreadable++;
      }
      if (hasEnded(status) || r.unreadable >= UNREADABLE_POLLS) p.ended++;
      else still.push(r);
    }
    running.set(key, still);
  }
}
