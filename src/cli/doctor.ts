import type { Command } from 'commander';
import * as path from 'node:path';
import type { Invoker } from '../aws/invoker';
import { errorCode, errorMessage } from '../aws/invoker';
import { compileAll } from '../compiler';
import { DEFAULT_MEMBER_ROLE_NAME } from '../findings/config';
import { principalPolicies } from '../iam/principals';
import { codeHashesOf, doctor, doctorTable } from '../install/doctor';
import { invokerFor, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { ACCOUNT_ID, OU_ID, parseList } from './deploy';
import { UsageError } from './errors';
import { parseRegions } from './package';

/** `hubfix doctor`: read-only preflight, a table (or --json); exit 0 only when every check passes. */

export interface DoctorCliOptions {
  accounts?: string;
  ou?: string;
  regions: string;
  memberRoleName?: string;
  dist?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  output?: string;
  json?: boolean;
}

/** The accounts of OUs (nested OUs included), through Organizations. */
async function accountsOf(invoker: Invoker, region: string, ous: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  const queue = [...ous];
  while (queue.length) {
    const parent = queue.shift() as string;
    for (const [op, key, push] of [
      ['ListAccountsForParent', 'Accounts', (x: Record<string, string>) => x.Status !== 'SUSPENDED' && out.add(x.Id)],
      ['ListOrganizationalUnitsForParent', 'OrganizationalUnits', (x: Record<string, string>) => queue.push(x.Id)],
    ] as const) {
      let next: string | undefined;
      do {
        const page = await invoker.call({
          service: 'organizations',
          operation: op,
          region,
          input: { ParentId: parent, ...(next ? { NextToken: next } : {}) },
        });
        for (const x of (page[key] as Array<Record<string, string>>) ?? []) push(x);
        next = typeof page.NextToken === 'string' ? page.NextToken : undefined;
      } while (next);
    }
  }
  return [...out].sort();
}

export async function runDoctor(
  opts: DoctorCliOptions,
  invoker?: Invoker,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const format = resolveOutput(opts, ['table', 'json']);
  const resolved = resolveAws({ profile: opts.profile, region: opts.region, endpoint: opts.endpoint }, invoker ? {} : process.env);
  const explicit = parseList(opts.accounts, '--accounts', ACCOUNT_ID, 'a 12-digit account id');
  const ous = parseList(opts.ou, '--ou', OU_ID, 'an OU id (ou-…) or root id (r-…)');
  if (explicit.length === 0 && ous.length === 0) throw new UsageError('give the member accounts (--accounts) or OUs (--ou)');
  const regions = parseRegions(opts.regions);
  if (regions.length === 0) throw new UsageError('--regions: give the member Regions (comma-separated)');
  const aws = invoker ?? invokerFor(resolved);
  const adminRegion = resolved.region as string;
  try {
    const accounts = explicit.length ? explicit : await accountsOf(aws, adminRegion, ous);
    const runbooks = compileAll();
    const rows = await doctor({
      invoker: aws,
      adminRegion,
      regions,
      accounts,
      memberRoleName: opts.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
      expected: {
        runbooks,
        stepRunnerPolicy: principalPolicies(runbooks.map((r) => r.name))['step-runner'],
        codeSha256: codeHashesOf(path.resolve(opts.dist ?? 'dist')),
      },
    });
    if (format === 'json') write(`${JSON.stringify({ ok: rows.every((r) => r.ok), rows }, null, 2)}\n`);
    else write(doctorTable(rows));
    return rows.every((r) => r.ok) ? 0 : 1;
  } catch (err) {
    writeErr(`hubfix: doctor could not run: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('doctor')
    .description('Read-only preflight of an installation per account and Region; exit 0 only when every check passes')
    .option('--accounts <ids>', 'member accounts, comma-separated')
    .option('--ou <ids>', 'OUs whose accounts to check (nested OUs included), comma-separated')
    .requiredOption('--regions <list>', 'member Regions, comma-separated')
    .option('--member-role-name <name>', 'the member role to assume (default hubfix-member)')
    .option('--dist <dir>', 'the build to compare code hashes with', 'dist');
  withOutputOption(withAwsOptions(cmd, 'the Region of the admin stack'), ['table', 'json']).action(async (opts: DoctorCliOptions) =>
    setExit(await runDoctor(opts)),
  );
}
