import type { Command } from 'commander';
import { wantsJson } from './aws-options';
import * as path from 'node:path';
import { buildCatalog, type Catalog } from '../compiler/catalog';
import { type CompiledRunbook, compileRunbook, RunbookDefinitionError } from '../compiler/compile';
import { OutputDirError, writeArtifacts } from '../compiler/build';
import { bundleLambdas } from '../compiler/bundle';
import { buildTemplates, writeTemplates } from '../cfn';
import { RUNBOOKS } from '../../runbooks';
import { validateCompiled } from '../validator';
import { UsageError } from './errors';

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('build')
    .description(
      'Compile every runbook to an SSM Automation document, its IAM policy, the catalog, the Lambda bundles and the CloudFormation templates',
    )
    .option('--out <dir>', 'output directory', 'dist')
    .option('--json', 'print what was written as JSON (short for --output json)')
    .option('--output <format>', 'output format: text, json (default text)')
    .action(async (opts: { out: string; json?: boolean; output?: string }) =>
      setExit(await runBuild({ ...opts, json: wantsJson(opts, ['text', 'json']) })),
    );
}

export async function runBuild(opts: { out: string; json?: boolean }): Promise<number> {
  const started = Date.now();
  let compiled: CompiledRunbook[];
  try {
    compiled = RUNBOOKS.map(compileRunbook);
  } catch (err) {
    if (err instanceof RunbookDefinitionError) throw new UsageError(err.message, 1);
    throw err;
  }
  const problems = compiled.flatMap((c) => validateCompiled(c.name, c.document).map((p) => ({ file: `${c.name}.yaml`, ...p })));
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${p.file}: ${p.path}: ${p.message}\n`);
    process.stderr.write(`hubfix: build failed: ${problems.length} problem(s); nothing written\n`);
    return 1;
  }
  let catalog: Catalog;
  try {
    catalog = buildCatalog(compiled);
  } catch (err) {
    if (err instanceof RunbookDefinitionError) throw new UsageError(err.message, 1);
    throw err;
  }
  const outDir = path.resolve(opts.out);
  let files: string[];
  try {
    files = writeArtifacts(outDir, compiled, catalog);
  } catch (err) {
    if (err instanceof OutputDirError) throw new UsageError(err.message);
    throw err;
  }
  const lambdas = await bundleLambdas(outDir);
  const templates = writeTemplates(outDir, buildTemplates(compiled, lambdas));
  const summary = {
    outDir,
    runbooks: compiled.map((c) => c.name),
    controls: Object.keys(catalog.controls).length,
    files: [...files, ...lambdas.flatMap((l) => [l.file, ...(l.sdk ? [l.sdk] : []), l.zip]), ...templates],
    lambdas,
    milliseconds: Date.now() - started,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(`built ${compiled.length} runbook(s) serving ${summary.controls} control(s) into ${opts.out}/\n`);
    for (const f of summary.files) process.stdout.write(`  ${f}\n`);
  }
  return 0;
}
