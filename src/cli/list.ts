import type { Command } from 'commander';
import { wantsJson } from './aws-options';
import { compileAll } from '../compiler';
import { compareIds } from '../compiler/catalog';
import { controlAliases, type Standard } from '../model/runbook';

export interface ListRow {
  document: string;
  controls: string[];
  aliases: Partial<Record<Standard, string[]>>;
  class: string;
  defaultMode: string;
  /** A read-only runbook that gathers the offending facts for a person; it changes nothing. */
  guided: boolean;
  /** Never started by the orchestrator: run by hand from `optIn` (where AWS allows it). */
  optIn?: string;
}

export function listRows(): ListRow[] {
  return compileAll().map(({ runbook }) => {
    const aliases: Partial<Record<Standard, string[]>> = {};
    for (const c of runbook.controls)
      for (const [std, ids] of Object.entries(controlAliases(c)) as Array<[Standard, string[]]>)
        aliases[std] = [...(aliases[std] ?? []), ...ids];
    for (const std of Object.keys(aliases) as Standard[]) aliases[std] = [...new Set(aliases[std])].sort(compareIds);
    return {
      document: runbook.document,
      controls: runbook.controls.map((c) => c.id).sort(compareIds),
      aliases,
      class: runbook.class,
      defaultMode: runbook.defaultMode,
      guided: runbook.guided === true,
      ...(runbook.optIn ? { optIn: runbook.optIn.runFrom } : {}),
    };
  });
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('list')
    .description('List the runbooks and the controls they serve')
    .option('--json', 'print [{document, controls, aliases}] as JSON (short for --output json)')
    .option('--output <format>', 'output format: table, json (default table)')
    .action((opts: { json?: boolean; output?: string }) => {
      opts.json = wantsJson(opts, ['table', 'json']);
      const rows = listRows();
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else {
        const table = [['DOCUMENT', 'CLASS', 'MODE', 'CONTROLS', 'FSBP', 'CIS 1.2.0', 'CIS 1.4.0 / 3.0.0']];
        for (const r of rows)
          table.push([
            r.document,
            r.class,
            r.optIn ? 'opt-in' : r.guided ? `${r.defaultMode} (guided)` : r.defaultMode,
            r.controls.join(' '),
            (r.aliases.fsbp ?? []).join(' ') || '—',
            (r.aliases['cis-1.2.0'] ?? []).join(' ') || '—',
            `${(r.aliases['cis-1.4.0'] ?? []).join(' ') || '—'} / ${(r.aliases['cis-3.0.0'] ?? []).join(' ') || '—'}`,
          ]);
        const routed = rows.filter((r) => !r.optIn);
        const controls = routed.reduce((n, r) => n + r.controls.length, 0);
        const optIn = rows.length - routed.length;
        process.stdout.write(
          `${formatTable(table)}\n\n${routed.length} runbook(s), ${controls} control(s)${optIn ? `; ${optIn} opt-in runbook(s) run by hand` : ''}\n`,
        );
      }
      setExit(0);
    });
}
