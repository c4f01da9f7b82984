import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STUB_EVENT, STUB_FUNCTION_ARN, type StubAws, finalizeScenario, startStubAws, stubEnvironment } from '../test/steprunner/stub-aws';
import type { BenchResult } from './types';
import { median as medianOf } from './stats';

/**
 * `hubfix build` as a whole process (node start, module loading, compiling, validating, writing
 * files, bundling and zipping the Lambdas, templates), then the orchestrator's cold start measured
 * on what it built: a fresh `node` per sample loads dist/lambda/orchestrator/index.js and handles
 * one event that needs no AWS call (the first invocation sets up configuration, catalog and
 * clients). Reported: the bundle load, the first event, and their sum (target < 50 ms), median of
 * the samples; process CPU time beside the wall time, since this machine is shared.
 */

const ROOT = path.join(__dirname, '..');
const EVENT = path.join(ROOT, 'test', 'fixtures', 'events', 'imported-own-update-echo.json');

const PROBE = `
const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
const m = require(process.argv[1]);
const t1 = process.hrtime.bigint(); const c1 = process.cpuUsage(c0);
const event = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
m.handler(event).then(() => {
  const t2 = process.hrtime.bigint(); const c2 = process.cpuUsage(c0);
  write(JSON.stringify({ load: Number(t1 - t0) / 1e6, first: Number(t2 - t1) / 1e6, cpuLoad: (c1.user + c1.system) / 1000, cpu: (c2.user + c2.system) / 1000 }));
});`;

/** The median to a tenth of a millisecond. */
const median = (xs: number[]) => Math.round(medianOf(xs) * 10) / 10;

export async function benchColdStart(samples = 7): Promise<BenchResult[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bench-build-'));
  try {
    const t0 = Date.now();
    const b = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hubfix.js'), 'build', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    const buildMs = Date.now() - t0;
    if (b.status !== 0) throw new Error(`hubfix build failed: ${(b.stderr || b.stdout).trim().split('\n').pop()}`);
    const bundle = path.join(out, 'lambda', 'orchestrator', 'index.js');
    const kib = Math.round(fs.statSync(bundle).size / 102.4) / 10;
    const runs: Array<{ load: number; first: number; cpuLoad: number; cpu: number }> = [];
    for (let i = 0; i < samples; i++) {
      const r = spawnSync(process.execPath, ['-e', PROBE, bundle, EVENT], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`the orchestrator bundle failed to start: ${r.stderr.trim().split('\n').pop()}`);
      runs.push(JSON.parse(r.stdout));
    }
    const load = median(runs.map((r) => r.load));
    const first = median(runs.map((r) => r.first));
    const init = median(runs.map((r) => r.load + r.first));
    const cpu = median(runs.map((r) => r.cpu));
    return [
      {
        name: 'hubfix build, whole process (node bin/hubfix.js build --out <tmp>)',
        value: buildMs,
        unit: 'ms',
        target: '< 10000 ms',
        ok: buildMs < 10_000,
      },
      {
        name: 'orchestrator bundle size (the SDK clients it may call only)',
        value: kib,
        unit: 'KiB',
        target: '< 1536 KiB',
        ok: kib < 1536,
      },
      {
        name: `orchestrator cold start: load the bundle fresh (median of ${samples} processes)`,
        value: load,
        unit: 'ms',
        target: '(part of init)',
        ok: true,
      },
      {
        name: 'orchestrator cold start: first event (configuration, catalog, clients; no AWS call)',
        value: first,
        unit: 'ms',
        target: '(part of init)',
        ok: true,
      },
      { name: 'orchestrator initialisation = load + first event, wall', value: init, unit: 'ms', target: '< 50 ms', ok: init < 50 },
      { name: 'orchestrator initialisation, CPU time of the process', value: cpu, unit: 'ms', target: '< 50 ms', ok: cpu < 50 },
    ];
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (process.argv[2] === 'step-runner' ? benchStepRunnerColdStart(7, process.argv[3]) : benchColdStart()).then((rs) => {
    for (const x of rs) process.stdout.write(`${x.ok ? 'ok  ' : 'MISS'}  ${x.name}: ${x.value} ${x.unit}  (target ${x.target})\n`);
  });
}

const RUNNER_PROBE = `
const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
const m = require(process.argv[1]);
const t1 = process.hrtime.bigint();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
m.handler(JSON.parse(process.argv[2]), { invokedFunctionArn: process.argv[3] }).then((result) => {
  const t2 = process.hrtime.bigint(); const c2 = process.cpuUsage(c0);
  const code = Object.keys(require.cache).reduce((n, f) => n + require('fs').statSync(f).size, 0);
  write(JSON.stringify({ load: Number(t1 - t0) / 1e6, first: Number(t2 - t1) / 1e6, cpu: (c2.user + c2.system) / 1000, code, result }));
});`;

type RunnerRun = { load: number; first: number; cpu: number; code: number; result: Record<string, unknown> };

/** `samples` fresh processes, each loading the bundle and handling `event`; each run must give `expected` requests. */
async function runnerColdRuns(index: string, stub: StubAws, event: unknown, expected: string[], samples: number): Promise<RunnerRun[]> {
  const runs: RunnerRun[] = [];
  for (let i = 0; i < samples; i++) {
    stub.requests.length = 0;
    const r = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['-e', RUNNER_PROBE, index, JSON.stringify(event), STUB_FUNCTION_ARN],
        { env: stubEnvironment(stub), encoding: 'utf8' },
        (err, stdout, stderr) =>
          err ? reject(new Error(`the step-runner bundle failed: ${stderr.trim().split('\n').pop()}`)) : resolve(stdout),
      ),
    );
    if (stub.requests.join() !== expected.join()) throw new Error(`unexpected requests ${stub.requests.join()} (result ${r})`);
    runs.push(JSON.parse(r));
  }
  return runs;
}

