import { randomUUID } from 'node:crypto';
import { CredentialsCache, handleEvents } from '../findings';
import { importedEvent } from './asff';
import { EventsQueue } from './events-queue';
import { emptyFaultCounts, type FaultCounts, type FaultProxy, type FaultRates, startFaultProxy } from './fault-proxy';
import { type Scenario, startScenario } from './pipeline';
import { ADMIN_ACCOUNT, REGIONS } from './scenario';

/**
 * Every finding ends with an outcome, under faults (issue 11), as one scenario for the
 * fault-injection suite (test/e2e/faults.test.ts) and the bench (bench/faults.ts): a proxy between
 * hubfix and the emulator (127.0.0.1 only, hung requests bounded) answers 20 % of the requests with
 * throttling, 5 % with HTTP 500 and holds some without an answer; the calls the in-process
 * stand-ins answer (Security Hub BatchUpdateFindings and GetFindings, SSM automation executions)
 * meet the same rates. At least 100 findings across 2 member accounts × 2 Regions go through the
 * orchestrator (one event each, through the events queue as the admin stack delivers them: batches
 * of up to 100, a message whose findings failed for a passing reason delivered again, after 5
 * deliveries dead-lettered), the automations run, and afterwards each finding's note is read. The
 * queue's own requests are Lambda's and EventBridge's, not hubfix's: they do not meet the faults.
 */

export const FAULT_RATES: FaultRates = { throttle: 0.2, serverError: 0.05, hang: 0.01 };
/** The same scenario on a good day: the baseline the bench compares the faulted run with. */
export const NO_FAULTS: FaultRates = { throttle: 0, serverError: 0, hang: 0 };
export const FAULT_FINDINGS = 100;
/** The outcomes a finding's newest note may end a run with. */
export const FINAL_OUTCOMES = ['SUCCEEDED', 'FAILED', 'DRY_RUN', 'NOTIFY_ONLY', 'START_FAILED', 'NOT_VERIFIED'];

export interface FaultRun {
  findings: number;
  /** Orchestrator invocations: the events queue's batches, redeliveries included. */
  invocations: number;
  /** Events delivered again because a finding of theirs failed for a passing reason. */
  redelivered: number;
  /** Events dead-lettered after 5 deliveries (the failure queue). */
  onFailure: number;
  /** Findings by the outcome of their newest note (`STARTED`, `NO_NOTE` when stuck). */
  notes: Record<string, number>;
  /** Findings without a final note, with what their runs did. */
  stuck: string[];
  /** Findings whose run was started more than once for the one trigger. */
  doubleRuns: string[];
  /** Requests that crossed HTTP (through the fault proxy), while the findings were processed. */
  http: FaultCounts;
  /** Requests the in-process stand-ins answered (each try of the SDK's retry counts), same window. */
  standIn: FaultCounts;
}

/** Every request hubfix made while the findings were processed, HTTP and in-process, by service. */
export function requestsByService(run: FaultRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of [run.http, run.standIn])
    for (const [service, n] of Object.entries(counts.byService)) out[service] = (out[service] ?? 0) + n;
  return out;
}

/** Top the seeded findings up to `count` with copies under new ids (Security Hub keeps several findings per resource). */
async function topUp(s: Scenario, count: number): Promise<void> {
  const extra = count - s.world.findings.length;
  const byPlace = new Map<string, Array<Record<string, unknown>>>();
  for (let i = 0; i < extra; i++) {
    const f = JSON.parse(JSON.stringify(s.world.findings[i % s.world.findings.length].finding)) as Record<string, unknown>;
    f.Id = String(f.Id).replace(/[0-9a-f-]{36}$/, randomUUID());
    const key = `${f.AwsAccountId} ${f.Region}`;
    byPlace.set(key, [...(byPlace.get(key) ?? []), f]);
  }
  for (const [key, list] of byPlace) {
    const [account, region] = key.split(' ');
    for (const into of [account, ADMIN_ACCOUNT]) {
      const credentials = into === ADMIN_ACCOUNT ? undefined : s.world.memberCredentials.get(into);
      await s.invoker.call({
        service: 'securityhub',
        operation: 'BatchImportFindings',
        region,
        input: { Findings: list },
        ...(credentials ? { credentials } : {}),
      });
    }
  }
}

/** The newest note entry's outcome: `<time> <OUTCOME> exec …`. */
export function noteOutcome(note: string | undefined): string {
  return note ? (/^\S+ (\S+) /.exec(note)?.[1] ?? 'UNREADABLE') : 'NO_NOTE';
}

