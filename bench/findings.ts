import type { Catalog, CatalogControl } from '../src/compiler/catalog';
import { buildFinding, type Finding, type ResourceSpec } from '../src/emulator/asff';

/**
 * Findings as Security Hub sends them for every control of the catalog: the emulator's ASFF
 * builder (consolidated, or CIS 1.2.0 standard-specific where the control has a rule), the fields
 * a real control finding carries beside them (about 2 KB in all), and no `Details` on the
 * resource — Security Hub often leaves them out, so the orchestrator must work from the ids.
 */

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** The offending resource of a control in an account and Region, as a finding names it (no Details). */
export function resourceFor(c: CatalogControl, account: string, region: string, i: number): ResourceSpec {
  switch (c.resourceType) {
    case 'AwsEc2SecurityGroup':
      return { Type: c.resourceType, Id: `arn:aws:ec2:${region}:${account}:security-group/sg-${hex(i, 8)}0f0f0f0f`, Region: region };
    case 'AwsEc2Vpc':
      return { Type: c.resourceType, Id: `arn:aws:ec2:${region}:${account}:vpc/vpc-${hex(i, 8)}0a0a0a0a`, Region: region };
    case 'AwsKmsKey':
      return { Type: c.resourceType, Id: `arn:aws:kms:${region}:${account}:key/${hex(i, 8)}-1111-4222-8333-444455556666`, Region: region };
    case 'AwsCloudTrailTrail':
      return { Type: c.resourceType, Id: `arn:aws:cloudtrail:${region}:${account}:trail/trail-${i}`, Region: region };
    case 'AwsS3Bucket':
      return { Type: c.resourceType, Id: `arn:aws:s3:::trail-logs-${account}-${region}-${i}`, Region: region };
    case 'AwsIamUser':
      return { Type: c.resourceType, Id: `arn:aws:iam::${account}:user/user-${i}`, Region: region };
    case 'AwsIamPolicy':
      return { Type: c.resourceType, Id: `arn:aws:iam::${account}:policy/policy-${i}`, Region: region };
    default:
      return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Region: region };
  }
}

/** One finding of a control; `i` makes the resource (and so the finding) distinct. */
export function realisticFinding(c: CatalogControl, account: string, region: string, i: number, cis = false): Finding {
  const cisRule = c.aliases['cis-1.2.0']?.[0];
  const format = cis && cisRule ? 'cis-1.2.0' : 'consolidated';
  const at = '2026-11-29T10:00:00.000Z';
  const f = buildFinding({
    format,
    account,
    region,
    control: c.control,
    ...(cisRule ? { cisRule } : {}),
    title: c.title,
    resource: resourceFor(c, account, region, i),
    at,
  });
  // what a real control finding carries beside the fields the builder writes
  return {
    ...f,
    ProcessedAt: '2026-11-29T10:00:05.112Z',
    Sample: false,
    Confidence: 0,
    Criticality: 0,
    ProductFields: {
      ...(f.ProductFields as Record<string, string>),
      'aws/securityhub/annotation': `${c.title}. The resource does not meet the requirement of the control.`,
      'RelatedAWSResources:0/name': `securityhub-${c.control.toLowerCase().replace('.', '-')}-${hex(i * 2654435761, 8)}`,
      'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
    },
    Compliance: {
      ...(f.Compliance as Record<string, unknown>),
      StatusReasons: [
        { ReasonCode: 'CONFIG_EVALUATIONS_EMPTY', Description: 'AWS Config evaluated the resource and found it NON_COMPLIANT.' },
      ],
    },
  };
}

/** Every control of the catalog in every account and Region (`cis` for half the accounts). */
export function everyControl(catalog: Catalog, accounts: readonly string[], regions: readonly string[], first = 0): Finding[] {
  const out: Finding[] = [];
  let i = first;
  for (const [a, account] of accounts.entries())
    for (const region of regions)
      for (const c of Object.values(catalog.controls)) out.push(realisticFinding(c, account, region, i++, a % 2 === 1));
  return out;
}

export function accountIds(n: number, base = 310000000000): string[] {
  return Array.from({ length: n }, (_, i) => String(base + i));
}

export function averageBytes(findings: readonly unknown[]): number {
  return Math.round(findings.reduce<number>((n, f) => n + Buffer.byteLength(JSON.stringify(f)), 0) / findings.length);
}
