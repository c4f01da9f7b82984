import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { SdkInvoker } from '../aws/sdk-invoker';
import { checkedEndpoint } from './endpoint';
import { UsageError } from './errors';

/**
 * The options every command that calls AWS shares, resolved as aws-cli resolves them:
 * `--profile` (else AWS_PROFILE, else `default`), `--region` (else AWS_REGION, else
 * AWS_DEFAULT_REGION, else the profile's `region` in the shared config file), `--endpoint`, and
 * `--output FORMAT` with `--json` kept as its short form. A profile that is in neither shared file,
 * a Region that is not a Region name, or an unknown format is a UsageError: nothing is started.
 */

export interface AwsOptionValues {
  profile?: string;
  region?: string;
  endpoint?: string;
}

export interface OutputOptionValues {
  output?: string;
  json?: boolean;
}

export const REGION_NAME = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const PROFILE_NAME = /^[A-Za-z0-9_.@+=,-]{1,64}$/;

/** Adds --profile, --region and --endpoint to a command. */
export function withAwsOptions(cmd: Command, regionHelp = "Region to call (default: AWS_REGION, else the profile's region)"): Command {
  return cmd
    .option('--profile <name>', 'named profile from the shared AWS config/credentials files (default: AWS_PROFILE)')
    .option('--region <region>', regionHelp)
    .option('--endpoint <url>', 'endpoint override for every AWS call (a local emulator)');
}

/** Adds `--output <format>` (one of `formats`, default the first) and `--json` (= `--output json`). */
export function withOutputOption(cmd: Command, formats: readonly string[]): Command {
  return cmd
    .option('--output <format>', `output format: ${formats.join(', ')} (default ${formats[0]})`)
    .option('--json', 'short for --output json');
}

/** The chosen output format; a UsageError for an unknown one or for --json beside another format. */
export function resolveOutput(opts: OutputOptionValues, formats: readonly string[]): string {
  const given = opts.output;
  if (given !== undefined && !formats.includes(given))
    throw new UsageError(`--output ${JSON.stringify(given)} is not one of ${formats.join(', ')}`);
  if (opts.json && given !== undefined && given !== 'json') throw new UsageError(`give --json or --output ${given}, not both`);
  if (opts.json) {
    if (!formats.includes('json')) throw new UsageError('--json: this command has no JSON output');
    return 'json';
  }
  return given ?? formats[0];
}

/** Whether the options ask for JSON (--json or --output json); a UsageError for an unknown format. */
export function wantsJson(opts: OutputOptionValues, formats: readonly string[]): boolean {
  return resolveOutput(opts, formats) === 'json';
}

/** The shared files aws-cli reads (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws). */
export function sharedFiles(env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  const home = env.HOME || os.homedir();
  return {
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

/** An INI file as sections of key → value (comments and blank lines dropped). Pure. */
export function parseIni(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? {};
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0 && !/^\s/.test(raw)) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

function readIni(file: string): Map<string, Record<string, string>> {
  try {
    return parseIni(fs.readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

export interface ProfileInfo {
  name: string;
  /** Whether the profile is defined in either shared file. */
  exists: boolean;
  region?: string;
}

/** A profile as the shared files define it: `[profile NAME]` (or `[default]`) in config, `[NAME]` in credentials. */
export function readProfile(name: string, env: NodeJS.ProcessEnv = process.env): ProfileInfo {
  const files = sharedFiles(env);
  const config = readIni(files.config);
  const credentials = readIni(files.credentials);
  const section = config.get(name === 'default' ? 'default' : `profile ${name}`) ?? (name === 'default' ? undefined : config.get(name));
  const exists = section !== undefined || credentials.has(name);
  const region = section?.region || undefined;
  return { name, exists, ...(region ? { region } : {}) };
}

export interface ResolvedAws {
  /** The named profile in use (absent: the SDK's default chain without a profile). */
  profile?: string;
  /** Absent only when no source gives one and the command does not need it. */
  region?: string;
  endpoint?: string;
}

/**
 * --profile/--region/--endpoint resolved like aws-cli. `requireRegion` makes a missing Region a
 * UsageError (a command that has nowhere else to take it from).
 */
export function resolveAws(opts: AwsOptionValues, env: NodeJS.ProcessEnv = process.env, requireRegion = true): ResolvedAws {
  const endpoint = checkedEndpoint(opts.endpoint);
  const named = opts.profile ?? (env.AWS_PROFILE || undefined);
  let profileRegion: string | undefined;
  if (named !== undefined) {
    if (!PROFILE_NAME.test(named)) throw new UsageError(`profile ${JSON.stringify(named)} is not a profile name`);
    const p = readProfile(named, env);
    const from = opts.profile !== undefined ? '--profile' : 'AWS_PROFILE';
    if (!p.exists) {
      const f = sharedFiles(env);
      throw new UsageError(`${from} ${named}: no such profile in ${f.config} or ${f.credentials}`);
    }
    profileRegion = p.region;
  } else {
    profileRegion = readProfile('default', env).region;
  }
  const candidates: Array<[string, string | undefined]> = [
    ['--region', opts.region],
    ['AWS_REGION', env.AWS_REGION || undefined],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION || undefined],
    [`the region of profile ${named ?? 'default'}`, profileRegion],
  ];
  const chosen = candidates.find(([, v]) => v !== undefined);
  if (chosen && !REGION_NAME.test(chosen[1] as string))
    throw new UsageError(`${chosen[0]} ${JSON.stringify(chosen[1])} is not a Region name (like us-east-1)`);
  if (!chosen && requireRegion)
    throw new UsageError('no Region: pass --region, set AWS_REGION, or set region in the profile (aws configure)');
  return {
    ...(named !== undefined ? { profile: named } : {}),
    ...(chosen ? { region: chosen[1] as string } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** The SDK invoker for resolved options (the profile's credentials, the endpoint override). */
export function invokerFor(aws: ResolvedAws): SdkInvoker {
  return new SdkInvoker({ ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), ...(aws.profile ? { profile: aws.profile } : {}) });
}

/** The exit codes every command keeps (printed by `hubfix --help`, listed in the README). */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done: the command did what was asked (for remediate: every run asked for started)
  1  the command ran but an outcome was not success (a run not started, a check that failed,
     an AWS call refused)
  2  bad input: a usage mistake, an unknown --output, a profile or Region that does not exist,
     a filter Security Hub would reject; one line on standard error, nothing started
  3  internal error (a bug: please report it with the stack printed on standard error)

Errors and progress go to standard error; results (tables, JSON, CSV, HTML) to standard output.`;
