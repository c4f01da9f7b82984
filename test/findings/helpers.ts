import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalog, CatalogControl } from '../../src/compiler/catalog';
import type { Mode } from '../../src/model/runbook';

/** Test helpers: a catalog built here (independent of which runbooks ship) and the event fixtures. */

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'events');

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are tweaked freely in tests
export type AnyJson = any;

export function fixture(name: string): AnyJson {
  return JSON.parse(fixtureText(name));
}

/** The first finding of a fixture event, as a fresh copy. */
export function findingOf(name: string, index = 0): AnyJson {
  return fixture(name).detail.findings[index];
}

export const SG_PATTERN = '^arn:aws(?:-cn|-us-gov)?:ec2:[a-z0-9-]+:\\d{12}:security-group/(sg-[0-9a-f]{8,17})$';

function control(c: Partial<CatalogControl> & Pick<CatalogControl, 'control' | 'document' | 'scope' | 'resourceType'>): CatalogControl {
  return {
    title: `${c.control} title`,
    class: 'A',
    defaultMode: 'auto' as Mode,
    aliases: {},
    parameters: {},
    extract: [],
    changes: 'changes',
    guidance: `guidance for ${c.control}`,
    permissions: [],
    ...c,
  };
}

/** IAM.15/IAM.7 (account-level), EC2.13/EC2.14 (security groups), IAM.3 (IAM user, notify-only). */
export function testCatalog(): Catalog {
  const controls: Record<string, CatalogControl> = {
    'IAM.15': control({
      control: 'IAM.15',
      document: 'Hubfix-Test-PasswordPolicy',
      scope: 'account',
      resourceType: 'AwsAccount',
      aliases: { 'cis-1.2.0': ['1.9'], 'cis-1.4.0': ['1.8'], 'cis-3.0.0': ['1.8'] },
    }),
    'IAM.7': control({
      control: 'IAM.7',
      document: 'Hubfix-Test-PasswordPolicy',
      scope: 'account',
      resourceType: 'AwsAccount',
      aliases: { fsbp: ['IAM.7'] },
    }),
    'EC2.13': control({
      control: 'EC2.13',
      document: 'Hubfix-Test-SecurityGroup',
      scope: 'resource',
      resourceType: 'AwsEc2SecurityGroup',
      class: 'B',
      aliases: { 'cis-1.2.0': ['4.1'] },
      parameters: { Port: 22 },
      extract: [{ parameter: 'GroupId', from: 'resourceId', pattern: SG_PATTERN }],
    }),
    'EC2.14': control({
      control: 'EC2.14',
      document: 'Hubfix-Test-SecurityGroup',
      scope: 'resource',
      resourceType: 'AwsEc2SecurityGroup',
      class: 'B',
      aliases: { 'cis-1.2.0': ['4.2'] },
      parameters: { Port: 3389 },
      extract: [{ parameter: 'GroupId', from: 'resourceId', pattern: SG_PATTERN }],
    }),
    'IAM.3': control({
      control: 'IAM.3',
      document: 'Hubfix-Test-AccessKeys',
      scope: 'resource',
      resourceType: 'AwsIamUser',
      class: 'C',
      defaultMode: 'notify-only',
      aliases: { 'cis-1.2.0': ['1.4'] },
      extract: [{ parameter: 'UserName', from: 'details', path: 'AwsIamUser.UserName', pattern: '^([\\w+=,.@-]{1,64})$' }],
    }),
  };
  const aliases: Catalog['aliases'] = { 'cis-1.2.0': {}, 'cis-1.4.0': {}, 'cis-3.0.0': {}, fsbp: {} };
  for (const c of Object.values(controls))
    for (const [std, ids] of Object.entries(c.aliases))
      for (const id of ids ?? []) aliases[std as keyof Catalog['aliases']][id] = c.control;
  return { version: 1, controls, aliases };
}

/** A fresh consolidated finding (from the custom-action fixture) for a security group. */
export function sgFinding(
  account = '222233334444',
  region = 'us-east-1',
  sg = 'sg-0a1b2c3d4e5f60718',
  uuid = '11111111-2222-4333-8444-555555555555',
): AnyJson {
  const f = findingOf('custom-action-multi-account.json', 0);
  const id = `arn:aws:securityhub:${region}:${account}:security-control/EC2.13/finding/${uuid}`;
  f.Id = id;
  f.AwsAccountId = account;
  f.Region = region;
  f.ProductArn = `arn:aws:securityhub:${region}::product/aws/securityhub`;
  f.Resources[0].Id = `arn:aws:ec2:${region}:${account}:security-group/${sg}`;
  f.Resources[0].Region = region;
  f.Workflow = { Status: 'NEW' };
  return f;
}

export function importedEvent(findings: AnyJson[]): AnyJson {
  const e = fixture('imported-consolidated-iam15.json');
  e.detail.findings = findings;
  return e;
}

export function customActionEvent(findings: AnyJson[], actionId = 'HubfixRemediate'): AnyJson {
  const e = fixture('custom-action-multi-account.json');
  e.detail.findings = findings;
  e.resources = [`arn:aws:securityhub:us-east-1:${e.account}:action/custom/${actionId}`];
  return e;
}

export const NOW = Date.parse('2024-06-01T12:01:00Z');

/** A copy of a consolidated finding, as Security Hub would send it for another control of the same resource. */
export function underControl(f: AnyJson, from: string, to: string): AnyJson {
  const copy = JSON.parse(JSON.stringify(f));
  copy.Id = f.Id.replace(from, to);
  copy.GeneratorId = `security-control/${to}`;
  copy.Compliance.SecurityControlId = to;
  return copy;
}
