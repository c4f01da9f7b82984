import type { Command } from 'commander';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import type { Invoker } from '../aws/invoker';
import { errorCode, errorMessage } from '../aws/invoker';
import { deploy } from '../install/deploy';
import { PackageError, readManifest } from '../install/package';
import { invokerFor, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { UsageError } from './errors';
import { parseRegions } from './package';

/** `hubfix deploy`: admin stack (change set), then the member StackSets, from dist/packaged/. */

export interface DeployCliOptions {
  accounts?: string;
  ou?: string;
  regions: string;
  organizationId?: string;
  memberRoleName?: string;
  operatorRoleName?: string;
  administrationRoleArn?: string;
  executionRoleName?: string;
  dist?: string;
  yes?: boolean;
  dryRun?: boolean;
  region?: string;
  profile?: string;
  endpoint?: string;
  output?: string;
  json?: boolean;
}

export function parseList(text: string | undefined, flag: string, pattern: RegExp, what: string): string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const v of list) if (!pattern.test(v)) throw new UsageError(`${flag}: ${JSON.stringify(v)} is not ${what}`);
  return [...new Set(list)];
}

export const ACCOUNT_ID = /^\d{12}$/;
export const OU_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export async function runDeploy(
  opts: DeployCliOptions,
  invoker?: Invoker,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const format = resolveOutput(opts, ['text', 'json']);
  const resolved = resolveAws({ profile: opts.profile, region: opts.region, endpoint: opts.endpoint }, invoker ? {} : process.env);
  const accounts = parseList(opts.accounts, '--accounts', ACCOUNT_ID, 'a 12-digit account id');
  const ous = parseList(opts.ou, '--ou', OU_ID, 'an OU id (ou-…) or root id (r-…)');
  if (accounts.length === 0 && ous.length === 0) throw new UsageError('give the member accounts (--accounts) or OUs (--ou)');
  if (accounts.length && ous.length) throw new UsageError('give --accounts or --ou, not both');
  const regions = parseRegions(opts.regions);
  if (regions.length === 0) throw new UsageError('--regions: give the member Regions (comma-separated)');
  if (opts.organizationId && !ORGANIZATION_ID.test(opts.organizationId))
    throw new UsageError(`--organization-id ${JSON.stringify(opts.organizationId)} is not an Organization id (o-…)`);
  if (ous.length && !opts.organizationId) throw new UsageError('--ou needs --organization-id (service-managed StackSets deploy inside it)');
  for (const [flag, v] of [
    ['--member-role-name', opts.memberRoleName],
    ['--operator-role-name', opts.operatorRoleName],
    ['--execution-role-name', opts.executionRoleName],
  ] as const)
    if (v !== undefined && !ROLE_NAME.test(v)) throw new UsageError(`${flag} ${JSON.stringify(v)} is not an IAM role name`);
  let manifest: ReturnType<typeof readManifest>;
  try {
    manifest = readManifest(path.resolve(opts.dist ?? 'dist'));
  } catch (err) {
    if (err instanceof PackageError) throw new UsageError(err.message);
    throw err;
  }
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    if (format === 'text') write(`${line}\n`);
  };
  try {
    const r = await deploy({
      manifest,
      invoker: invoker ?? invokerFor(resolved),
      adminRegion: resolved.region as string,
      regions,
      ...(accounts.length ? { accounts } : { ous }),
      ...(opts.organizationId ? { organizationId: opts.organizationId } : {}),
      ...(opts.memberRoleName ? { memberRoleName: opts.memberRoleName } : {}),
      ...(opts.operatorRoleName ? { operatorRoleName: opts.operatorRoleName } : {}),
      ...(opts.administrationRoleArn ? { administrationRoleArn: opts.administrationRoleArn } : {}),
      ...(opts.executionRoleName ? { executionRoleName: opts.executionRoleName } : {}),
      yes: Boolean(opts.yes),
      dryRun: Boolean(opts.dryRun),
      confirm: async (q) => {
        if (!process.stdin.isTTY) return false;
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        const a = await rl.question(`${q} [y/N] `);
        rl.close();
        return /^y(es)?$/i.test(a.trim());
      },
      out,
      progress: (line) => writeErr(`${line}\n`),
    });
    for (const p of r.problems) writeErr(`hubfix: ${p}\n`);
    if (format === 'json') write(`${JSON.stringify(r, null, 2)}\n`);
    return r.problems.length === 0 ? 0 : 1;
  } catch (err) {
    writeErr(`hubfix: deploy failed: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('deploy')
    .description('Deploy hubfix: the admin stack (change set), then the member StackSets for OUs or accounts and Regions')
    .option('--accounts <ids>', 'member accounts (self-managed StackSets), comma-separated')
    .option('--ou <ids>', 'OUs (service-managed StackSets, automatic deployment), comma-separated')
    .requiredOption('--regions <list>', 'member Regions, comma-separated (the first also holds the IAM stack)')
    .option('--organization-id <id>', 'the Organization (o-…): hubfix roles then act only inside it')
    .option('--member-role-name <name>', 'the member role name (default hubfix-member)')
    .option('--operator-role-name <name>', 'an admin-account role the member role also trusts (to run doctor)')
    .option('--administration-role-arn <arn>', 'self-managed StackSets: the administration role')
    .option('--execution-role-name <name>', 'self-managed StackSets: the execution role name')
    .option('--dist <dir>', 'the build directory (after hubfix package)', 'dist')
    .option('--yes', 'execute the change set without asking')
    .option('--dry-run', 'show the change set and what would be deployed; change nothing');
  withOutputOption(withAwsOptions(cmd, 'the Region of the admin stack (the aggregation Region)'), ['text', 'json']).action(
    async (opts: DeployCliOptions) => setExit(await runDeploy(opts)),
  );
}
