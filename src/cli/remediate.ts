import type { Command } from 'commander';
import type { Invoker } from '../aws/invoker';
import { errorCode, errorMessage } from '../aws/invoker';
import { invokerFor, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { shippedCatalog } from '../compiler';
import { REGION_RE } from '../findings/identity';
import { handleFindings } from '../findings/orchestrate';
import type { Trigger } from '../findings/types';
import { patterns } from '../model/parameters';
import { configOption } from './decide';
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
  const result = await handleFindings(findings, trigger, { invoker: aws, catalog: shippedCatalog(), config, log: (l) => lines.push(l) });
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
    .description('Fetch one finding with GetFindings and start its remediation through the orchestrator path')
    .requiredOption('--finding-id <id>', 'the Security Hub finding Id (ARN)');
  withOutputOption(withAwsOptions(cmd, "where to read the finding (default: the finding Id's Region)"), OUTPUTS)
    .option('--config <file>', 'hubfix.config.yaml (default: the defaults)')
    .option('--dry-run', 'run with DryRun=true (the dry-run custom action)')
    .action(async (opts: RemediateOptions) => setExit(await runRemediate(opts)));
}
