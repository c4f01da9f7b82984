import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CannedAnswer, Cold, ProbeInput, ProbeOutput } from './engine-compare-probe';
import { type ChainShape, benchDocument, chainOutputName } from './engine';
import { type BenchResult, formatResult } from './types';

/**
 * hubfix's local engine beside cdk-ssm-documents' simulator, in the same process, on the same SSM
 * Automation document: a chain of 50 aws:executeAwsApi steps (ec2 DescribeSecurityGroups), each
 * step's output selected from the response and fed to the next step's input. One document per
 * selector case — the plain path, a wildcard, a filter (both sides keep the first match into a
 * String), and a wildcard into a StringList, which the simulator cannot express. Both sides' AWS
 * requests are answered from one table (CannedAnswers: same lookup, same response object of 3
 * security groups, no copy) rather than each library's own mock, whose costs differ: hubfix's
 * MockInvoker copies every answer, cdk-ssm-documents' MockAwsInvoker hashes every request. The
 * document assumes no role and declares no document outputs, because the simulator does neither.
 * Left unequal, against hubfix: it checks every call against the document's IAM actions and keeps
 * a GetAutomationExecution-shaped record; the simulator copies each response once per output.
 *
 * Each sample is a fresh process (bench/engine-compare-probe.ts, from build/): module load, then
 * the first execution of a document neither side has seen (cold), and in the first process of each
 * case the steady state (warm), the two sides alternating. Reported: median of the samples, and the
 * speed ratio (above 1: hubfix faster). cdk-ssm-documents and its peers aws-cdk-lib and constructs
 * are a benchmark-only package (bench/compare, exact versions, own lockfile), installed by
 * `npm ci --prefix bench/compare` the first time this runs; the root `npm ci` never installs them.
 */

const ROOT = path.join(__dirname, '..');
export const COMPARE_DIR = path.join(__dirname, 'compare');
const PROBE = path.join(ROOT, 'build', 'bench', 'engine-compare-probe.js');
const STEPS = 50;
const SAMPLES = 5;
const WARM_MS = 2000;

const GROUP_IDS = ['sg-0123456789abcdef0', 'sg-0a1b2c3d4e5f60718', 'sg-0fedcba9876543210'];

/** The DescribeSecurityGroups response every step gets: three groups, the first the one asked for. */
export function securityGroupsAnswer(): Record<string, unknown> {
  const names = ['default', 'web', 'db'];
  return {
    SecurityGroups: GROUP_IDS.map((id, i) => ({
      GroupId: id,
      GroupName: names[i],
      Description: `${names[i]} security group`,
      OwnerId: '111122223333',
      VpcId: 'vpc-0123456789abcdef0',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }], Ipv6Ranges: [] }],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] }],
      Tags: [{ Key: 'team', Value: names[i] }],
    })),
  };
}

export interface SelectorCase {
  /** How the figure names the case. */
  label: string;
  shape: ChainShape;
  /** What the last step's output must be on every side that runs the case. */
  expected: string[];
  /** Why cdk-ssm-documents cannot run it (absent: it can, and is compared). */
  simulatorCannot?: string;
}

export const SELECTOR_CASES: SelectorCase[] = [
  { label: 'plain path $.SecurityGroups[0].GroupId', shape: { selector: '$.SecurityGroups[0].GroupId' }, expected: [GROUP_IDS[0]] },
  {
    label: 'wildcard $.SecurityGroups[*].GroupId, first match into a String',
    shape: { selector: '$.SecurityGroups[*].GroupId' },
    expected: [GROUP_IDS[0]],
  },
  {
    label: "filter $.SecurityGroups[?(@.GroupName=='default')].GroupId, first match into a String",
    shape: { selector: "$.SecurityGroups[?(@.GroupName=='default')].GroupId" },
    expected: [GROUP_IDS[0]],
  },
  {
    label: 'wildcard $.SecurityGroups[*].GroupId into a StringList fed to the next step',
    shape: { selector: '$.SecurityGroups[*].GroupId', type: 'StringList' },
    expected: GROUP_IDS,
    simulatorCannot: 'its selector keeps only the first match',
  },
];

