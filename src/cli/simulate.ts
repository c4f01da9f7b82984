import * as fs from 'node:fs';
import type { Command } from 'commander';
import { wantsJson } from './aws-options';
import type { Invoker } from '../aws/invoker';
import { MockInvoker, MockTableError } from '../aws/mock-invoker';
import { endpointInvoker } from './endpoint';
import { type Clock, RealClock, VirtualClock } from '../engine/clock';
import type { RunnableDocument } from '../engine/engine';
import { ConfigError, defaultConfig, type HubfixConfig, loadConfigFile } from '../findings/config';
import { parseEvent } from '../findings/intake';
import { runSimulation, SimulationError, type SimulationResult } from '../simulate/simulate';
import { UsageError } from './errors';
import { formatRecord } from './run-local';

/**
 * `hubfix simulate EVENT.json`: reads the event, the configuration and the mock table or endpoint,
 * runs the whole path locally (src/simulate) and prints what happened.
 */

export interface SimulateOptions {
  config?: string;
  mock?: string;
  endpoint?: string;
  json?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function baseInvoker(opts: SimulateOptions): Invoker {
  if (opts.mock && opts.endpoint)
    throw new UsageError('give --mock or --endpoint, not both (with a mock table nothing reaches an endpoint)');
  if (!opts.mock && !opts.endpoint) throw new UsageError('give --mock FILE (a mock table) or --endpoint URL (a local emulator)');
  if (opts.mock) {
    try {
      return MockInvoker.fromFile(opts.mock);
    } catch (err) {
      if (err instanceof MockTableError) throw new UsageError(err.message);
      throw err;
    }
  }
  return endpointInvoker(opts.endpoint);
}

function readEvent(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON: ${(err as Error).message}`);
  }
}

function readConfig(file: string | undefined): HubfixConfig {
  try {
    return file ? loadConfigFile(file) : defaultConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export interface SimulateDeps {
  invoker?: Invoker;
  /** Epoch ms of the simulation (default: now). */
  now?: number;
  documents?: RunnableDocument[];
}

export async function simulate(eventFile: string, opts: SimulateOptions, deps: SimulateDeps = {}): Promise<SimulationResult> {
  const raw = readEvent(eventFile);
  const config = readConfig(opts.config);
  const base = deps.invoker ?? baseInvoker(opts);
  const intake = parseEvent(raw);
  if (!intake.ok) throw new UsageError(`${eventFile}: ${intake.detail}`);
  const event = intake.event;

  // with a mock table time is virtual (sleeps cost nothing); with an endpoint, real I/O needs real time
  const start = deps.now ?? Date.now();
  const clock: Clock = opts.endpoint && !deps.invoker ? new RealClock() : new VirtualClock(start);
  try {
    return await runSimulation({ event, config, invoker: base, clock, ...(deps.documents ? { documents: deps.documents } : {}) });
  } catch (err) {
    if (err instanceof SimulationError) throw new UsageError(err.message);
    throw err;
  }
}

function noteOf(request: Record<string, unknown>): string {
  return isRecord(request.Note) && typeof request.Note.Text === 'string' ? request.Note.Text : '';
}

/** The readable account: decisions, each execution, every finding update, every notification. */
export function formatSimulation(r: SimulationResult): string {
  const lines: string[] = ['DECISIONS'];
  for (const [i, d] of r.decisions.entries()) {
    const o = r.outcomes[i];
    lines.push(`  ${d.decision.padEnd(6)} ${d.reason.padEnd(18)} ${d.control ?? '-'}  ${d.findingId || '(no id)'}`);
    lines.push(`         ${d.detail}`);
    if (o && o.outcome !== 'skipped')
      lines.push(
        `         -> ${o.outcome}${o.executionId ? ` ${o.executionId}` : ''}${o.error ? `: ${o.error}` : ''}${o.findingUpdate ? `; finding ${o.findingUpdate}` : ''}`,
      );
  }
  lines.push('', `EXECUTIONS (${r.executions.length})`);
  for (const e of r.executions) {
    if (e.record.AutomationExecutionId !== e.startedAs)
      lines.push(`  started as ${e.startedAs} (the local engine ran it as ${e.record.AutomationExecutionId})`);
    lines.push(formatRecord(e.record, '  ').trimEnd());
  }
  lines.push('', `FINDING UPDATES (${r.findingUpdates.length}, recorded by the Security Hub stand-in: moto has no BatchUpdateFindings)`);
  for (const u of r.findingUpdates) {
    const req = u.request;
    const ids = Array.isArray(req.FindingIdentifiers) ? req.FindingIdentifiers.map((f) => (isRecord(f) ? String(f.Id) : '?')) : [];
    const workflow = isRecord(req.Workflow) ? String(req.Workflow.Status) : '(workflow unchanged)';
    lines.push(`  by ${u.by} in ${u.region}: ${workflow}  ${ids.join(', ')}`);
    lines.push(`    note: ${noteOf(req)}`);
    if (isRecord(req.UserDefinedFields)) lines.push(`    fields: ${JSON.stringify(req.UserDefinedFields)}`);
  }
  lines.push('', `NOTIFICATIONS (${r.notifications.length})`);
  for (const n of r.notifications) {
    lines.push(`  to ${n.topicArn}: ${n.subject}`);
    lines.push(
      JSON.stringify(n.message, null, 2)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n'),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('simulate')
    .description('Run the whole path locally: orchestrator decision, runbook in the local engine, finalizer')
    .argument('<event>', 'a Security Hub EventBridge event (JSON file)')
    .option('--config <file>', 'hubfix configuration (YAML or JSON; default: the built-in defaults)')
    .option('--mock <file>', 'answer AWS calls from this mock table (YAML or JSON)')
    .option('--endpoint <url>', 'send AWS calls to this endpoint (a local emulator such as moto)')
    .option('--json', 'print {"decisions","executions","findingUpdates","notifications"} as JSON (short for --output json)')
    .option('--output <format>', 'output format: text, json (default text)')
    .action(async (event: string, opts: SimulateOptions & { output?: string }) => {
      opts.json = wantsJson(opts, ['text', 'json']);
      const r = await simulate(event, opts);
      if (opts.json) {
        const executions = r.executions.map((e) => ({ startedAs: e.startedAs, ...e.record }));
        process.stdout.write(
          `${JSON.stringify({ decisions: r.decisions, executions, findingUpdates: r.findingUpdates, notifications: r.notifications }, null, 2)}\n`,
        );
      } else process.stdout.write(formatSimulation(r));
      // a run that failed, or could not even start, fails the simulation
      setExit(r.executions.every((e) => e.status === 'Success') && r.outcomes.every((o) => o.outcome !== 'start-failed') ? 0 : 1);
    });
}
