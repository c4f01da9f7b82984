import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dump, load } from 'js-yaml';
import { hasErrorCode, type Invoker } from '../aws/invoker';
import { TEMPLATE_FILES, type Template, type TemplateFile } from '../cfn';

/**
 * `hubfix package`: what `aws cloudformation package` does for CloudFormation users. Uploads the
 * Lambda zips `hubfix build` wrote under content-addressed keys (an object already there is left
 * alone, so packaging twice uploads nothing new), points the templates at them, uploads the
 * templates (the member Region one is too big to pass inline) and writes dist/packaged/ with a
 * manifest `hubfix deploy` reads.
 *
 * Lambda reads its code from a bucket in its own Region: a bucket name with `{region}` in it
 * (`hubfix-code-{region}`) names one bucket per Region, and the templates point at the one of
 * the Region they are deployed in.
 */

export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

export interface PackageOptions {
  dist: string;
  bucket: string;
  prefix: string;
  /** The Regions to upload the code to (the first also holds the templates). */
  regions: readonly string[];
  invoker: Invoker;
  progress?: (line: string) => void;
}

export interface PackageManifest {
  bucket: string;
  prefix: string;
  regions: string[];
  /** Template file → its S3 URL (TemplateURL). */
  templates: Record<TemplateFile, string>;
  /** Lambda name → SHA-256 (hex) of its zip. */
  code: Record<string, string>;
}

export interface PackageResult {
  manifest: PackageManifest;
  uploaded: string[];
  unchanged: string[];
  outDir: string;
}

export const BUCKET_PATTERN = /^(?=.{3,63}$)[a-z0-9][a-z0-9.{}-]*[a-z0-9}]$/;
export const PREFIX_PATTERN = /^$|^[A-Za-z0-9!_.*()/-]{0,200}\/$/;
export const PACKAGED_DIR = 'packaged';
export const MANIFEST_FILE = 'manifest.json';

export function bucketIn(bucket: string, region: string): string {
  return bucket.replaceAll('{region}', region);
}

export function templateUrl(bucket: string, region: string, key: string): string {
  return `https://${bucket}.s3.${region}.amazonaws.com/${key}`;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The templates with their code location filled in (pure). */
export function packagedTemplate(t: Template, bucket: string, prefix: string): Template {
  const out = structuredClone(t);
  const params = out.Parameters ?? {};
  if (params.CodeKeyPrefix) params.CodeKeyPrefix.Default = prefix;
  if (!params.CodeBucket) return out;
  if (bucket.includes('{region}')) {
    delete params.CodeBucket;
    for (const r of Object.values(out.Resources)) {
      const code = r.Properties?.Code as Record<string, unknown> | undefined;
      if (r.Type === 'AWS::Lambda::Function' && code) code.S3Bucket = { 'Fn::Sub': bucket.replaceAll('{region}', '${AWS::Region}') };
    }
  } else {
    params.CodeBucket.Default = bucket;
  }
  return out;
}

async function putIfAbsent(o: PackageOptions, region: string, bucket: string, key: string, body: Buffer): Promise<boolean> {
  try {
    await o.invoker.call({ service: 's3', operation: 'HeadObject', region, input: { Bucket: bucket, Key: key } });
    return false;
  } catch (err) {
    if (!hasErrorCode(err, 'NotFound', 'NoSuchKey', '404')) throw err;
  }
  await o.invoker.call({ service: 's3', operation: 'PutObject', region, input: { Bucket: bucket, Key: key, Body: body } });
  return true;
}

export async function packageArtifacts(o: PackageOptions): Promise<PackageResult> {
  const progress = o.progress ?? (() => {});
  if (!BUCKET_PATTERN.test(o.bucket)) throw new PackageError(`--s3-bucket ${JSON.stringify(o.bucket)} is not an S3 bucket name`);
  if (!PREFIX_PATTERN.test(o.prefix)) throw new PackageError(`--s3-prefix ${JSON.stringify(o.prefix)} must be empty or end with /`);
  if (o.regions.length > 1 && !o.bucket.includes('{region}'))
    throw new PackageError('several Regions need one bucket each: put {region} in --s3-bucket (like hubfix-code-{region})');
  const lambdaDir = path.join(o.dist, 'lambda');
  const cfnDir = path.join(o.dist, 'cfn');
  const zips = fs.existsSync(lambdaDir) ? fs.readdirSync(lambdaDir).filter((f) => f.endsWith('.zip')) : [];
  const missing = TEMPLATE_FILES.filter((f) => !fs.existsSync(path.join(cfnDir, f)));
  if (zips.length === 0 || missing.length > 0)
    throw new PackageError(`nothing to package in ${o.dist}: run \`hubfix build --out ${o.dist}\` first`);

  const uploaded: string[] = [];
  const unchanged: string[] = [];
  const code: Record<string, string> = {};
  for (const region of o.regions) {
    const bucket = bucketIn(o.bucket, region);
    for (const file of zips.sort()) {
      const body = fs.readFileSync(path.join(lambdaDir, file));
      const name = file.replace(/\.zip$/, '');
      code[name] = sha256(body);
      const key = `${o.prefix}${name}-${code[name]}.zip`;
      const done = await putIfAbsent(o, region, bucket, key, body);
      (done ? uploaded : unchanged).push(`s3://${bucket}/${key}`);
      progress(`${done ? 'uploaded' : 'unchanged'} s3://${bucket}/${key}`);
    }
  }

  const home = o.regions[0];
  const homeBucket = bucketIn(o.bucket, home);
  const outDir = path.join(o.dist, PACKAGED_DIR);
  fs.mkdirSync(outDir, { recursive: true });
  const templates = {} as Record<TemplateFile, string>;
  for (const file of TEMPLATE_FILES) {
    const t = load(fs.readFileSync(path.join(cfnDir, file), 'utf8')) as Template;
    const text = dump(packagedTemplate(t, o.bucket, o.prefix), { noRefs: true, lineWidth: -1 });
    fs.writeFileSync(path.join(outDir, file), text);
    const key = `${o.prefix}templates/${file.replace(/\.yaml$/, '')}-${sha256(text)}.yaml`;
    const done = await putIfAbsent(o, home, homeBucket, key, Buffer.from(text));
    (done ? uploaded : unchanged).push(`s3://${homeBucket}/${key}`);
    progress(`${done ? 'uploaded' : 'unchanged'} s3://${homeBucket}/${key}`);
    templates[file] = templateUrl(homeBucket, home, key);
  }
  const manifest: PackageManifest = { bucket: o.bucket, prefix: o.prefix, regions: [...o.regions], templates, code };
  fs.writeFileSync(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, uploaded, unchanged, outDir };
}

export function readManifest(dist: string): PackageManifest {
  const file = path.join(dist, PACKAGED_DIR, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new PackageError(`no ${file}: run \`hubfix package\` first`);
  }
  try {
    return JSON.parse(text) as PackageManifest;
  } catch (err) {
    throw new PackageError(`${file} is not JSON: ${(err as Error).message}`);
  }
}
