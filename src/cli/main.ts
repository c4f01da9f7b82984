import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import * as actions from './actions';
import { EXIT_CODES_HELP } from './aws-options';
import * as build from './build';
import * as decide from './decide';
import * as deploy from './deploy';
import * as docs from './docs';
import * as doctor from './doctor';
import { UsageError } from './errors';
import * as list from './list';
import * as packageCommand from './package';
import * as remediate from './remediate';
import * as report from './report';
import * as runLocal from './run-local';
import * as simulate from './simulate';
import * as sweep from './sweep';
import * as validate from './validate';

/**
 * The `hubfix` command line. Each command lives in its own module and registers itself here;
 * its action returns the exit code.
 */
export type CommandModule = { register(program: Command, setExit: (code: number) => void): void };

function commandModules(): CommandModule[] {
  return [
    // one entry per command module (keep sorted)
    actions,
    build,
    decide,
    deploy,
    docs,
    doctor,
    list,
    packageCommand,
    remediate,
    report,
    runLocal,
    simulate,
    sweep,
    validate,
  ];
}

/** The version in package.json (build/src/cli → the repository root, or src/cli under tsx). */
export function hubfixVersion(): string {
  for (const up of ['../../..', '../..']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hubfix' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program
    .name('hubfix')
    .description('Automated response and remediation for AWS Security Hub findings')
    .version(hubfixVersion(), '-V, --version', 'print the hubfix version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  for (const m of commandModules()) m.register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; a usage mistake has already been printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`hubfix: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`hubfix: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 3;
  }
}
