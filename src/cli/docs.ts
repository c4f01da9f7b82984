import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileAll, shippedCatalog } from '../compiler';
import { repoRoot } from '../compiler/bundle';
import { renderControlsDoc } from '../docs/controls';
import { UsageError } from './errors';

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('docs')
    .description('Generate docs/controls.md from the runbook catalog')
    .option('--check', 'exit 1 if docs/controls.md is not current, writing nothing')
    .option('--out <file>', 'where to write', path.join(repoRoot(), 'docs', 'controls.md'))
    .action((opts: { check?: boolean; out: string }) => {
      const optIn = compileAll()
        .filter((c) => c.runbook.optIn)
        .map((c) => ({
          document: c.name,
          title: c.runbook.title,
          controls: c.runbook.controls.map((x) => x.id),
          runFrom: c.runbook.optIn?.runFrom ?? '',
          changes: c.runbook.changes,
          permissions: [...new Set(c.policy.Statement.flatMap((s) => s.Action))].sort(),
        }));
      const text = renderControlsDoc(shippedCatalog(), optIn);
      if (fs.existsSync(opts.out) && fs.statSync(opts.out).isDirectory())
        throw new UsageError(`--out ${opts.out} is a directory; give the file to write`);
      const current = fs.existsSync(opts.out) ? fs.readFileSync(opts.out, 'utf8') : undefined;
      if (opts.check) {
        const ok = current === text;
        process.stdout.write(ok ? `${opts.out} is current\n` : `${opts.out} is out of date: run \`hubfix docs\`\n`);
        setExit(ok ? 0 : 1);
        return;
      }
      try {
        fs.mkdirSync(path.dirname(opts.out), { recursive: true });
        fs.writeFileSync(opts.out, text);
      } catch (err) {
        throw new UsageError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      process.stdout.write(`wrote ${opts.out}\n`);
      setExit(0);
    });
}