/** What one process of the probe is given for a case (no role, no document outputs: the simulator has neither). */
export function probeInputFor(c: SelectorCase, steps = STEPS): Omit<ProbeInput, 'hubfixFirst' | 'warmMs'> {
  const shape: ChainShape = { ...c.shape, assumeRole: false, documentOutputs: false };
  const answer = securityGroupsAnswer();
  const answers: CannedAnswer[] = [[GROUP_IDS[0]], GROUP_IDS].map((ids) => ({
    service: 'ec2',
    operation: 'DescribeSecurityGroups',
    input: { GroupIds: ids },
    answer,
  }));
  return {
    compareDir: COMPARE_DIR,
    documentJson: JSON.stringify(benchDocument(steps, shape)),
    params: { GroupId: GROUP_IDS[0] },
    steps,
    lastStep: `Describe${steps - 1}`,
    lastOutput: chainOutputName(shape),
    expected: c.expected,
    answers,
    simulatorComparable: c.simulatorCannot === undefined,
  };
}

/** How many times faster hubfix is: its rate over the simulator's, or the simulator's time over its. */
export function speedRatio(hubfix: number, simulator: number, kind: 'rate' | 'time'): number {
  const r = kind === 'rate' ? hubfix / simulator : simulator / hubfix;
  return Math.round(r * 100) / 100;
}

/** The packages of bench/compare/package.json that are not installed at exactly their pinned version. */
export function missingComparePackages(dir = COMPARE_DIR): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.entries(manifest.dependencies)
    .filter(([name, version]) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version !== version;
      } catch {
        return true;
      }
    })
    .map(([name, version]) => `${name}@${version}`);
}

/** The first line of a failed command's output that says what went wrong. */
export function firstErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/complete log of this run|^npm (error|ERR!)\s*$/.test(l));
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'no output';
}