/** Process every member finding of the scenario with the proxy's faults on, then read the notes. */
export async function runUnderFaults(s: Scenario, proxy: FaultProxy, rates: FaultRates = FAULT_RATES): Promise<FaultRun> {
  const standIn = emptyFaultCounts();
  const findings = await s.memberFindings();
  const now = new Date().toISOString();
  const events = findings.map((f) => importedEvent(f, ADMIN_ACCOUNT, now));
  // faults on from here: every call hubfix makes meets them
  const before = { ...proxy.counts, byService: { ...proxy.counts.byService } };
  proxy.enabled = true;
  s.invoker.routeThrough(proxy.endpoint, { requestTimeoutMs: 8_000 });
  s.invoker.faults = { rates, attempts: 3, counts: standIn };
  const deps = {
    invoker: s.invoker,
    catalog: s.catalog,
    config: s.config,
    credentials: new CredentialsCache({ invoker: s.invoker, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    log: () => {},
  };
  let invocations = 0;
  let onFailure = 0;
  let redelivered = 0;
  const queue = new EventsQueue({ invoker: s.invoker.sdk, region: REGIONS[0], account: ADMIN_ACCOUNT });
  const deliver = async (batch: readonly unknown[]) => {
    await queue.send(batch);
    const fed = await queue.drain(
      async (b) => {
        const results = await handleEvents(b, deps);
        s.invoker.automations.kick();
        return results;
      },
      { beforeRedelivery: () => s.invoker.automations.drain() },
    );
    invocations += fed.batches;
    redelivered += fed.redelivered;
    onFailure += fed.deadLettered.length;
  };
  const echoesBefore = s.invoker.securityHub.emitted.length;
  await deliver(events);
  await s.invoker.automations.drain();
  // Security Hub's follow-up events (one per BatchUpdateFindings): each is handled too
  await deliver(s.invoker.securityHub.emitted.slice(echoesBefore));
  await s.invoker.automations.drain();

  const http = since(before, proxy.counts);
  proxy.enabled = false;
  s.invoker.faults = undefined;
  const after = await s.memberFindings();
  const notes: Record<string, number> = {};
  const stuck: string[] = [];
  for (const f of after) {
    const outcome = noteOutcome((f.Note as { Text?: string } | undefined)?.Text);
    notes[outcome] = (notes[outcome] ?? 0) + 1;
    if (!FINAL_OUTCOMES.includes(outcome)) {
      const runsOf = s.invoker.automations.started.filter((a) => a.parameters.FindingId?.[0] === f.Id);
      stuck.push(
        `${f.Id} ${outcome}: runs ${JSON.stringify(runsOf.map((a) => [a.result?.status, a.error, a.result?.record.StepExecutions.length]))}`,
      );
    }
  }
  const runs = new Map<string, Set<string>>();
  for (const a of s.invoker.automations.started) {
    const key = `${a.parameters.FindingId?.[0]} ${a.clientToken}`;
    runs.set(key, new Set([...(runs.get(key) ?? []), a.id]));
  }
  const doubleRuns = [...runs].filter(([, ids]) => ids.size > 1).map(([k]) => k);
  return { findings: after.length, invocations, redelivered, onFailure, notes, stuck, doubleRuns, http, standIn };
}

/** What was counted between two snapshots of a proxy's counts. Pure. */
function since(before: FaultCounts, now: FaultCounts): FaultCounts {
  const byService: Record<string, number> = {};
  for (const [service, n] of Object.entries(now.byService)) {
    const d = n - (before.byService[service] ?? 0);
    if (d > 0) byService[service] = d;
  }
  return {
    requests: now.requests - before.requests,
    forwarded: now.forwarded - before.forwarded,
    throttled: now.throttled - before.throttled,
    serverErrors: now.serverErrors - before.serverErrors,
    hung: now.hung - before.hung,
    byService,
  };
}

/**
 * The whole scenario against a running emulator: seed the world (topped up to `FAULT_FINDINGS`),
 * put the fault proxy in front of the emulator, process every finding under faults (`rates`), tear down.
 */
export async function runFaultScenario(emulatorEndpoint: string, rates: FaultRates = FAULT_RATES): Promise<FaultRun> {
  const s = await startScenario({ endpoint: emulatorEndpoint });
  let proxy: FaultProxy | undefined;
  try {
    await topUp(s, FAULT_FINDINGS);
    proxy = await startFaultProxy({ target: emulatorEndpoint, rates, hangMs: 10_000, maxHung: 4 });
    proxy.enabled = false;
    return await runUnderFaults(s, proxy, rates);
  } finally {
    await proxy?.close();
    await s.close();
  }
}

/** The suite's summary lines (what the fault-injection suite prints). Pure. */
export function faultRunSummary(run: FaultRun): string {
  const calls = run.http.requests + run.standIn.requests;
  return (
    `  fault injection: ${run.findings} findings, ${run.invocations} orchestrator invocations (queue batches), ${run.redelivered} events delivered again, ${run.onFailure} dead-lettered\n` +
    `  final notes: ${JSON.stringify(run.notes)}\n` +
    `  requests: ${calls} (${(calls / run.findings).toFixed(1)} per finding); injected: ${run.http.throttled + run.standIn.throttled} throttled, ` +
    `${run.http.serverErrors + run.standIn.serverErrors} HTTP 500, ${run.http.hung} hung; automations run twice for one trigger: ${run.doubleRuns.length}\n`
  );
}
