import type { Command } from 'commander';
import { errorCode, errorMessage, type Invoker } from '../aws/invoker';
import { endpointInvoker } from './endpoint';
import { ACTION_TARGETS, type ActionTarget, type EnsuredActionTarget, ensureActionTargets, listActionTargets } from '../finalizer/actions';
import { UsageError } from './errors';
import { formatTable } from './list';

/**
 * `hubfix actions create|list`: the Security Hub custom actions "Remediate" (HubfixRemediate) and
 * "Remediate (dry run)" (HubfixDryRun), created idempotently in each Region asked for.
 */

interface ActionsOptions {
  region?: string[];
  endpoint?: string;
  json?: boolean;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function regionsFrom(opts: ActionsOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = (opts.region ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  const regions = given.length ? given : [env.AWS_REGION || env.AWS_DEFAULT_REGION || ''].filter(Boolean);
  if (regions.length === 0) throw new UsageError('no Region: pass --region R (repeatable) or set AWS_REGION');
  for (const r of regions) if (!REGION_PATTERN.test(r)) throw new UsageError(`"${r}" is not a Region name (like us-east-1)`);
  return [...new Set(regions)];
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
  return cmd
    .option('--region <region...>', 'Region(s) to act in (repeatable; default AWS_REGION)')
    .option('--endpoint <url>', 'endpoint override for every AWS call (a local emulator)')
    .option('--json', 'print the result as JSON');
}

export function register(program: Command, setExit: (code: number) => void): void {
  const actions = program.command('actions').description('Security Hub custom actions that ask hubfix for a run');
  withCommonOptions(
    actions.command('create').description('Create the "Remediate" and "Remediate (dry run)" custom actions (idempotent)'),
  ).action(async (opts: ActionsOptions) => {
    const regions = regionsFrom(opts);
    const rows = await createActions(endpointInvoker(opts.endpoint), regions);
    if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      const table = [['REGION', 'ID', 'NAME', 'RESULT', 'ARN']];
      for (const r of rows) table.push([r.region, r.id, r.name, r.result, r.arn]);
      process.stdout.write(`${formatTable(table)}\n`);
    }
    setExit(0);
  });
  withCommonOptions(actions.command('list').description('List the custom actions in each Region (hubfix ones marked)')).action(
    async (opts: ActionsOptions) => {
      const regions = regionsFrom(opts);
      const rows = await listActions(endpointInvoker(opts.endpoint), regions);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
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
