import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchBuild } from './build';
import { benchCalls } from './calls';
import { benchColdStart, benchStepRunnerColdStart } from './cold-start';
import { benchDecide } from './decide';
import { benchFaults } from './faults';
import { benchLatency } from './latency';
import { benchFreshClone } from './fresh-clone';
import { benchScale } from './scale';
import { benchDemo } from './demo';
import { benchEngine } from './engine';
import { benchBuildWithTemplates, benchDoctor } from './install';
import { benchOrchestrator } from './orchestrator';
import { benchEngineCompare } from './engine-compare';
import { type BenchResult, formatResult } from './types';

/**
 * `npm run bench`: every benchmark, one table. Benchmarks measure; they are not tests (machines are
 * noisy), so a missed target is reported, not failed. Results also go to .bench/results.json.
 * `npm run bench -- <words>` runs the benchmarks whose title contains one of the words (the fresh
 * clone and the scale run take minutes). The machine's load average is printed with the results.
 */
type Bench = { title: string; run: () => Promise<BenchResult[]> };

const BENCHES: Bench[] = [
  { title: 'compiler + validator (issue 2)', run: () => benchBuild() },
  { title: 'local engine (issue 3)', run: () => benchEngine() },
  { title: 'local engine vs cdk-ssm-documents simulator (issue 13)', run: () => benchEngineCompare() },
  { title: 'orchestrator (issue 4)', run: () => benchOrchestrator() },
  { title: 'demo against the emulator (issue 7)', run: () => benchDemo() },
  { title: 'install: build with templates (issue 12)', run: async () => benchBuildWithTemplates() },
  { title: 'install: doctor in the emulator (issue 12)', run: () => benchDoctor() },
  { title: 'calls per finding, orchestrator (issue 13)', run: () => benchCalls() },
  { title: 'latency: event to automation started (issue 13)', run: () => benchLatency() },
  { title: 'decide() on realistic findings (issue 13)', run: () => benchDecide() },
  { title: 'hubfix build and orchestrator cold start (issue 13)', run: () => benchColdStart() },
  { title: 'step runner cold start (issue 13)', run: () => benchStepRunnerColdStart() },
  { title: 'demo from a fresh clone (issue 13)', run: () => benchFreshClone() },
  { title: 'scale run: 1,000 findings, 20 accounts × 2 Regions (issue 13)', run: () => benchScale() },
  { title: 'AWS requests per finding under faults (issue 11)', run: () => benchFaults() },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const all: Array<BenchResult & { bench: string }> = [];
  for (const b of BENCHES) {
    if (only.length && !only.some((o) => b.title.includes(o))) continue;
    process.stderr.write(`bench: ${b.title} …\n`);
    try {
      for (const r of await b.run()) all.push({ bench: b.title, ...r });
    } catch (err) {
      process.stderr.write(`bench: ${b.title} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
  const [one, five] = os.loadavg();
  process.stdout.write(`load average ${one.toFixed(1)} (1 min), ${five.toFixed(1)} (5 min) on ${os.cpus().length} CPUs\n`);
  for (const r of all) process.stdout.write(`${formatResult(r)}\n`);
  const dir = path.join(__dirname, '..', '.bench');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(all, null, 2)}\n`);
}

main();
