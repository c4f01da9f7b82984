import type { Command } from 'commander';
import { errorCode, errorMessage, type Invoker } from '../aws/invoker';
import { invokerFor, REGION_NAME, resolveAws, resolveOutput, withOutputOption } from './aws-options';
import { ACTION_TARGETS, type ActionTarget, type EnsuredActionTarget, ensureActionTargets, listActionTargets } from '../finalizer/actions';
import { UsageError } from './errors';
import { formatTable } from './list';

/**
 * `hubfix actions create|list`: the Security Hub custom actions "Remediate" (HubfixRemediate) and
 * "Remediate (dry run)" (HubfixDryRun), created idempotently in each Region asked for.
 */

interface ActionsOptions {
  region?: string[];
  profile?: string;
  endpoint?: string;
  output?: string;
  json?: boolean;
}

/** The Regions asked for: every --region (repeatable, comma-separated), else AWS_REGION or the profile's, like aws-cli. */
export function regionsFrom(opts: ActionsOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = (opts.region ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of given) if (!REGION_NAME.test(r)) throw new UsageError(`"${r}" is not a Region name (like us-east-1)`);
  if (given.length) return [...new Set(given)];
  const region = resolveAws({ profile: opts.profile, endpoint: opts.endpoint }, env, false).region;
  if (!region) throw new UsageError('no Region: pass --region R (repeatable), set AWS_REGION, or set region in the profile');
  return [region];
}

function awsFailure(region: string, err: unknown): UsageError {
  return new UsageError(`${region}: ${errorCode(err)}: ${errorMessage(err)}`, 1);
}

export async function createActions(invoker: Invoker, regions: string[]): Promise<EnsuredActionTarget[]> {
  const out: EnsuredActionTarget[] = [];
  for (const region of regions) {
    try {
      out.push(...(await ensureActionTargets(invoker, region)));
    } catch (err) {
      throw awsFailure(region, err);
    }
  }
  return out;
}

export async function listActions(invoker: Invoker, regions: string[]): Promise<Array<ActionTarget & { region: string; hubfix: boolean }>> {
  const ids = new Set(ACTION_TARGETS.map((a) => a.id));
  const out: Array<ActionTarget & { region: string; hubfix: boolean }> = [];
  for (const region of regions) {
    try {
      for (const t of await listActionTargets(invoker, region)) out.push({ ...t, region, hubfix: ids.has(t.id) });
    } catch (err) {
      throw awsFailure(region, err);
    }
  }
  return out;
}

function withCommonOptions(cmd: Command): Command {
  return withOutputOption(
    cmd
      .option('--profile <name>', 'named profile from the shared AWS config/credentials files (default: AWS_PROFILE)')
      .option('--region <region...>', "Region(s) to act in (repeatable; default AWS_REGION, else the profile's region)")
      .option('--endpoint <url>', 'endpoint override for every AWS call (a local emulator)'),
    ['table', 'json'],
  );
}

function actionsInvoker(opts: ActionsOptions) {
  return invokerFor(resolveAws({ profile: opts.profile, endpoint: opts.endpoint }, process.env, false));
}

export function register(program: Command, setExit: (code: number) => void): void {
  const actions = program.command('actions').description('Security Hub custom actions that ask hubfix for a run');
  withCommonOptions(
    actions.command('create').description('Create the "Remediate" and "Remediate (dry run)" custom actions (idempotent)'),
  ).action(async (opts: ActionsOptions) => {
    const format = resolveOutput(opts, ['table', 'json']);
    const regions = regionsFrom(opts);
    const rows = await createActions(actionsInvoker(opts), regions);
    if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      const table = [['REGION', 'ID', 'NAME', 'RESULT', 'ARN']];
      for (const r of rows) table.push([r.region, r.id, r.name, r.result, r.arn]);
      process.stdout.write(`${formatTable(table)}\n`);
    }
    setExit(0);
  });
  withCommonOptions(actions.command('list').description('List the custom actions in each Region (hubfix ones marked)')).action(
    async (opts: ActionsOptions) => {
      const format = resolveOutput(opts, ['table', 'json']);
      const regions = regionsFrom(opts);
      const rows = await listActions(actionsInvoker(opts), regions);
      if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write(`no custom actions in ${regions.join(', ')}; run \`hubfix actions create\`\n`);
      else {
        const table = [['REGION', 'ID', 'NAME', 'HUBFIX', 'ARN']];
        for (const r of rows) table.push([r.region, r.id, r.name, r.hubfix ? 'yes' : '-', r.arn]);
        process.stdout.write(`${formatTable(table)}\n`);
      }
      setExit(0);
    },
  );
}