/** Installs bench/compare's packages when they are missing; a reason when that fails. */
function ensureComparePackages(): string | undefined {
  const missing = missingComparePackages();
  if (!missing.length) return undefined;
  process.stderr.write(
    `bench: installing the comparison's benchmark-only packages (${missing.join(', ')}; about 270 MB) with npm ci --prefix bench/compare, once …\n`,
  );
  const t0 = Date.now();
  const r = spawnSync('npm', ['ci', '--prefix', COMPARE_DIR, '--no-audit', '--no-fund'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  if (r.error) return `npm ci --prefix bench/compare could not run (${r.error.message})`;
  if (r.status !== 0)
    return `npm ci --prefix bench/compare failed (${firstErrorLine(`${r.stderr}\n${r.stdout}`)}); the comparison needs the npm registry the first time`;
  process.stderr.write(`bench: installed in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const still = missingComparePackages();
  return still.length ? `npm ci --prefix bench/compare left ${still.join(', ')} missing` : undefined;
}

/** The probe runs compiled (as the CLI runs the engine): compile the tree so it is not stale. */
function compileProbe(): string | undefined {
  process.stderr.write('bench: compiling (tsc) so the probe loads the current engine from build/ …\n');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !fs.existsSync(PROBE)) return `tsc -p tsconfig.json failed: ${firstErrorLine(`${r.stdout}\n${r.stderr}`)}`;
  return undefined;
}

function runProbe(input: ProbeInput): ProbeOutput {
  const r = spawnSync(process.execPath, [PROBE], { cwd: ROOT, input: JSON.stringify(input), encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0)
    throw new Error(`engine comparison probe failed: ${(r.stderr || String(r.error ?? r.signal)).trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as ProbeOutput;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const stepsPerSecond = (w: { executions: number; ms: number }, steps: number) => Math.round((w.executions * steps) / (w.ms / 1000));

/** The sample whose value is the median (the upper middle one of an even count), so that its parts add up. */
export function medianSample<T>(samples: readonly T[], value: (s: T) => number): T {
  if (!samples.length) throw new Error('median of no samples');
  return [...samples].sort((a, b) => value(a) - value(b))[Math.floor(samples.length / 2)];
}

/** A side's cold figure: the median sample's whole first execution, and its parts. */
function coldFigures(samples: Cold[]): { total: number; prepare: number; stack?: number; run: number; text: string } {
  const m = medianSample(samples, (s) => s.prepareMs + s.runMs);
  const [prepare, run] = [round(m.prepareMs), round(m.runMs)];
  const total = round(prepare + run);
  const stack = m.stackMs === undefined ? undefined : round(m.stackMs);
  const parts =
    stack === undefined ? `prepare ${prepare} + run ${run}` : `prepare ${prepare}, of which its first new Stack() ${stack}; run ${run}`;
  return { total, prepare, stack, run, text: `${total} ms (${parts})` };
}

function skippedAll(reason: string): BenchResult[] {
  return [{ name: 'engine vs cdk-ssm-documents simulator (every figure)', value: 0, unit: '', target: '', ok: false, skipped: reason }];
}

export async function benchEngineCompare(samples = SAMPLES, warmMs = WARM_MS): Promise<BenchResult[]> {
  const why = ensureComparePackages() ?? compileProbe();
  if (why) return skippedAll(why);
  const version = JSON.parse(
    fs.readFileSync(path.join(COMPARE_DIR, 'node_modules', '@cdklabs', 'cdk-ssm-documents', 'package.json'), 'utf8'),
  ).version;
  const who = `cdk-ssm-documents ${version}`;
  const doc = `${STEPS}-step executeAwsApi chain, same canned answers`;
  const results: BenchResult[] = [];
  const loads: Array<{ hubfix: number; simulator: number }> = [];
  for (const c of SELECTOR_CASES) {
    const base = probeInputFor(c);
    const runs: ProbeOutput[] = [];
    for (let i = 0; i < samples; i++) runs.push(runProbe({ ...base, hubfixFirst: i % 2 === 0, warmMs: i === 0 ? warmMs : 0 }));
    loads.push(...runs.map((r) => r.loadMs));
    const coldHubfix = coldFigures(runs.map((r) => r.cold.hubfix));
    const warm = runs[0].warm!;
    const warmHubfix = stepsPerSecond(warm.hubfix, STEPS);
    const cold = `${c.label}, cold (first execution of a new document, prepared = parsed and compiled or built as a construct; median sample of ${samples} processes)`;
    const steady = `${c.label}, warm (steady state, ${warmMs / 1000} s a side, interleaved)`;
    if (c.simulatorCannot) {
      const failure = runs[0].simulatorFailure ?? 'no failure recorded';
      const cannot = `${who} cannot express this (${c.simulatorCannot}; its run fails: ${failure})`;
      results.push(
        {
          name: `engine alone, ${cold}: prepare ${coldHubfix.prepare} + run ${coldHubfix.run}; ${cannot}`,
          value: coldHubfix.total,
          unit: 'ms',
          target: '(reported; no comparison)',
          ok: true,
        },
        { name: `engine alone, ${steady}`, value: warmHubfix, unit: 'steps/s', target: '(reported; no comparison)', ok: true },
      );
      continue;
    }
    const coldSimulator = coldFigures(runs.map((r) => r.cold.simulator!));
    const warmSimulator = stepsPerSecond(warm.simulator!, STEPS);
    const coldRatio = speedRatio(coldHubfix.total, coldSimulator.total, 'time');
    const warmRatio = speedRatio(warmHubfix, warmSimulator, 'rate');
    results.push(
      {
        name: `engine vs ${who}, ${doc}, ${cold}: hubfix ${coldHubfix.text}, ${who} ${coldSimulator.text}`,
        value: coldRatio,
        unit: '× (simulator ms ÷ hubfix ms)',
        target: '>= 1 × (hubfix not slower)',
        ok: coldRatio >= 1,
        detail: {
          hubfixMs: coldHubfix.total,
          hubfixPrepareMs: coldHubfix.prepare,
          hubfixRunMs: coldHubfix.run,
          simulatorMs: coldSimulator.total,
          simulatorPrepareMs: coldSimulator.prepare,
          simulatorFirstStackMs: coldSimulator.stack ?? 0,
          simulatorRunMs: coldSimulator.run,
        },
      },
      {
        name: `engine vs ${who}, ${doc}, ${steady}: hubfix ${warmHubfix} steps/s, ${who} ${warmSimulator} steps/s`,
        value: warmRatio,
        unit: '× (hubfix steps/s ÷ simulator steps/s)',
        target: '>= 1 × (hubfix not slower)',
        ok: warmRatio >= 1,
        detail: { hubfixStepsPerSecond: warmHubfix, simulatorStepsPerSecond: warmSimulator },
      },
    );
  }
  const loadHubfix = round(medianSample(loads, (l) => l.hubfix).hubfix);
  const loadSimulator = round(medianSample(loads, (l) => l.simulator).simulator);
  const loadRatio = speedRatio(loadHubfix, loadSimulator, 'time');
  results.unshift({
    name: `engine vs ${who}, module load in a fresh process (hubfix engine from build/; ${who} + aws-cdk-lib Stack), median of ${loads.length}: hubfix ${loadHubfix} ms, ${who} ${loadSimulator} ms`,
    value: loadRatio,
    unit: '× (simulator ms ÷ hubfix ms)',
    target: '>= 1 × (hubfix not slower)',
    ok: loadRatio >= 1,
    detail: { hubfixMs: loadHubfix, simulatorMs: loadSimulator },
  });
  return results;
}

if (require.main === module) {
  benchEngineCompare().then(
    (results) => {
      for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
    },
    (err) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