/**
 * The step runner's cold start on what `hubfix build` wrote: a fresh `node` per sample loads
 * dist/lambda/step-runner/index.js and handles the first script step of an automation, every AWS
 * endpoint a local stand-in speaking the real protocols (AWS_ENDPOINT_URL). Two cases: the Plan step
 * of Hubfix-IAM-PasswordPolicy (the execution check, the role assumption and the handler's one IAM
 * read: what starts every automation), and its Finalize step (a dry run goes from Plan straight to
 * it, so a new container may get it first: the finding read, checked against the catalog, written).
 * Reported beside the times: the bytes of code that step made the process read (index.js and the
 * files beside it that it required). `bundle` measures another build's bundle (e.g. main's, for a
 * before figure).
 */
export async function benchStepRunnerColdStart(samples = 7, bundle?: string): Promise<BenchResult[]> {
  const out = bundle ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'hubfix-bench-runner-'));
  const plan = await startStubAws();
  const finalize = finalizeScenario();
  const final = await startStubAws(finalize);
  try {
    if (out) {
      const b = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hubfix.js'), 'build', '--out', out], { cwd: ROOT, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`hubfix build failed: ${(b.stderr || b.stdout).trim().split('\n').pop()}`);
    }
    const dir = bundle ? path.dirname(bundle) : path.join(out as string, 'lambda', 'step-runner');
    const index = bundle ?? path.join(dir, 'index.js');
    const kib = (bytes: number) => Math.round(bytes / 102.4) / 10;
    const beside = fs.readdirSync(dir).filter((f) => path.join(dir, f) !== index);
    const runs = await runnerColdRuns(
      index,
      plan,
      STUB_EVENT,
      ['ssm:GetAutomationExecution', 'sts:AssumeRole', 'iam:GetAccountPasswordPolicy'],
      samples,
    );
    const finals = await runnerColdRuns(
      index,
      final,
      finalize.at.event,
      ['ssm:GetAutomationExecution', 'sts:AssumeRole', 'securityhub:GetFindings', 'securityhub:BatchUpdateFindings'],
      samples,
    );
    const init = median(runs.map((r) => r.load + r.first));
    const cpu = median(runs.map((r) => r.cpu));
    const finalInit = median(finals.map((r) => r.load + r.first));
    const finalCpu = median(finals.map((r) => r.cpu));
    return [
      { name: 'step-runner bundle size: index.js', value: kib(fs.statSync(index).size), unit: 'KiB', target: '(reported)', ok: true },
      {
        name: `step-runner bundle: files beside index.js, read when first needed (${beside.length} files: the SDK clients, their shared code, the finalizer's catalog and validators)`,
        value: kib(beside.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0)),
        unit: 'KiB',
        target: '(reported)',
        ok: true,
      },
      {
        name: 'step runner cold start: code read by the first script step (index.js and the files beside it that it required)',
        value: kib(runs[0].code),
        unit: 'KiB',
        target: '(reported)',
        ok: true,
      },
      {
        name: `step runner cold start: load the bundle fresh (median of ${samples} processes)`,
        value: median(runs.map((r) => r.load)),
        unit: 'ms',
        target: '(part of init)',
        ok: true,
      },
      {
        name: 'step runner cold start: first script step (Plan of IAM.PasswordPolicy: GetAutomationExecution, AssumeRole, 1 IAM read; AWS stubbed)',
        value: median(runs.map((r) => r.first)),
        unit: 'ms',
        target: '(part of init)',
        ok: true,
      },
      { name: 'step runner initialisation = load + first script step, wall', value: init, unit: 'ms', target: '< 50 ms', ok: init < 50 },
      { name: 'step runner initialisation, CPU time of the process', value: cpu, unit: 'ms', target: '< 50 ms', ok: cpu < 50 },
      {
        name: 'step runner initialisation when the first step is Finalize (GetAutomationExecution, AssumeRole, GetFindings, BatchUpdateFindings), wall',
        value: finalInit,
        unit: 'ms',
        target: '< 50 ms',
        ok: finalInit < 50,
      },
      {
        name: 'step runner initialisation when the first step is Finalize, CPU time of the process',
        value: finalCpu,
        unit: 'ms',
        target: '< 50 ms',
        ok: finalCpu < 50,
      },
    ];
  } finally {
    await plan.close();
    await final.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  }
}
