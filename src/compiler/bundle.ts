import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zip } from '../cfn/zip';

/** The AWS Lambda runtime the templates declare and the bundles are built for. */
export const LAMBDA_RUNTIME = 'nodejs22.x';
const ESBUILD_TARGET = 'node22';

/** The Lambda functions hubfix ships: name → entry module (relative to the repository root). */
export const LAMBDAS: Readonly<Record<string, string>> = {
  'step-runner': 'src/steprunner/lambda.ts',
  orchestrator: 'orchestrator/handler.ts',
};

export function repoRoot(): string {
  // works from src/compiler (tsx) and from build/src/compiler (compiled)
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the hubfix package root');
    dir = up;
  }
  return dir;
}

export interface LambdaBundle {
  name: string;
  /** outDir-relative path of the bundle (index.js). */
  file: string;
  bytes: number;
  /** outDir-relative path of the zip Lambda takes, and its SHA-256 (hex; what content-addressed keys use). */
  zip: string;
  sha256: string;
}

/**
 * Bundle each Lambda with esbuild into outDir/lambda/<name>/index.js, for the Lambda runtime
 * above, with the AWS SDK v3 inlined (the version the tests ran with), and zip it as
 * outDir/lambda/<name>.zip. Deterministic: no timestamps, no absolute paths in the output.
 */
export async function bundleLambdas(outDir: string, names: readonly string[] = Object.keys(LAMBDAS)): Promise<LambdaBundle[]> {
  const esbuild = await import('esbuild');
  const root = repoRoot();
  const out: LambdaBundle[] = [];
  for (const name of names) {
    const entry = path.join(root, LAMBDAS[name]);
    if (!fs.existsSync(entry)) continue;
    const file = path.join(outDir, 'lambda', name, 'index.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await esbuild.build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: ESBUILD_TARGET,
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      absWorkingDir: root,
      logLevel: 'silent',
    });
    const archive = zip([{ name: 'index.js', data: fs.readFileSync(file) }]);
    const zipFile = path.join(outDir, 'lambda', `${name}.zip`);
    fs.writeFileSync(zipFile, archive);
    out.push({
      name,
      file: path.relative(outDir, file),
      bytes: fs.statSync(file).size,
      zip: path.relative(outDir, zipFile),
      sha256: createHash('sha256').update(archive).digest('hex'),
    });
  }
  return out;
}
