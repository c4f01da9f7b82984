import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompiledRunbook } from './compile';
import type { Catalog } from './catalog';

export interface BuildOutput {
  outDir: string;
  files: string[];
}

export interface BuildProblem {
  file: string;
  path: string;
  message: string;
}

/** Thrown when a compiled document fails validation: the build writes nothing it cannot stand behind. */
export class BuildValidationError extends Error {
  constructor(readonly problems: BuildProblem[]) {
    super(`${problems.length} problem(s) in compiled documents`);
    this.name = 'BuildValidationError';
  }
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Write the compiled runbooks, their policies and the catalog under outDir. Deterministic. */
export function writeArtifacts(outDir: string, compiled: readonly CompiledRunbook[], catalog: Catalog): string[] {
  const files: Array<[string, string]> = [];
  for (const c of compiled) {
    files.push([path.join('runbooks', `${c.name}.yaml`), c.yaml]);
    files.push([path.join('policies', `${c.name}.json`), json(c.policy)]);
  }
  files.push(['catalog.json', json(catalog)]);
  for (const dir of ['runbooks', 'policies']) fs.rmSync(path.join(outDir, dir), { recursive: true, force: true });
  for (const [rel, text] of files) {
    const full = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return files.map(([rel]) => rel);
}
