import type { Invoker } from '../aws/invoker';
import { shippedCatalog } from '../compiler';
import { type BacklogProgress, decideBacklog, runBacklog, SSM_CONCURRENT_AUTOMATIONS } from '../findings/backlog';
import type { HubfixConfig } from '../findings/config';
import { CredentialsCache } from '../findings/credentials';
import { logLine } from '../findings/orchestrate';
import { realSleep, type Sleep } from '../findings/retry';
import type { FindingOutcome } from '../findings/start';
import type { Decision } from '../findings/types';
import { type AwsOptionValues, invokerFor, type OutputOptionValues, resolveAws, resolveOutput } from './aws-options';
import { configOption, decisionRow, decisionsTable } from './decide';
import { UsageError } from './errors';
import { type FilterOptionValues, type Filters, filtersFrom } from './filters';
import { formatTable } from './list';
import { readFindings } from './read-findings';

/**
 * The backlog from the terminal: `hubfix decide --from-security-hub [filters]` (what would be done,
 * same reason codes, nothing started) and `hubfix remediate --filters … --yes` (start it, in
 * batches within SSM's concurrency limit per account and Region, with a progress bar on stderr and
 * a summary on stdout). Without --yes, remediate only lists.
 */

export type BacklogOptions = AwsOptionValues &
  OutputOptionValues &
  FilterOptionValues & { config?: string; yes?: boolean; dryRun?: boolean; maxConcurrent?: string; now?: string };

/** What the backlog reads unless the operator says otherwise: active, failed control findings. */
export const BACKLOG_BASE_FILTERS: Filters = {
  RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
};

export interface BacklogIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (the progress bar redraws one line). */
  tty?: boolean;
}

export interface BacklogCliDeps {
  invoker?: Invoker;
  env?: NodeJS.ProcessEnv;
  io?: BacklogIo;
  now?: () => number;
  sleep?: Sleep;
  pollMs?: number;
  /** The configuration (tests; else --config or the defaults). */
  config?: HubfixConfig;
}

const processIo: BacklogIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
};

