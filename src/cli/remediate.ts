import type { Command } from 'commander';
import type { Invoker } from '../aws/invoker';
import { errorCode, errorMessage } from '../aws/invoker';
import { invokerFor, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { shippedCatalog } from '../compiler';
import { REGION_RE } from '../findings/identity';
import { handleFindings } from '../findings/orchestrate';
import type { Trigger } from '../findings/types';
import { patterns } from '../model/parameters';
import { type BacklogOptions, remediateBacklog } from './backlog';
import { configOption } from './decide';
import { withFilterOptions } from './filters';
import { SSM_CONCURRENT_AUTOMATIONS } from '../findings/backlog';
import { UsageError } from './errors';

/**
 * `hubfix remediate --finding-id ID`: for operators who prefer a terminal. Reads the finding with
 * GetFindings and runs it through the orchestrator's own path, as the remediate custom action
 * (or the dry-run action with --dry-run) would. Exit 0 when a run started, 1 when not.
 * Results go to standard output, errors to standard error.
 */

export interface RemediateOptions {
  findingId: string;
  region?: string;
  profile?: string;
  config?: string;
  endpoint?: string;
  dryRun?: boolean;
  /** Start in the caller's own account with the caller's credentials (no administrator, no member role). */
  direct?: boolean;
  output?: string;
  json?: boolean;
}

const OUTPUTS = ['table', 'json'] as const;

const FINDING_ID = new RegExp(patterns.findingId);

export async function runRemediate(
  opts: RemediateOptions,
  invoker?: Invoker,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const format = resolveOutput(opts, OUTPUTS);
  if (!opts.findingId || !FINDING_ID.test(opts.findingId))
    throw new UsageError(`--finding-id ${JSON.stringify(opts.findingId)} is not a Security Hub finding ARN`);
  // the finding's own Region unless --region says where to read it (an aggregation Region)
  const resolved = resolveAws({ profile: opts.profile, endpoint: opts.endpoint, region: opts.region }, invoker ? {} : process.env, false);
  const region = opts.region ?? /^arn:[a-z-]+:securityhub:([a-z0-9-]+):/.exec(opts.findingId)?.[1];
  if (!region || !REGION_RE.test(region)) throw new UsageError(`--region ${JSON.stringify(region ?? '')} is not a Region`);
  const config = configOption(opts.config);
  const aws = invoker ?? invokerFor(resolved);
  if (opts.direct) {
    // the caller's own account only: its credentials can start nothing anywhere else
    const findingAccount = /^arn:[a-z-]+:securityhub:[a-z0-9-]+:(\d{12}):/.exec(opts.findingId)?.[1];
    let caller: string;
    try {
      caller = String((await aws.call({ service: 'sts', operation: 'GetCallerIdentity', input: {}, region })).Account ?? '');
    } catch (err) {
      writeErr(`hubfix: --direct: GetCallerIdentity failed: ${errorCode(err)}: ${errorMessage(err)}\n`);
      return 1;
    }
    if (caller !== findingAccount)
      throw new UsageError(
        `--direct starts in the caller's own account: these credentials are account ${caller}, the finding belongs to ${findingAccount} (use that account's profile, or drop --direct to go through the administrator)`,
      );
  }
  let findings: unknown[];
  try {
    const out = await aws.call({
      service: 'securityhub',
      operation: 'GetFindings',
      input: { Filters: { Id: [{ Value: opts.findingId, Comparison: 'EQUALS' }] }, MaxResults: 1 },
      region,
    });
    findings = Array.isArray(out.Findings) ? out.Findings : [];
  } catch (err) {
    writeErr(`hubfix: GetFindings in ${region} failed: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
  if (findings.length === 0) {
    writeErr(`hubfix: no finding ${opts.findingId} in ${region}\n`);
    return 1;
  }
  const action = opts.dryRun ? config.customActions.dryRun.id : config.customActions.remediate.id;
  const trigger: Trigger = { kind: 'custom-action', actionId: action };
  const lines: Record<string, unknown>[] = [];
  const result = await handleFindings(findings, trigger, {
    invoker: aws,
    catalog: shippedCatalog(),
    config,
    log: (l) => lines.push(l),
    ...(opts.direct ? { direct: true } : {}),
  });
  const o = result.outcomes[0];
  if (format === 'json') write(`${JSON.stringify(lines[0], null, 2)}\n`);
  else {
    const d = o.decision;
    write(`${d.decision} ${d.reason}: ${d.detail}\n`);
    if (o.executionId) write(`execution ${o.executionId} in ${d.account} ${d.region}\n`);
    if (o.findingUpdate) write(`finding: ${o.findingUpdate}\n`);
  }
  if (o.error) writeErr(`hubfix: could not start: ${o.error}\n`);
  return o.outcome === 'started' ? 0 : 1;
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('remediate')
    .description(
      'Start remediation through the orchestrator path: one finding (--finding-id), or the backlog (filters: --filters, --account, --control, …) in batches within SSM limits',
    )
    .option('--finding-id <id>', 'the Security Hub finding Id (ARN)');
  withFilterOptions(
    withOutputOption(
      withAwsOptions(cmd, "where to read findings (default: the finding Id's Region; for filters AWS_REGION or the profile's)"),
      OUTPUTS,
    ),
  )
    .option('--config <file>', 'hubfix.config.yaml (default: the defaults)')
    .option('--dry-run', 'one finding: run with DryRun=true (the dry-run custom action); the backlog: list, start nothing')
    .option('--yes', 'the backlog: start the runs (without it the backlog is only listed)')
    .option('--direct', "one finding: start in the caller's own (member) account with the caller's credentials, no administrator needed")
    .option(
      '--max-concurrent <n>',
      `the backlog: runs at once per account and Region (1-${SSM_CONCURRENT_AUTOMATIONS}, default ${SSM_CONCURRENT_AUTOMATIONS}: SSM's limit)`,
    )
    .action(async (opts: RemediateOptions & BacklogOptions) => {
      const backlog = ['filters', 'account', 'control', 'findingRegion', 'workflow', 'updatedSince'].some(
        (k) => (opts as unknown as Record<string, unknown>)[k] !== undefined,
      );
      if (backlog && opts.findingId) throw new UsageError('give --finding-id or filters, not both');
      if (backlog && opts.direct) throw new UsageError('--direct is for one --finding-id');
      if (!backlog && !opts.findingId)
        throw new UsageError('give --finding-id ID, or filters (--filters, --account, --control, ...) for the backlog');
      if (backlog) setExit((await remediateBacklog(opts)).exitCode);
      else {
        if (opts.yes) throw new UsageError('--yes is for the backlog (filters); one --finding-id starts without it');
        setExit(await runRemediate(opts));
      }
    });
}
