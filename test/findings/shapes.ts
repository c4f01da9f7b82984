import type { AnyJson } from './helpers';

/**
 * Security Hub control findings shaped as Security Hub sends them, in each format: consolidated
 * (`Compliance.SecurityControlId`, GeneratorId `security-control/<id>`) and standard-specific
 * (CIS 1.2.0: ruleset GeneratorId, `ProductFields.RuleId`, `StandardsGuideArn`; CIS 1.4.0 / 3.0.0
 * and FSBP: `ProductFields.ControlId`, `StandardsArn`, `StandardsControlArn`). Resources carry no
 * `Details` unless a test adds them: that is how large or integration-sent findings arrive.
 */

export type Format = 'consolidated' | 'cis-1.2.0' | 'cis-1.4.0' | 'cis-3.0.0' | 'fsbp';

const STANDARD: Record<Exclude<Format, 'consolidated' | 'cis-1.2.0'>, [string, string]> = {
  'cis-1.4.0': ['cis-aws-foundations-benchmark', '1.4.0'],
  'cis-3.0.0': ['cis-aws-foundations-benchmark', '3.0.0'],
  fsbp: ['aws-foundational-security-best-practices', '1.0.0'],
};

export interface Shape {
  format: Format;
  /** The consolidated id, or the standard's own id for a standard-specific finding. */
  id: string;
  resource: { Type: string; Id: string; Region?: string; Details?: AnyJson };
  account?: string;
  region?: string;
  uuid?: string;
}

export function securityHubFinding(s: Shape): AnyJson {
  const account = s.account ?? '111122223333';
  const region = s.region ?? 'us-east-1';
  const uuid = s.uuid ?? '5d0c3e1a-9b8f-4c7d-8e6f-5a4b3c2d1e0f';
  const common = { 'aws/securityhub/ProductName': 'Security Hub', 'aws/securityhub/CompanyName': 'AWS' };
  let id: string;
  let generatorId: string;
  let productFields: Record<string, string>;
  const compliance: AnyJson = { Status: 'FAILED' };
  if (s.format === 'consolidated') {
    id = `arn:aws:securityhub:${region}:${account}:security-control/${s.id}/finding/${uuid}`;
    generatorId = `security-control/${s.id}`;
    productFields = { ...common, 'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule' };
    compliance.SecurityControlId = s.id;
    compliance.AssociatedStandards = [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }];
  } else if (s.format === 'cis-1.2.0') {
    const std = 'cis-aws-foundations-benchmark/v/1.2.0';
    id = `arn:aws:securityhub:${region}:${account}:subscription/${std}/${s.id}/finding/${uuid}`;
    generatorId = `arn:aws:securityhub:::ruleset/${std}/rule/${s.id}`;
    productFields = {
      ...common,
      StandardsGuideArn: `arn:aws:securityhub:::ruleset/${std}`,
      StandardsGuideSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${std}`,
      RuleId: s.id,
      StandardsControlArn: `arn:aws:securityhub:${region}:${account}:control/${std}/${s.id}`,
    };
  } else {
    const [name, version] = STANDARD[s.format];
    const std = `${name}/v/${version}`;
    id = `arn:aws:securityhub:${region}:${account}:subscription/${std}/${s.id}/finding/${uuid}`;
    generatorId = `${std}/${s.id}`;
    productFields = {
      ...common,
      StandardsArn: `arn:aws:securityhub:::standards/${std}`,
      StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${std}`,
      ControlId: s.id,
      StandardsControlArn: `arn:aws:securityhub:${region}:${account}:control/${std}/${s.id}`,
    };
  }
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: generatorId,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: '2024-05-01T10:00:00.000Z',
    LastObservedAt: '2024-06-01T11:58:00.000Z',
    CreatedAt: '2024-05-01T10:00:00.000Z',
    UpdatedAt: '2024-06-01T11:58:00.000Z',
    Severity: { Label: 'MEDIUM', Normalized: 40, Original: 'MEDIUM' },
    Title: `${s.id} finding`,
    Description: `${s.id} finding`,
    ProductFields: productFields,
    Resources: [{ Partition: 'aws', Region: region, ...s.resource }],
    Compliance: compliance,
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}
