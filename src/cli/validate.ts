import type { Command } from 'commander';
import { wantsJson } from './aws-options';
import { DocumentReadError, type ValidationProblem, validateFile } from '../validator';

export { validateCompiled } from '../validator';

/** Where a command writes: injectable so tests can capture the output. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

interface FileResult {
  file: string;
  valid: boolean;
  errors: ValidationProblem[];
  unreadable?: DocumentReadError;
}

function checkFile(file: string): FileResult {
  try {
    const errors = validateFile(file);
    return { file, valid: errors.length === 0, errors };
  } catch (err) {
    if (!(err instanceof DocumentReadError)) throw err;
    return { file, valid: false, errors: [{ path: '$', message: err.reason }], unreadable: err };
  }
}

/**
 * `hubfix validate FILE…`: exit 0 when every file is a valid Automation document, 1 when any is
 * invalid, 2 when any cannot be read or parsed (the others are still checked and reported).
 */
export function runValidate(files: string[], opts: { json?: boolean }, output: Output = processOutput): number {
  const results = files.map(checkFile);
  if (opts.json) {
    const report = results.map(({ file, valid, errors }) => ({ file, valid, errors }));
    output.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.unreadable) output.err(`${r.file}: ${r.unreadable.reason}\n`);
      else if (r.valid) output.out(`${r.file}: valid\n`);
      else for (const p of r.errors) output.out(`${r.file}: ${p.path}: ${p.message}\n`);
    }
  }
  if (results.some((r) => r.unreadable)) return 2;
  return results.some((r) => !r.valid) ? 1 : 0;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('Validate SSM Automation documents (YAML or JSON, schemaVersion 0.3): schema, references, control flow, limits')
    .argument('<files...>', 'documents to validate')
    .option('--json', 'print [{"file","valid","errors":[{"path","message"}]}] (short for --output json)')
    .option('--output <format>', 'output format: text, json (default text)')
    .action((files: string[], opts: { json?: boolean; output?: string }) =>
      setExit(runValidate(files, { json: wantsJson(opts, ['text', 'json']) })),
    );
}
