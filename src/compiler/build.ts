import * as fs from 'node:fs';
import * as path from 'node:path';
import { type PrincipalName, principalPolicies, principalPolicyFile } from '../iam/principals';
import type { CompiledRunbook } from './compile';
import type { Catalog } from './catalog';

/** The output directory cannot be created or written: a user mistake, said in one line. */
export class OutputDirError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`cannot write to ${dir}: ${reason}`);
    this.name = 'OutputDirError';
  }
}

/**
 * Create `dir` one level at a time (Node's recursive mkdir can spin forever under /proc) and
 * turn every file-system refusal into an OutputDirError.
 */
export function ensureOutputDir(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  if (fs.existsSync(at) && !fs.statSync(at).isDirectory()) throw new OutputDirError(dir, `${at} is not a directory`);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      throw new OutputDirError(dir, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw new OutputDirError(dir, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Write the compiled runbooks, their policies, hubfix's own principals' policies and the catalog under outDir. Deterministic. */
export function writeArtifacts(outDir: string, compiled: readonly CompiledRunbook[], catalog: Catalog): string[] {
  const files: Array<[string, string]> = [];
  for (const c of compiled) {
    files.push([path.join('runbooks', `${c.name}.yaml`), c.yaml]);
    files.push([path.join('policies', `${c.name}.json`), json(c.policy)]);
  }
  const principals = principalPolicies(compiled.map((c) => c.name));
  for (const name of Object.keys(principals) as PrincipalName[])
    files.push([path.join('policies', principalPolicyFile(name)), json(principals[name])]);
  files.push(['catalog.json', json(catalog)]);
  ensureOutputDir(outDir);
  for (const dir of ['runbooks', 'policies']) fs.rmSync(path.join(outDir, dir), { recursive: true, force: true });
  for (const [rel, text] of files) {
    const full = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return files.map(([rel]) => rel);
}
