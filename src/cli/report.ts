import type { Command } from 'commander';
import type { Invoker } from '../aws/invoker';
import { shippedCatalog } from '../compiler';
import { buildReport, type Report } from '../report/model';
import { REPORT_FORMATS, type ReportFormat, render } from '../report/render';
import { UsageError } from './errors';
import {
  type AwsOptionValues,
  invokerFor,
  REGION_NAME,
  type OutputOptionValues,
  resolveAws,
  resolveOutput,
  withAwsOptions,
  withOutputOption,
} from './aws-options';
import { type FilterOptionValues, filtersFrom, withFilterOptions } from './filters';
import { readFindings } from './read-findings';

/**
 * `hubfix report`: what hubfix fixed, would fix, and left for a person, read from Security Hub
 * (GetFindings with the operator's filters, every page; call it in the aggregation Region to see
 * every linked Region). Exit 0 with the report on standard output.
 */

export type ReportOptions = AwsOptionValues & OutputOptionValues & FilterOptionValues & { readRegion?: string[] };

export async function runReport(
  opts: ReportOptions,
  deps: { invoker?: Invoker; env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<{ text: string; report: Report }> {
  const format = resolveOutput(opts, REPORT_FORMATS) as ReportFormat;
  const now = (deps.now ?? (() => new Date()))();
  const filters = filtersFrom(opts, now.getTime());
  const aws = resolveAws(opts, deps.env ?? process.env);
  const region = aws.region as string;
  const regions = [...new Set(opts.readRegion?.length ? opts.readRegion : [region])];
  for (const r of regions) if (!REGION_NAME.test(r)) throw new UsageError(`--read-region ${JSON.stringify(r)} is not a Region name`);
  const invoker = deps.invoker ?? invokerFor(aws);
  const findings: unknown[] = [];
  for (const r of regions) findings.push(...(await readFindings(invoker, r, filters)));
  const report = buildReport(findings, shippedCatalog(), { region: regions.join(', '), filters, now });
  return { text: render(report, format), report };
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('report')
    .description('What hubfix fixed, previewed and left for a person: a control × account matrix and a row per finding');
  withFilterOptions(withOutputOption(withAwsOptions(cmd, 'Region to read findings in (the aggregation Region sees all)'), REPORT_FORMATS))
    .option(
      '--read-region <region>',
      'read findings in this Region too (repeatable; for accounts without cross-Region aggregation)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (opts: ReportOptions) => {
      const { text } = await runReport(opts);
      process.stdout.write(text);
      setExit(0);
    });
}
