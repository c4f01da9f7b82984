import * as fs from 'node:fs';
import * as path from 'node:path';
import { dump, load } from 'js-yaml';
import type { Invoker } from '../aws/invoker';
import { MEMBER_REGION_TEMPLATE, type Template } from '../cfn';
import { type DeployResult, deploy } from '../install/deploy';
import { type PackageResult, packageArtifacts } from '../install/package';

/**
 * hubfix installed in the emulator the way an Organization installs it: the code buckets, `hubfix
 * package`, and `hubfix deploy` (admin stack by change set, member StackSets per account and
 * Region), through moto's CloudFormation. One substitution, because moto's CloudFormation stores an
 * AWS::SSM::Document's object Content as it is (its GetDocument then fails): the member Region
 * template moto reads has each Content as the JSON string CloudFormation itself passes to SSM.
 */

export const CODE_BUCKET = 'hubfix-code-{region}';
export const CODE_PREFIX = 'hubfix/';

/** A template whose documents' Content is already the JSON text CloudFormation sends to SSM CreateDocument. */
export function withDocumentContentAsText(t: Template): Template {
  const out = structuredClone(t);
  for (const r of Object.values(out.Resources))
    if (r.Type === 'AWS::SSM::Document' && r.Properties && typeof r.Properties.Content !== 'string')
      r.Properties.Content = JSON.stringify(r.Properties.Content);
  return out;
}

export async function createCodeBuckets(sdk: Invoker, regions: readonly string[]): Promise<void> {
  for (const region of regions)
    await sdk.call({
      service: 's3',
      operation: 'CreateBucket',
      region,
      input: {
        Bucket: CODE_BUCKET.replace('{region}', region),
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region } }),
      },
    });
}

/** `hubfix package` of a build into the emulator, then the moto substitution on the uploaded member Region template. */
export async function packageIntoEmulator(sdk: Invoker, dist: string, regions: readonly string[]): Promise<PackageResult> {
  const packaged = await packageArtifacts({ dist, bucket: CODE_BUCKET, prefix: CODE_PREFIX, regions, invoker: sdk });
  const url = new URL(packaged.manifest.templates[MEMBER_REGION_TEMPLATE]);
  const t = load(fs.readFileSync(path.join(packaged.outDir, MEMBER_REGION_TEMPLATE), 'utf8')) as Template;
  await sdk.call({
    service: 's3',
    operation: 'PutObject',
    region: regions[0],
    input: {
      Bucket: url.hostname.split('.')[0],
      Key: url.pathname.slice(1),
      Body: dump(withDocumentContentAsText(t), { noRefs: true, lineWidth: -1 }),
    },
  });
  return packaged;
}

export async function deployIntoEmulator(
  sdk: Invoker,
  packaged: PackageResult,
  o: { adminRegion: string; regions: readonly string[]; accounts: readonly string[]; out?: (line: string) => void },
): Promise<DeployResult> {
  return deploy({
    manifest: packaged.manifest,
    invoker: sdk,
    adminRegion: o.adminRegion,
    regions: o.regions,
    accounts: o.accounts,
    yes: true,
    out: o.out ?? (() => {}),
    pollMs: 20,
  });
}
