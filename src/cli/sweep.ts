import type { Command } from 'commander';
import type { Invoker } from '../aws/invoker';
import { shippedCatalog } from '../compiler';
import { credentialsFor } from '../findings/orchestrate';
import { SWEEP_MAX_FINDINGS } from '../findings/sweep';
import { type SweepResult, type SweptFinding, sweep } from '../findings/sweeper';
import { invokerFor, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { configOption } from './decide';
import { UsageError } from './errors';
import { formatTable } from './list';

/**
 * `hubfix sweep`: what the orchestrator's schedule does, from a terminal (administrator account
 * credentials, or an operator role the member role trusts): findings left at STARTED by a run that
 * ended without its finalizer get their outcome written and notified. `--dry-run` reports what it
 * would write and writes nothing. Exit 0 when every finding examined was written or left for a
 * reason; 1 when a read or write failed (or the listing did).
 */

export interface SweepOptions {
  region?: string;
  profile?: string;
  endpoint?: string;
  config?: string;
  dryRun?: boolean;
  max?: string;
  graceMinutes?: string;
  output?: string;
  json?: boolean;
}

const OUTPUTS = ['table', 'json'] as const;

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,7}$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`);
  return Number(text);
}

function table(r: SweepResult): string {
  const rows = [['ACTION', 'CONTROL', 'ACCOUNT', 'REGION', 'EXECUTION', 'DETAIL']];
  for (const f of r.findings)
    rows.push([f.action, f.control ?? '—', f.account ?? '—', f.region ?? '—', f.executionId ?? '—', `${f.detail} (${f.findingId})`]);
  const c = r.counts;
  const more = r.truncated ? '; more remain for the next sweep' : '';
  const summary = `${r.listed} finding(s) at STARTED past the grace period: ${c.written} written, ${c['would-write']} would be written, ${c.left} left, ${c.failed} failed${more}`;
  return r.findings.length ? `${formatTable(rows)}\n\n${summary}\n` : `${summary}\n`;
}

function row(f: SweptFinding): Record<string, unknown> {
  return { ...f };
}

export async function runSweep(
  opts: SweepOptions,
  invoker?: Invoker,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
  now: () => number = Date.now,
): Promise<number> {
  const format = resolveOutput(opts, OUTPUTS);
  const maxFindings = wholeNumber('--max', opts.max, 1, 10_000) ?? SWEEP_MAX_FINDINGS;
  const graceMinutes = wholeNumber('--grace-minutes', opts.graceMinutes, 15, 10_080);
  const resolved = resolveAws(
    { profile: opts.profile, endpoint: opts.endpoint, region: opts.region },
    invoker ? {} : process.env,
    !invoker,
  );
  const region = resolved.region ?? opts.region;
  if (!region) throw new UsageError('no Region: pass --region (where Security Hub aggregates the findings)');
  const config = configOption(opts.config);
  const aws = invoker ?? invokerFor(resolved);
  const base = { invoker: aws, now };
  const result = await sweep({
    ...base,
    catalog: shippedCatalog(),
    config,
    credentials: credentialsFor(base),
    region,
    maxFindings,
    ...(graceMinutes !== undefined ? { graceMinutes } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
  });
  if (format === 'json')
    write(
      `${JSON.stringify({ listed: result.listed, truncated: result.truncated, counts: result.counts, findings: result.findings.map(row) }, null, 2)}\n`,
    );
  else write(table(result));
  if (result.listingError) writeErr(`hubfix: ${result.listingError}\n`);
  for (const f of result.findings) if (f.action === 'failed') writeErr(`hubfix: ${f.findingId}: ${f.detail}\n`);
  return result.listingError || result.counts.failed > 0 ? 1 : 0;
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('sweep')
    .description(
      'Write the outcome on findings left at STARTED by a run that ended without its finalizer (what the orchestrator does every 30 minutes)',
    )
    .option('--config <file>', 'hubfix.config.yaml (memberRoleName, notificationTopicArn, inFlightMinutes; default: the defaults)')
    .option('--dry-run', 'report what would be written; write and publish nothing')
    .option('--max <n>', `stuck findings checked against their runs at most, the most recent starts first (default ${SWEEP_MAX_FINDINGS})`)
    .option('--grace-minutes <n>', "minutes a start is left alone (default: the configuration's inFlightMinutes; at least 15)");
  withOutputOption(
    withAwsOptions(cmd, 'where Security Hub aggregates the findings (default: AWS_REGION, else the profile)'),
    OUTPUTS,
  ).action(async (opts: SweepOptions) => setExit(await runSweep(opts)));
}
