import { patterns } from '../model/parameters';
import type { AsffFinding, AsffResource, SkipReason } from './types';

/**
 * Who and where a finding is, checked rather than trusted: the product must be Security Hub's
 * own, the finding Id must be a Security Hub finding ARN of the finding's account, every resource
 * must be an ARN (or `AWS::::Account:<id>`) of that same account, in printable ASCII, and every
 * Region must look like one. Pure.
 */

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export interface Identity {
  partition: string;
  /** Where the finding lives (BatchUpdateFindings goes there). */
  findingRegion: string;
  account: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: SkipReason; detail: string };

export const REGION_RE = new RegExp(patterns.region);

/** The Regions each partition has, by name shape (a Region of another partition, or none, is not one). */
const PARTITION_REGIONS: Readonly<Record<string, RegExp>> = {
  aws: /^(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|northwest|southwest)-\d$/,
  'aws-cn': /^cn-(north|northwest)-\d$/,
  'aws-us-gov': /^us-gov-(east|west)-\d$/,
};

/** True when `region` is a Region of `partition` (`cn-north-1` is not one of `aws`, `zz-evil-9` of none). */
export function regionInPartition(region: string, partition: string): boolean {
  return REGION_RE.test(region) && (PARTITION_REGIONS[partition]?.test(region) ?? false);
}
const ARN_RE = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]{1,64}):([a-z0-9-]{0,32}):(\d{12}|aws)?:([\x21-\x7e]{1,2000})$/;
const ACCOUNT_RESOURCE_RE = /^AWS::::Account:(\d{12})$/;
const PRODUCT_RE = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]{1,32})::product\/aws\/securityhub$/;
const FINDING_ID_RE = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]{1,32}):(\d{12}):([A-Za-z0-9/._:-]{1,400})$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** A value for a message: quoted, escaped, at most `max` characters. */
export function quote(value: unknown, max = 80): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

export function parseArn(value: string): ParsedArn | undefined {
  const m = ARN_RE.exec(value);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], account: m[4] ?? '', resource: m[5] };
}

/** What is wrong with a resource id's characters, or undefined when they are all printable ASCII. */
export function characterProblem(value: string): string | undefined {
  if (PRINTABLE_ASCII.test(value)) return undefined;
  if (/[\u0080-\uffff]/.test(value)) return 'contains non-ASCII characters (look-alike letters or digits are not accepted)';
  if (/\s/.test(value)) return 'contains whitespace';
  return 'contains control characters';
}

function fail(reason: SkipReason, detail: string): { ok: false; reason: SkipReason; detail: string } {
  return { ok: false, reason, detail };
}

/** The product, the finding Id and the accounts and Regions of the finding and its resources. */
export function checkIdentity(f: AsffFinding): Checked<Identity> {
  const product = PRODUCT_RE.exec(f.ProductArn);
  if (!product)
    return fail(
      'NOT_SECURITY_HUB_CONTROL',
      `ProductArn ${quote(f.ProductArn)} is not Security Hub's own product (arn:<partition>:securityhub:<region>::product/aws/securityhub)`,
    );
  const id = FINDING_ID_RE.exec(f.Id);
  if (!id) return fail('MALFORMED', `Id ${quote(f.Id)} is not a Security Hub finding ARN`);
  const [, partition, findingRegion, idAccount] = id;
  if (!regionInPartition(findingRegion, partition))
    return fail('MALFORMED', `Id names the Region ${quote(findingRegion)}, which is not a Region of the ${partition} partition`);
  if (product[1] !== partition || product[2] !== findingRegion)
    return fail(
      'MALFORMED',
      `ProductArn ${quote(f.ProductArn)} is not in the finding's partition and Region (${partition}, ${findingRegion})`,
    );
  if (f.Region !== undefined && f.Region !== findingRegion)
    return fail('MALFORMED', `Region ${quote(f.Region)} differs from the Region in the finding Id (${findingRegion})`);
  if (idAccount !== f.AwsAccountId)
    return fail('ACCOUNT_MISMATCH', `the finding Id names account ${idAccount}, AwsAccountId is ${f.AwsAccountId}`);
  for (let i = 0; i < f.Resources.length; i++) {
    const problem = checkResource(f.Resources[i], `Resources[${i}]`, partition, f.AwsAccountId);
    if (problem) return problem;
  }
  return { ok: true, value: { partition, findingRegion, account: f.AwsAccountId } };
}

