import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchBuild } from './build';
import { benchDemo } from './demo';
import { benchEngine } from './engine';
import { benchBuildWithTemplates, benchDoctor } from './install';
import { benchOrchestrator } from './orchestrator';
import type { BenchResult } from './types';

/**
 * `npm run bench`: every benchmark, one table. Benchmarks measure; they are not tests (machines are
 * noisy), so a missed target is reported, not failed. Results also go to .bench/results.json.
 */
type Bench = { title: string; run: () => Promise<BenchResult[]> };

const BENCHES: Bench[] = [
  { title: 'compiler + validator (issue 2)', run: () => benchBuild() },
  { title: 'local engine (issue 3)', run: () => benchEngine() },
  { title: 'orchestrator (issue 4)', run: () => benchOrchestrator() },
  { title: 'demo against the emulator (issue 7)', run: () => benchDemo() },
  { title: 'install: build with templates (issue 12)', run: async () => benchBuildWithTemplates() },
  { title: 'install: doctor in the emulator (issue 12)', run: () => benchDoctor() },
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
  for (const r of all) process.stdout.write(`${r.ok ? 'ok  ' : 'MISS'}  ${r.name}: ${r.value} ${r.unit}  (target ${r.target})\n`);
  const dir = path.join(__dirname, '..', '.bench');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(all, null, 2)}\n`);
}

main();
