import { readFileSync } from 'node:fs';
import { startEmulator } from '../src/emulator';
import { type PassResult, startScenario } from '../src/emulator/pipeline';
import { REGIONS } from '../src/emulator/scenario';
import type { BenchResult } from './types';

/**
 * The scale run: about 1,000 findings over 20 member accounts × 2 Regions in the emulator (every
 * seeded control in every account and Region, padded with more customer KMS keys without rotation
 * to reach 1,000), one "Findings - Imported" event per finding through the orchestrator, every
 * automation run in the local engine behind the SSM stand-in (100 at once per account and Region),
 * every follow-up event fed back. Makespan: first event to the last automation finalized (target
 * < 120 s). Lost: a finding with no decision, or started without an outcome notified (must be 0).
 * Peak memory: this Node process (orchestrator + engine + stand-ins) and the emulator process.
 */

const MEMBERS = Array.from({ length: Number(process.env.HUBFIX_SCALE_ACCOUNTS ?? 20) }, (_, i) => String(410000000000 + i));
const TARGET_FINDINGS = Number(process.env.HUBFIX_SCALE_FINDINGS ?? 1000);
const MAKESPAN_TARGET_S = 120;

function peakKiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function tally(into: Map<string, number>, key: string): void {
  into.set(key, (into.get(key) ?? 0) + 1);
}

function breakdown(m: Map<string, number>, per: number): string {
  return [...m]
    .sort()
    .map(([k, v]) => `${k} ${round2(v / per)}`)
    .join(', ');
}

/**
 * Every AWS call of a started finding's life, from the orchestrator's counter and the engine's
 * records (which hold what SSM and the step runner do): who makes each, per started finding,
 * and the step runner's own calls per script step invocation.
 */