function checkResource(
  r: AsffResource,
  where: string,
  partition: string,
  account: string,
): { ok: false; reason: SkipReason; detail: string } | undefined {
  const chars = characterProblem(r.Id);
  if (chars) return fail('MALFORMED', `${where}.Id ${quote(r.Id)} ${chars}`);
  if (r.Partition !== undefined && r.Partition !== partition)
    return fail('MALFORMED', `${where}.Partition ${r.Partition} differs from the finding's (${partition})`);
  if (r.Region !== undefined && !regionInPartition(r.Region, partition))
    return fail('MALFORMED', `${where}.Region ${quote(r.Region)} is not a Region of the ${partition} partition`);
  const asAccount = ACCOUNT_RESOURCE_RE.exec(r.Id);
  if (asAccount) {
    if (asAccount[1] !== account) return fail('ACCOUNT_MISMATCH', `${where}.Id names account ${asAccount[1]}, AwsAccountId is ${account}`);
    return undefined;
  }
  const arn = parseArn(r.Id);
  if (!arn) return fail('MALFORMED', `${where}.Id ${quote(r.Id)} is neither an ARN nor AWS::::Account:<account id>`);
  if (arn.partition !== partition) return fail('MALFORMED', `${where}.Id is in partition ${arn.partition}, the finding in ${partition}`);
  if (arn.region && !regionInPartition(arn.region, partition))
    return fail('MALFORMED', `${where}.Id names the Region ${quote(arn.region)}, which is not a Region`);
  const homeInArn = r.Type === TRAIL_TYPE && arn.service === 'cloudtrail';
  // an organization trail is seen from member accounts under the management account's ARN;
  // decide answers it with a notification (`placement`), never a run in the member account
  if (arn.account && arn.account !== 'aws' && arn.account !== account && !homeInArn)
    return fail('ACCOUNT_MISMATCH', `${where}.Id names account ${arn.account}, AwsAccountId is ${account}`);
  // a multi-Region trail is evaluated in every Region but lives (and is changed) in its home Region
  if (arn.region && r.Region !== undefined && r.Region !== arn.region && !homeInArn)
    return fail('MALFORMED', `${where}.Region ${r.Region} differs from the Region in its ARN (${arn.region})`);
  return undefined;
}

const TRAIL_TYPE = 'AwsCloudTrailTrail';

/**
 * Where a resource is changed, when that is not simply the finding's account and Region: a trail
 * is changed only in its home Region (the Region in its ARN) and only by the account that owns it.
 * `elsewhere`: it cannot be fixed from the finding's account (an organization trail seen from a
 * member account); `routed`: it is fixed in another Region than the finding's. Pure.
 */
export function placement(r: AsffResource, who: Identity): { elsewhere?: string; routed?: string } {
  if (r.Type !== TRAIL_TYPE) return {};
  const arn = parseArn(r.Id);
  if (arn?.service !== 'cloudtrail') return {};
  if (arn.account && arn.account !== who.account)
    return {
      elsewhere: `organization trail ${r.Id} seen from member account ${who.account}: fix it from the management account ${arn.account}, in ${arn.region}`,
    };
  if (arn.region && arn.region !== who.findingRegion)
    return { routed: `routed to the trail's home Region ${arn.region}; the finding is from ${who.findingRegion}` };
  return {};
}

/** The Region a resource lives in: its ARN's, else its `Region`, else the finding's. */
export function resourceRegion(r: AsffResource, findingRegion: string): string {
  if (!ACCOUNT_RESOURCE_RE.test(r.Id)) {
    const arn = parseArn(r.Id);
    if (arn?.region) return arn.region;
  }
  return r.Region ?? findingRegion;
}
