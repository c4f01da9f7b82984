import type { Command } from 'commander';
import * as path from 'node:path';
import type { Invoker } from '../aws/invoker';
import { errorCode, errorMessage } from '../aws/invoker';
import { PackageError, packageArtifacts } from '../install/package';
import { invokerFor, REGION_NAME, resolveAws, resolveOutput, withAwsOptions, withOutputOption } from './aws-options';
import { UsageError } from './errors';

/** `hubfix package --s3-bucket B [--s3-prefix P] [--region R | --regions R1,R2]`: upload the build, write dist/packaged/. */

export interface PackageCliOptions {
  s3Bucket: string;
  s3Prefix?: string;
  dist?: string;
  region?: string;
  regions?: string;
  profile?: string;
  endpoint?: string;
  output?: string;
  json?: boolean;
}

export function parseRegions(text: string | undefined, flag = '--regions'): string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const r of list)
    if (!REGION_NAME.test(r)) throw new UsageError(`${flag}: ${JSON.stringify(r)} is not a Region name (like us-east-1)`);
  return [...new Set(list)];
}

export async function runPackage(
  opts: PackageCliOptions,
  invoker?: Invoker,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const format = resolveOutput(opts, ['text', 'json']);
  const resolved = resolveAws(
    { profile: opts.profile, region: opts.region, endpoint: opts.endpoint },
    invoker ? {} : process.env,
    !opts.regions,
  );
  const regions = opts.regions ? parseRegions(opts.regions) : [resolved.region as string];
  try {
    const r = await packageArtifacts({
      dist: path.resolve(opts.dist ?? 'dist'),
      bucket: opts.s3Bucket,
      prefix: opts.s3Prefix ?? '',
      regions,
      invoker: invoker ?? invokerFor(resolved),
      progress: (line) => writeErr(`${line}\n`),
    });
    if (format === 'json') write(`${JSON.stringify({ ...r.manifest, uploaded: r.uploaded, unchanged: r.unchanged }, null, 2)}\n`);
    else {
      write(
        `packaged into ${path.relative(process.cwd(), r.outDir) || r.outDir}/: ${r.uploaded.length} uploaded, ${r.unchanged.length} already there\n`,
      );
      for (const [file, url] of Object.entries(r.manifest.templates)) write(`  ${file}  ${url}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof PackageError) throw new UsageError(err.message);
    writeErr(`hubfix: package failed: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
}

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('package')
    .description('Upload the Lambda zips and templates of a build to S3 (content-addressed) and write dist/packaged/ for deploy')
    .requiredOption('--s3-bucket <bucket>', 'bucket for the code; put {region} in the name for one bucket per Region')
    .option('--s3-prefix <prefix>', 'key prefix, ending with /', '')
    .option('--regions <list>', 'Regions to upload the code to (comma-separated; the bucket name needs {region})')
    .option('--dist <dir>', 'the build directory', 'dist');
  withOutputOption(withAwsOptions(cmd), ['text', 'json']).action(async (opts: PackageCliOptions) => setExit(await runPackage(opts)));
}