export function lifeCalls(pass: PassResult, started: number): BenchResult[] {
  const ssm = new Map<string, number>();
  const runner = new Map<string, number>();
  const steps = new Map<string, number>();
  const finalizer = new Map<string, number>();
  let invocations = 0;
  let assumesPerExecution = 0;
  for (const a of pass.automations) {
    const calls = a.result?.record.Calls ?? [];
    let runnerAssumes = 0;
    for (const c of calls) {
      const op = `${c.service}:${c.operation}`;
      if (c.step === undefined || c.answeredBy === 'step-runner') {
        tally(ssm, op);
        if (c.answeredBy === 'step-runner') invocations++;
      } else if (c.madeBy === 'step-runner') {
        tally(runner, op);
        if (c.operation === 'AssumeRole') runnerAssumes++;
      } else if (c.step === 'Finalize') tally(finalizer, op);
      else tally(steps, op);
    }
    assumesPerExecution = Math.max(assumesPerExecution, runnerAssumes);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const orch = round2(sum(pass.orchestratorCalls) / started);
  // the finalizer runs once per automation (a run an account-level finding shares, a deferred event's later run)
  const runs = Math.max(1, pass.automations.length);
  const fin = round2(sum(finalizer) / runs);
  const perInvocation = round2(sum(runner) / Math.max(1, invocations));
  return [
    {
      name: `orchestrator calls per started finding, automatic, emulator, warm container [${breakdown(pass.orchestratorCalls, started)}]`,
      value: orch,
      unit: 'calls',
      target: '<= 1.1',
      ok: orch <= 1.1,
    },
    {
      name: `finalizer calls per run [${breakdown(finalizer, runs)}; ${pass.automations.length} runs]`,
      value: fin,
      unit: 'calls',
      target: '<= 3',
      ok: fin <= 3,
    },
    {
      name: `step runner's own calls per script step invocation [${breakdown(runner, invocations)}; ${invocations} invocations]`,
      value: perInvocation,
      unit: 'calls',
      target: '(reported; AssumeRole <= 1 per execution)',
      ok: true,
    },
    {
      name: 'step runner role assumptions in one execution, at most',
      value: assumesPerExecution,
      unit: 'AssumeRole',
      target: '<= 1',
      ok: assumesPerExecution <= 1,
    },
    {
      name: `SSM's calls per started finding (automation role, Lambda invocations) [${breakdown(ssm, started)}]`,
      value: round2(sum(ssm) / started),
      unit: 'calls',
      target: '(reported)',
      ok: true,
    },
    {
      name: `runbook steps' calls per started finding (plan, remediate, verify) [${breakdown(steps, started)}]`,
      value: round2(sum(steps) / started),
      unit: 'calls',
      target: '(reported)',
      ok: true,
    },
  ];
}

export async function benchScale(): Promise<BenchResult[]> {
  const emulator = await startEmulator({});
  try {
    const progress = (l: string) => process.stderr.write(`  scale: ${l}\n`);
    // how many findings one member and Region gets without padding decides the padding
    const probe = await startScenario({ endpoint: emulator.endpoint, members: MEMBERS.slice(0, 1) });
    const perPair = probe.world.findings.length / REGIONS.length;
    await probe.close();
    await emulator.reset();
    const pairs = MEMBERS.length * REGIONS.length;
    const pad = Math.max(0, Math.ceil((TARGET_FINDINGS - perPair * pairs) / pairs));
    const t0 = Date.now();
    const s = await startScenario({
      endpoint: emulator.endpoint,
      members: MEMBERS,
      extra: { document: 'Hubfix-KMS-KeyRotation', perRegion: pad },
      progress,
    });
    const seedS = (Date.now() - t0) / 1000;
    try {
      const pass = await s.runPass({ progress: (l) => (/^orchestrator: \d+\/\d+ events$/.test(l) ? undefined : progress(l)) });
      const makespan = Math.round(pass.wallMs / 100) / 10;
      const imported = s.world.findings.length;
      const decided = new Set(pass.reports.map((r) => r.findingId));
      const noDecision = s.world.findings.filter((f) => !decided.has(f.finding.Id)).length;
      const startedNoOutcome = pass.reports.filter((r) => r.decision === 'start' && !r.status).length;
      const lost = noDecision + startedNoOutcome;
      const verified = pass.reports.filter((r) => r.verified).length;
      const started = pass.reports.filter((r) => r.decision === 'start').length;
      const nodeMiB = Math.round(process.resourceUsage().maxRSS / 1024);
      const motoMiB = Math.round(peakKiB(emulator.pid) / 1024);
      const label = `${imported} findings, ${MEMBERS.length} accounts × ${REGIONS.length} Regions`;
      return [
        ...lifeCalls(pass, started),
        {
          name: `scale run makespan, first event to last automation finalized (${label}; seeding ${seedS.toFixed(1)} s not included)`,
          value: makespan,
          unit: 's',
          target: `< ${MAKESPAN_TARGET_S} s`,
          ok: makespan < MAKESPAN_TARGET_S,
        },
        {
          name: `scale run findings lost (no decision, or started with no outcome); ${started} started (${pass.automations.length} automations), ${verified} verified, ${pass.followUpStarts} started by the ${pass.followUpDelivered} of ${pass.followUpEvents} follow-up events the rule passed`,
          value: lost,
          unit: 'findings',
          target: '= 0',
          ok: lost === 0 && imported >= TARGET_FINDINGS,
        },
        {
          name: 'scale run peak memory, Node process (orchestrator, engine, stand-ins)',
          value: nodeMiB,
          unit: 'MiB',
          target: '< 1024 MiB',
          ok: nodeMiB < 1024,
        },
        { name: 'scale run peak memory, emulator process (moto)', value: motoMiB, unit: 'MiB', target: '< 2048 MiB', ok: motoMiB < 2048 },
        {
          name: 'scale run automations at once, most in one account and Region (SSM allows 100)',
          value: s.invoker.automations.peakConcurrent,
          unit: 'automations',
          target: '<= 100',
          ok: s.invoker.automations.peakConcurrent <= 100,
        },
      ];
    } finally {
      await s.close();
    }
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  let finished = false;
  process.on('beforeExit', () => {
    if (!finished) process.stderr.write('bench scale: the run stopped with work pending (a promise never settled)\n');
  });
  benchScale().then(
    (rs) => {
      finished = true;
      for (const x of rs) process.stdout.write(`${x.ok ? 'ok  ' : 'MISS'}  ${x.name}: ${x.value} ${x.unit}  (target ${x.target})\n`);
    },
    (err) => {
      process.stderr.write(`bench scale: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
