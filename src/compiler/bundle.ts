import * as fs from 'node:fs';
import * as path from 'node:path';

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

/**
 * Bundle each Lambda with esbuild into outDir/lambda/<name>/index.js. The AWS SDK v3 is left to
 * the Node.js 20 Lambda runtime, which provides it; everything else is inlined. Deterministic:
 * no timestamps, no absolute paths in the output.
 */
export async function bundleLambdas(
  outDir: string,
  names: readonly string[] = Object.keys(LAMBDAS),
): Promise<Array<{ name: string; file: string; bytes: number }>> {
  const esbuild = await import('esbuild');
  const root = repoRoot();
  const out: Array<{ name: string; file: string; bytes: number }> = [];
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
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: ['@aws-sdk/*'],
      absWorkingDir: root,
      logLevel: 'silent',
    });
    out.push({ name, file: path.relative(outDir, file), bytes: fs.statSync(file).size });
  }
  return out;
}
