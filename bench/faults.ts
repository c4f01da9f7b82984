import { startEmulator } from '../src/emulator';
import { FAULT_RATES, FINAL_OUTCOMES, type FaultRun, NO_FAULTS, requestsByService, runFaultScenario } from '../src/emulator/fault-scenario';
import type { BenchResult } from './types';

/**
 * AWS requests per finding under faults (issue 11), on the scenario the fault-injection suite runs
 * (src/emulator/fault-scenario.ts): 20 % throttling, 5 % HTTP 500 and occasional hung requests on
 * every call hubfix makes; at least 100 findings over 2 member accounts × 2 Regions, one
 * "Findings - Imported" event each (the case users live in), Lambda's asynchronous retry, the
 * automations and Security Hub's follow-up events. Requests count every try that reached the fault
 * proxy or an in-process stand-in (SDK retries, Lambda retries and step retries included). The same
 * scenario without faults is run first: its requests per finding are the baseline beside the figure.
 * Reported beside their targets: findings by final status, stuck at STARTED (0), without a note (0),
 * automations run twice for one trigger (0).
 */

/** Services by the name their requests are signed with; the few that differ from hubfix's name. */
const SERVICE_NAMES: Record<string, string> = { monitoring: 'cloudwatch (signed as monitoring)' };

const per = (n: number, findings: number) => Math.round((n / findings) * 10) / 10;

function total(run: FaultRun): number {
  return run.http.requests + run.standIn.requests;
}

export function faultFigures(run: FaultRun, baseline: FaultRun): BenchResult[] {
  const n = run.findings;
  const label = `${n} findings, 2 member accounts × 2 Regions, ${FAULT_RATES.throttle * 100} % throttled, ${FAULT_RATES.serverError * 100} % HTTP 500, ${run.http.hung} hung`;
  const perFinding = per(total(run), n);
  const clean = per(total(baseline), baseline.findings);
  const byService = Object.entries(requestsByService(run)).sort(([a], [b]) => (a < b ? -1 : 1));
  const cleanByService = requestsByService(baseline);
  const final = FINAL_OUTCOMES.reduce((sum, o) => sum + (run.notes[o] ?? 0), 0);
  const started = run.notes.STARTED ?? 0;
  const noNote = run.notes.NO_NOTE ?? 0;
  return [
    {
      name: `AWS requests per finding under faults, all services, every retry included (${label})`,
      value: perFinding,
      unit: 'requests',
      target: `(reported; ${clean} without faults)`,
      ok: true,
    },
    ...byService.map(([service, count]) => ({
      name: `AWS requests per finding under faults: ${SERVICE_NAMES[service] ?? service}`,
      value: per(count, n),
      unit: 'requests',
      target: `(reported; ${per(cleanByService[service] ?? 0, baseline.findings)} without faults)`,
      ok: true,
    })),
    ...Object.entries(run.notes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([status, count]) => ({
        name: `findings under faults whose final note is ${status}`,
        value: count,
        unit: `of ${n}`,
        target: FINAL_OUTCOMES.includes(status) ? '(reported)' : '= 0 (not a final outcome)',
        ok: FINAL_OUTCOMES.includes(status),
      })),
    { name: 'findings under faults with a final outcome', value: final, unit: `of ${n}`, target: `= ${n}`, ok: final === n },
    { name: 'findings under faults stuck at STARTED', value: started, unit: 'findings', target: '= 0', ok: started === 0 },
    { name: 'findings under faults without a note', value: noNote, unit: 'findings', target: '= 0', ok: noNote === 0 },
    {
      name: 'automations under faults run twice for one trigger',
      value: run.doubleRuns.length,
      unit: 'automations',
      target: '= 0',
      ok: run.doubleRuns.length === 0,
    },
    {
      name: `orchestrator invocations under faults (the events queue's batches; ${run.redelivered} events delivered again, ${run.onFailure} dead-lettered)`,
      value: run.invocations,
      unit: 'invocations',
      target: `(reported; ${baseline.invocations} without faults)`,
      ok: true,
    },
  ];
}

export async function benchFaults(): Promise<BenchResult[]> {
  const emulator = await startEmulator({ progress: (l) => process.stderr.write(`  faults: ${l}\n`) });
  try {
    process.stderr.write('  faults: the scenario without faults (baseline) …\n');
    const baseline = await runFaultScenario(emulator.endpoint, NO_FAULTS);
    await emulator.reset();
    process.stderr.write('  faults: the scenario under faults …\n');
    const run = await runFaultScenario(emulator.endpoint);
    return faultFigures(run, baseline);
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  benchFaults().then(
    (rs) => {
      for (const x of rs) process.stdout.write(`${x.ok ? 'ok  ' : 'MISS'}  ${x.name}: ${x.value} ${x.unit}  (target ${x.target})\n`);
    },
    (err) => {
      process.stderr.write(`bench faults: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