/** `[██████░░░░] 120/200 started · 40 running · 80 queued · 0 failed`. Pure. */
export function progressBar(p: BacklogProgress, width = 24): string {
  const toStart = p.started + p.queued + p.startFailed;
  const done = p.started + p.startFailed;
  const filled = toStart === 0 ? width : Math.round((done / toStart) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${p.started}/${toStart} started · ${p.running} running · ${p.queued} queued · ${p.startFailed} failed`;
}

/** Progress on stderr: redrawn in place on a terminal, else a line per tenth of the way (and the last). */
export function progressPrinter(io: BacklogIo): { update(p: BacklogProgress): void; done(): void } {
  let lastLine = '';
  let lastTenth = -1;
  return {
    update(p) {
      const line = progressBar(p);
      if (line === lastLine) return;
      lastLine = line;
      if (io.tty) {
        io.err(`\r\x1b[2K${line}`);
        return;
      }
      const toStart = p.started + p.queued + p.startFailed;
      const tenth = toStart === 0 ? 10 : Math.floor(((p.started + p.startFailed) / toStart) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      io.err(`${line}\n`);
    },
    done() {
      if (io.tty && lastLine) io.err('\n');
    },
  };
}

function maxConcurrentOf(text: string | undefined): number {
  if (text === undefined) return SSM_CONCURRENT_AUTOMATIONS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > SSM_CONCURRENT_AUTOMATIONS)
    throw new UsageError(
      `--max-concurrent ${JSON.stringify(text)}: a whole number from 1 to ${SSM_CONCURRENT_AUTOMATIONS} (SSM's limit per account and Region)`,
    );
  return n;
}

async function readBacklog(opts: BacklogOptions, deps: BacklogCliDeps, now: number) {
  const filters = filtersFrom(opts, now, BACKLOG_BASE_FILTERS);
  const aws = resolveAws(opts, deps.env ?? process.env);
  const invoker = deps.invoker ?? invokerFor(aws);
  const findings = await readFindings(invoker, aws.region as string, filters);
  return { invoker, findings };
}

/** `hubfix decide --from-security-hub`: the decisions, nothing started. Exit 0. */
export async function decideFromSecurityHub(
  opts: BacklogOptions,
  deps: BacklogCliDeps = {},
): Promise<{ output: string; decisions: Decision[] }> {
  const format = resolveOutput(opts, ['table', 'json']);
  const config = deps.config ?? configOption(opts.config);
  const now = opts.now ? Date.parse(opts.now) : (deps.now ?? Date.now)();
  if (!Number.isFinite(now)) throw new UsageError(`--now ${JSON.stringify(opts.now)} is not an ISO 8601 time`);
  const { findings } = await readBacklog(opts, deps, now);
  const decisions = decideBacklog(findings, { catalog: shippedCatalog(), config, now });
  const output = format === 'json' ? `${JSON.stringify(decisions.map(decisionRow), null, 2)}\n` : decisionsTable(decisions);
  return { output, decisions };
}

function summaryTable(outcomes: readonly FindingOutcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = `${o.outcome}|${o.decision.decision}|${o.decision.reason}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [['OUTCOME', 'DECISION', 'REASON', 'FINDINGS']];
  for (const [k, n] of [...counts].sort()) rows.push([...k.split('|'), String(n)]);
  return formatTable(rows);
}

/** `hubfix remediate --filters …`: lists (default, --dry-run) or starts (--yes). Exit 0 unless a start failed. */
export async function remediateBacklog(
  opts: BacklogOptions,
  deps: BacklogCliDeps = {},
): Promise<{ exitCode: number; outcomes: FindingOutcome[]; progress?: BacklogProgress }> {
  const io = deps.io ?? processIo;
  const format = resolveOutput(opts, ['table', 'json']);
  if (opts.yes && opts.dryRun) throw new UsageError('give --yes (start) or --dry-run (list), not both');
  const maxConcurrent = maxConcurrentOf(opts.maxConcurrent);
  if (!opts.yes) {
    const { output, decisions } = await decideFromSecurityHub(opts, deps);
    io.out(output);
    const starts = decisions.filter((d) => d.decision === 'start').length;
    io.err(`hubfix: nothing started (${opts.dryRun ? '--dry-run' : 'no --yes'}); ${starts} run(s) would start: pass --yes to start them\n`);
    return { exitCode: 0, outcomes: decisions.map((d) => ({ decision: d, outcome: 'skipped' })) };
  }
  const config = deps.config ?? configOption(opts.config);
  const now = deps.now ?? Date.now;
  const { invoker, findings } = await readBacklog(opts, deps, now());
  const sleep = deps.sleep ?? realSleep;
  const bar = progressPrinter(io);
  const lines: Record<string, unknown>[] = [];
  const trigger = { kind: 'backlog' } as const;
  const result = await runBacklog(findings, {
    invoker,
    catalog: shippedCatalog(),
    config,
    credentials: new CredentialsCache({ invoker, now, sleep }),
    now,
    sleep,
    maxConcurrent,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    progress: (p) => bar.update(p),
    log: (o) => lines.push(logLine(o, undefined, trigger)),
  });
  bar.done();
  const p = result.progress;
  if (format === 'json') io.out(`${JSON.stringify({ summary: p, findings: lines }, null, 2)}\n`);
  else
    io.out(
      `${summaryTable(result.outcomes)}\n\n${p.total} finding(s): ${p.started} started, ${p.startFailed} could not start, ${p.notified} notified, ${p.skipped} skipped; at most ${p.peakRunning} running at once per account and Region (limit ${maxConcurrent})\n`,
    );
  for (const o of result.outcomes)
    if (o.outcome === 'start-failed') io.err(`hubfix: could not start ${o.decision.findingId}: ${o.error}\n`);
  return { exitCode: p.startFailed > 0 ? 1 : 0, outcomes: result.outcomes, progress: p };
}
