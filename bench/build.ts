import { RUNBOOKS } from '../runbooks';
import { buildCatalog } from '../src/compiler/catalog';
import { compileRunbook } from '../src/compiler/compile';
import type { Runbook } from '../src/model/runbook';
import { validateCompiled } from '../src/validator';
import type { BenchResult } from './types';
import { median } from './stats';

/** The shipped runbooks, padded with renamed copies to `count` (until the catalog is that large). */
export function catalogOf(count: number): Runbook[] {
  const out: Runbook[] = [...RUNBOOKS];
  for (let i = 0; out.length < count; i++) {
    const base = RUNBOOKS[i % RUNBOOKS.length];
    out.push({
      ...base,
      document: `${base.document}-Gen${i}`,
      controls: base.controls.map((c) => ({ ...c, id: `${c.id}.g${i}`, aliases: {} })),
    });
  }
  return out;
}

export async function benchBuild(count = 40, rounds = 5): Promise<BenchResult[]> {
  const runbooks = catalogOf(count);
  const times: number[] = [];
  let problems = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    const compiled = runbooks.map(compileRunbook);
    buildCatalog(compiled);
    for (const c of compiled) problems += validateCompiled(c.name, c.document).length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (problems) throw new Error(`bench: ${problems} validation problems in generated runbooks`);
  const warm = median(times);
  const cold = Math.max(...times);
  return [
    {
      name: `compile + catalog + YAML + validate ${count} runbooks, warm (median of ${rounds})`,
      value: Math.round(warm),
      unit: 'ms',
      target: '< 1000 ms',
      ok: warm < 1000,
    },
    {
      name: `the same, cold (first round: schema compile included)`,
      value: Math.round(cold),
      unit: 'ms',
      target: '< 1000 ms',
      ok: cold < 1000,
    },
  ];
}

if (require.main === module) {
  benchBuild().then((r) => console.table(r));
}
