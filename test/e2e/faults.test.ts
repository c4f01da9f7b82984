import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { failForPassingFaults } from '../../orchestrator/handler';
import { CredentialsCache, type EventResult, handleEvent } from '../../src/findings';
import { importedEvent } from '../../src/emulator/asff';
import { type FaultCounts, type FaultProxy, startFaultProxy } from '../../src/emulator/fault-proxy';
import { type Scenario, startScenario } from '../../src/emulator/pipeline';
import { ADMIN_ACCOUNT, MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
import { useEmulator } from './support';

/**
 * Every finding ends with an outcome, under faults: a proxy between hubfix and the emulator
 * (127.0.0.1 only, hung requests bounded) answers 20 % of the requests with throttling, 5 % with
 * HTTP 500 and holds some without an answer; the calls the in-process stand-ins answer (Security
 * Hub BatchUpdateFindings and GetFindings, SSM automation executions) meet the same rates. 100
 * findings across 2 member accounts × 2 Regions go through the orchestrator (one event each, with
 * Lambda's asynchronous retry: 3 invocations, then the on-failure destination), the automations
 * run, and afterwards every finding carries a final note.
 */

const RATES = { throttle: 0.2, serverError: 0.05, hang: 0.01 };
const FINDINGS = 100;
const FINAL = ['SUCCEEDED', 'FAILED', 'DRY_RUN', 'NOTIFY_ONLY', 'START_FAILED', 'NOT_VERIFIED'];

export interface FaultRun {
  findings: number;
  invocations: number;
  onFailure: number;
  notes: Record<string, number>;
  /** Findings without a final note, with what their runs did. */
  stuck: string[];
  /** Findings whose run was started more than once for the one trigger. */
  doubleRuns: string[];
  http: FaultCounts;
  standIn: FaultCounts;
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

async function memberFindings(s: Scenario): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const region of REGIONS) {
    let token: string | undefined;
    do {
      const r = await s.invoker.call({
        service: 'securityhub',
        operation: 'GetFindings',
        region,
        input: {
          Filters: { AwsAccountId: MEMBER_ACCOUNTS.map((a) => ({ Value: a, Comparison: 'EQUALS' })) },
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        },
      });
      out.push(...((r.Findings as Array<Record<string, unknown>>) ?? []));
      token = r.NextToken as string | undefined;
    } while (token);
  }
  return out;
}

/** The newest note entry's outcome: `<time> <OUTCOME> exec …`. */
export function noteOutcome(note: string | undefined): string {
  return note ? (/^\S+ (\S+) /.exec(note)?.[1] ?? 'UNREADABLE') : 'NO_NOTE';
}

export async function runUnderFaults(s: Scenario, proxy: FaultProxy): Promise<FaultRun> {
  const standIn: FaultCounts = { requests: 0, forwarded: 0, throttled: 0, serverErrors: 0, hung: 0 };
  const findings = await memberFindings(s);
  const now = new Date().toISOString();
  const events = findings.map((f) => importedEvent(f, ADMIN_ACCOUNT, now));
  // faults on from here: every call hubfix makes meets them
  proxy.enabled = true;
  s.invoker.routeThrough(proxy.endpoint, { requestTimeoutMs: 8_000 });
  s.invoker.faults = { rates: RATES, attempts: 3, counts: standIn };
  const deps = {
    invoker: s.invoker,
    catalog: s.catalog,
    config: s.config,
    credentials: new CredentialsCache({ invoker: s.invoker, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    log: () => {},
  };
  let invocations = 0;
  let onFailure = 0;
  // Lambda's asynchronous invocation: the event, then up to 2 retries, then the on-failure destination
  const invoke = async (event: unknown) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      invocations++;
      const r: EventResult = await handleEvent(event, deps);
      s.invoker.automations.kick();
      try {
        failForPassingFaults(r);
        return;
      } catch {
        // Lambda tries the event again
      }
    }
    onFailure++;
  };
  const queue = [...events];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) await invoke(e);
    }),
  );
  await s.invoker.automations.drain();
  // Security Hub's follow-up events (one per BatchUpdateFindings): each is handled too
  const echoes = [...s.invoker.securityHub.emitted];
  for (const e of echoes) await invoke(e);
  await s.invoker.automations.drain();

  proxy.enabled = false;
  s.invoker.faults = undefined;
  const after = await memberFindings(s);
  const notes: Record<string, number> = {};
  const stuck: string[] = [];
  for (const f of after) {
    const outcome = noteOutcome((f.Note as { Text?: string } | undefined)?.Text);
    notes[outcome] = (notes[outcome] ?? 0) + 1;
    if (!FINAL.includes(outcome)) {
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
  return { findings: after.length, invocations, onFailure, notes, stuck, doubleRuns, http: { ...proxy.counts }, standIn };
}

describe('fault injection: 20 % throttling, 5 % HTTP 500 and hung requests on every call hubfix makes', () => {
  const emulator = useEmulator();
  let s: Scenario;
  let proxy: FaultProxy;
  let run: FaultRun;

  before(async function () {
    this.timeout(20 * 60_000);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    await topUp(s, FINDINGS);
    proxy = await startFaultProxy({ target: emulator.current().endpoint, rates: RATES, hangMs: 10_000, maxHung: 4 });
    proxy.enabled = false;
    run = await runUnderFaults(s, proxy);
    const calls = run.http.requests + run.standIn.requests;
    process.stdout.write(
      `\n  fault injection: ${run.findings} findings, ${run.invocations} orchestrator invocations, ${run.onFailure} to the on-failure destination\n` +
        `  final notes: ${JSON.stringify(run.notes)}\n` +
        `  requests: ${calls} (${(calls / run.findings).toFixed(1)} per finding); injected: ${run.http.throttled + run.standIn.throttled} throttled, ` +
        `${run.http.serverErrors + run.standIn.serverErrors} HTTP 500, ${run.http.hung} hung; automations run twice for one trigger: ${run.doubleRuns.length}\n`,
    );
  });

  after(async () => {
    await proxy?.close();
    await s?.close();
  });

  it('processes at least 100 findings across 2 member accounts × 2 Regions, and the faults really happened', () => {
    expect(run.findings).to.be.at.least(FINDINGS);
    expect(run.http.throttled).to.be.greaterThan(0);
    expect(run.http.serverErrors + run.standIn.serverErrors).to.be.greaterThan(0);
    expect(run.standIn.throttled).to.be.greaterThan(0);
  });

  it('every finding carries a final note: none stuck at STARTED, none without a note', () => {
    expect(run.stuck).to.deep.equal([]);
  });

  it('no automation ran twice for one trigger', () => {
    expect(run.doubleRuns).to.deep.equal([]);
  });
});
