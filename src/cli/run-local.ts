import type { Command } from 'commander';
import type { Invoker } from '../aws/invoker';
import { MockInvoker, MockTableError } from '../aws/mock-invoker';
import { invokerFor as sdkInvokerFor } from './aws-options';
import type { Clock } from '../engine/clock';
import { buildDocuments, buildHandlers, buildResolver, resolveDocument } from '../engine/documents';
import { type AutomationResult, type RunnableDocument, runAutomation } from '../engine/engine';
import { EngineInputError } from '../engine/errors';
import type { ExecutionRecord } from '../engine/record';
import { resolveAws, wantsJson } from './aws-options';
import { UsageError } from './errors';

/**
 * `hubfix run-local DOC`: run a document of the build, or any Automation document file, on this
 * machine with SSM's semantics. AWS calls go to a mock table (--mock), an emulator (--endpoint) or
 * the real AWS of the default credentials. Exit 0 when the automation ends Success, 1 otherwise,
 * 2 on a usage or input error (nothing ran).
 */

export interface RunLocalOptions {
  param?: string[];
  mock?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  account?: string;
  json?: boolean;
  output?: string;
  approve?: boolean;
  reject?: boolean;
  resume?: boolean;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** `K=V` pairs; a key given twice becomes a list (for StringList parameters). */
export function parseParams(pairs: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(pair)} must be KEY=VALUE`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function invokerFor(opts: RunLocalOptions, profile: string | undefined): Invoker {
  if (opts.mock && opts.endpoint)
    throw new UsageError('give --mock or --endpoint, not both (with a mock table nothing reaches an endpoint)');
  if (opts.mock) {
    try {
      return MockInvoker.fromFile(opts.mock);
    } catch (err) {
      if (err instanceof MockTableError) throw new UsageError(err.message);
      throw err;
    }
  }
  return sdkInvokerFor({ ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), ...(profile ? { profile } : {}) });
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The readable step-by-step account of an execution (children indented under their step). */
export function formatRecord(r: ExecutionRecord, indent = ''): string {
  const lines: string[] = [];
  const header = [`${r.DocumentName}`, `execution ${r.AutomationExecutionId}`, `account ${r.Account || 'unknown'}`, r.Region];
  lines.push(`${indent}${header.join('  ')}`);
  const own = r.Calls.filter((c) => c.step === undefined);
  for (const c of own) lines.push(`${indent}  (automation) ${c.service} ${c.operation}  ${c.outcome === 'ok' ? 'ok' : c.errorCode}`);
  for (const s of r.StepExecutions) {
    const where = s.ParentStepDetails ? `${s.ParentStepDetails.StepName}[${s.ParentStepDetails.Iteration}] ` : '';
    lines.push(`${indent}  ${s.StepStatus.padEnd(9)} ${where}${s.StepName}  ${s.Action}  ${plural(s.Attempts, 'attempt')}`);
    for (const c of r.Calls.filter((x) => x.stepExecutionId === s.StepExecutionId)) {
      const via =
        c.answeredBy === 'step-runner' ? ' (in-process step runner)' : c.answeredBy === 'engine' ? ' (answered by the engine)' : '';
      lines.push(`${indent}              ${c.service} ${c.operation}${via}  ${c.outcome === 'ok' ? 'ok' : c.errorCode}`);
    }
    for (const [k, v] of Object.entries(s.Outputs ?? {})) {
      // a Lambda step's whole Payload and StatusCode repeat what its named outputs show
      if (s.Action === 'aws:invokeLambdaFunction' && (k === 'Payload' || k === 'StatusCode')) continue;
      lines.push(`${indent}              ${k} = ${clip(v.length === 1 ? v[0] : JSON.stringify(v))}`);
    }
    if (s.FailureMessage) lines.push(`${indent}              ${s.FailureMessage}`);
    if (s.Action === 'aws:executeAutomation') {
      const child = r.ChildExecutions.find((c) => s.Outputs?.ExecutionId?.[0] === c.AutomationExecutionId) ?? undefined;
      if (child) lines.push(formatRecord(child, `${indent}              `).trimEnd());
    }
  }
  const outs = Object.entries(r.Outputs);
  if (outs.length) {
    lines.push(`${indent}Outputs`);
    for (const [k, v] of outs) lines.push(`${indent}  ${k} = ${v.length === 1 ? v[0] : JSON.stringify(v)}`);
  }
  lines.push(`${indent}${r.AutomationExecutionStatus}${r.FailureMessage ? `: ${r.FailureMessage}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export interface RunLocalDeps {
  output?: Output;
  /** The build's documents (tests pass their own). */
  documents?: RunnableDocument[];
  /** The invoker (tests pass their own instead of --mock / --endpoint). */
  invoker?: Invoker;
  /** The clock (tests pass a virtual one: a runbook's wait then takes no real time). */
  clock?: Clock;
}

export async function runLocal(
  ref: string,
  opts: RunLocalOptions,
  deps: RunLocalDeps = {},
): Promise<AutomationResult & { exitCode: number }> {
  const output = deps.output ?? processOutput;
  if (opts.approve && opts.reject) throw new UsageError('give --approve or --reject, not both');
  if (opts.account !== undefined && !/^\d{12}$/.test(opts.account))
    throw new UsageError(`--account ${opts.account} is not a 12-digit account id`);
  // like aws-cli: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region; a mock table
  // needs no real Region, so there (and only there) us-east-1 stands in, said on standard error
  const aws = resolveAws({ region: opts.region, profile: opts.profile, endpoint: opts.endpoint }, process.env, !opts.mock);
  const region = aws.region ?? 'us-east-1';
  const params = parseParams(opts.param ?? []);
  const invoker = deps.invoker ?? invokerFor(opts, aws.profile);
  const docs = deps.documents ?? buildDocuments();
  const resolver = buildResolver(docs);
  let result: AutomationResult;
  try {
    const doc = resolveDocument(ref, resolver, (message) => output.err(`hubfix: warning: ${message}\n`));
    result = await runAutomation(doc, params, {
      invoker,
      ...(deps.clock ? { clock: deps.clock } : {}),
      region,
      account: opts.account,
      handlers: buildHandlers(docs),
      documents: resolver,
      approval: opts.approve ? 'approve' : opts.reject ? 'reject' : undefined,
      resumePauses: opts.resume === true,
      undecided: 'fail',
    });
  } catch (err) {
    if (err instanceof EngineInputError) throw new UsageError(err.message);
    throw err;
  }
  if (!aws.region) output.err('hubfix: no Region given (--region, AWS_REGION, profile): the mock run used us-east-1\n');
  output.out(opts.json ? `${JSON.stringify(result.record, null, 2)}\n` : formatRecord(result.record));
  return { ...result, exitCode: result.status === 'Success' ? 0 : 1 };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('run-local')
    .description('Run an Automation document (a runbook of the build, or a YAML/JSON file) on this machine with SSM semantics')
    .argument('<document>', 'document name from the build, or a document file')
    .option('--param <KEY=VALUE>', 'a parameter (repeat; a key given twice makes a list)', collect, [])
    .option('--mock <file>', 'answer every AWS call from this mock table (YAML or JSON); nothing reaches AWS')
    .option('--endpoint <url>', 'send AWS calls to this endpoint (a local emulator)')
    .option('--region <region>', "Region of the execution (default AWS_REGION, else the profile's region)")
    .option('--profile <name>', 'named profile from the shared AWS config/credentials files (default: AWS_PROFILE)')
    .option('--account <id>', 'account of the execution when the document assumes no role')
    .option('--approve', 'approve every aws:approve step')
    .option('--reject', 'reject every aws:approve step')
    .option('--resume', 'resume every aws:pause step')
    .option('--json', 'print the execution record (GetAutomationExecution shape, plus Calls); short for --output json')
    .option('--output <format>', 'output format: text, json (default text)')
    .action(async (document: string, opts: RunLocalOptions) => {
      const r = await runLocal(document, { ...opts, json: wantsJson(opts, ['text', 'json']) });
      setExit(r.exitCode);
    });
}
