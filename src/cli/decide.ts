import * as fs from 'node:fs';
import type { Command } from 'commander';
import { shippedCatalog } from '../compiler';
import { ConfigError, defaultConfig, type HubfixConfig, loadConfigFile } from '../findings/config';
import { decide } from '../findings/decide';
import { parseEvent } from '../findings/intake';
import type { Decision } from '../findings/types';
import { resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { type BacklogOptions, decideFromSecurityHub } from './backlog';
import { withFilterOptions } from './filters';
import { UsageError } from './errors';
import { formatTable } from './list';

/** `hubfix decide EVENT.json`: what the orchestrator would do with an event. No AWS call. */

export interface DecisionRow {
  findingId: string;
  decision: string;
  reason: string;
  detail: string;
  control: string | null;
  document: string | null;
  account: string | null;
  region: string | null;
  parameters: Record<string, string | number | boolean> | null;
}

export function decisionRow(d: Decision): DecisionRow {
  return {
    findingId: d.findingId,
    decision: d.decision,
    reason: d.reason,
    detail: d.detail,
    control: d.control ?? null,
    document: d.document ?? null,
    account: d.account ?? null,
    region: d.region ?? null,
    parameters: d.parameters ?? null,
  };
}

export function configOption(file: string | undefined): HubfixConfig {
  if (!file) return defaultConfig();
  try {
    return loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The short form of a finding Id for a table: `IAM.15/…/0f3b8a52`. */
function shortId(id: string): string {
  const m = /(?:security-control|subscription\/.+\/v\/[\d.]+)\/([^/]+)\/finding\/([0-9a-f]{8})/.exec(id);
  return m ? `${m[1]}/${m[2]}` : id.length > 40 ? `${id.slice(0, 39)}…` : id || '(no Id)';
}

export function decisionsTable(decisions: readonly Decision[]): string {
  const rows = [['DECISION', 'REASON', 'CONTROL', 'ACCOUNT', 'REGION', 'FINDING', 'DETAIL']];
  for (const d of decisions)
    rows.push([d.decision, d.reason, d.control ?? '—', d.account ?? '—', d.region ?? '—', shortId(d.findingId), d.detail]);
  const n = (k: string) => decisions.filter((d) => d.decision === k).length;
  return `${formatTable(rows)}\n\n${decisions.length} finding(s): ${n('start')} start, ${n('notify')} notify, ${n('skip')} skip\n`;
}

export function runDecide(
  file: string,
  opts: { config?: string; json?: boolean; output?: string; now?: string },
): { output: string; decisions: Decision[] } {
  const format = resolveOutput(opts, ['table', 'json']);
  const config = configOption(opts.config);
  const now = opts.now ? Date.parse(opts.now) : Date.now();
  if (!Number.isFinite(now)) throw new UsageError(`--now ${JSON.stringify(opts.now)} is not an ISO 8601 time`);
  const intake = parseEvent(readText(file));
  if (!intake.ok) throw new UsageError(`${file}: ${intake.detail}`);
  const decisions = decide(intake.event.findings, { catalog: shippedCatalog(), config, now, trigger: intake.event.trigger });
  const output = format === 'json' ? `${JSON.stringify(decisions.map(decisionRow), null, 2)}\n` : decisionsTable(decisions);
  return { output, decisions };
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('decide')
    .description(
      'Show what the orchestrator would do with a Security Hub event, or with the findings in Security Hub now (--from-security-hub)',
    )
    .argument('[event]', 'EventBridge event JSON file (Findings - Imported or Custom Action); no AWS call')
    .option('--from-security-hub', 'decide the findings that exist now (GetFindings with the filters; the backlog), nothing started')
    .option('--config <file>', 'hubfix.config.yaml (default: the defaults, dry-run)')
    .option('--now <time>', 'decide as at this ISO 8601 time (loop guard, expiries)');
  // JSON: [{findingId, decision, reason, control, document, account, region, parameters}]
  withFilterOptions(withAwsOptions(withOutputOption(cmd, ['table', 'json']))).action(
    async (file: string | undefined, opts: BacklogOptions & { fromSecurityHub?: boolean }) => {
      if (opts.fromSecurityHub && file) throw new UsageError('give an event file or --from-security-hub, not both');
      if (!opts.fromSecurityHub && !file)
        throw new UsageError('give an event file, or --from-security-hub to decide the findings in Security Hub');
      if (opts.fromSecurityHub) process.stdout.write((await decideFromSecurityHub(opts)).output);
      else process.stdout.write(runDecide(file as string, opts).output);
      setExit(0);
    },
  );
}
