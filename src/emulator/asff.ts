import { createHash } from 'node:crypto';

/**
 * Findings and events as Security Hub writes them, for the emulator scenario. Two formats:
 * consolidated control findings (`Compliance.SecurityControlId`, the default since 2023) and the
 * older CIS 1.2.0 standard-specific ones (`ProductFields.RuleId`, `GeneratorId` of the ruleset).
 * Pure: the ids derive from the inputs, so a scenario imported twice yields the same findings.
 */

export type FindingFormat = 'consolidated' | 'cis-1.2.0';

export interface ResourceSpec {
  Type: string;
  Id: string;
  Region: string;
  Partition?: string;
  Details?: Record<string, unknown>;
}

export interface FindingSpec {
  format: FindingFormat;
  account: string;
  /** Where Security Hub evaluated the control (the finding's home Region). */
  region: string;
  /** The consolidated control id (`IAM.15`). */
  control: string;
  /** The CIS 1.2.0 rule id; required for the cis-1.2.0 format. */
  cisRule?: string;
  title: string;
  resource: ResourceSpec;
  /** ISO time of the evaluation. */
  at: string;
  severity?: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
}

export type Finding = Record<string, unknown> & {
  Id: string;
  ProductArn: string;
  AwsAccountId: string;
  Region: string;
};

const CIS_120 = 'cis-aws-foundations-benchmark/v/1.2.0';
const TYPES_CONSOLIDATED = ['Software and Configuration Checks/Industry and Regulatory Standards'];
const TYPES_CIS = ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'];

/** A stable UUID-shaped id from the parts (Security Hub's are random; ours must be repeatable). */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function productArn(region: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}::product/aws/securityhub`;
}

export function buildFinding(s: FindingSpec): Finding {
  const partition = s.resource.Partition ?? 'aws';
  const uuid = stableUuid(s.format, s.account, s.region, s.control, s.resource.Id);
  const severity = s.severity ?? 'MEDIUM';
  const common = {
    SchemaVersion: '2018-10-08',
    ProductArn: productArn(s.region, partition),
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    AwsAccountId: s.account,
    Region: s.region,
    FirstObservedAt: s.at,
    LastObservedAt: s.at,
    CreatedAt: s.at,
    UpdatedAt: s.at,
    Severity: { Label: severity, Original: severity },
    Title: s.title,
    Resources: [
      {
        Type: s.resource.Type,
        Id: s.resource.Id,
        Partition: partition,
        Region: s.resource.Region,
        ...(s.resource.Details ? { Details: s.resource.Details } : {}),
      },
    ],
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
  if (s.format === 'consolidated') {
    const id = `arn:${partition}:securityhub:${s.region}:${s.account}:security-control/${s.control}/finding/${uuid}`;
    return {
      ...common,
      Id: id,
      GeneratorId: `security-control/${s.control}`,
      Types: TYPES_CONSOLIDATED,
      Description: `This AWS control checks: ${s.title}.`,
      Remediation: {
        Recommendation: {
          Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
          Url: `https://docs.aws.amazon.com/console/securityhub/${s.control}/remediation`,
        },
      },
      ProductFields: {
        'aws/securityhub/ProductName': 'Security Hub',
        'aws/securityhub/CompanyName': 'AWS',
        'aws/securityhub/FindingId': `${common.ProductArn}/${id}`,
      },
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: s.control,
        ...(s.cisRule
          ? {
              AssociatedStandards: [{ StandardsId: `standards/${CIS_120}` }],
              RelatedRequirements: [`CIS AWS Foundations 1.2.0/${s.cisRule}`],
            }
          : {}),
      },
      FindingProviderFields: { Severity: { Label: severity, Original: severity }, Types: TYPES_CONSOLIDATED },
    };
  }
  if (!s.cisRule) throw new Error(`control ${s.control} has no CIS 1.2.0 rule id: it cannot have a CIS 1.2.0 finding`);
  const subscription = `arn:${partition}:securityhub:${s.region}:${s.account}:subscription/${CIS_120}`;
  const id = `${subscription}/${s.cisRule}/finding/${uuid}`;
  return {
    ...common,
    Id: id,
    GeneratorId: `arn:${partition}:securityhub:::ruleset/${CIS_120}/rule/${s.cisRule}`,
    Types: TYPES_CIS,
    Description: `CIS ${s.cisRule}: ${s.title}.`,
    ProductFields: {
      StandardsGuideArn: `arn:${partition}:securityhub:::ruleset/${CIS_120}`,
      StandardsGuideSubscriptionArn: subscription,
      RuleId: s.cisRule,
      RecommendationUrl: `https://docs.aws.amazon.com/console/securityhub/standards-cis-${s.cisRule}/remediation`,
      StandardsControlArn: `arn:${partition}:securityhub:${s.region}:${s.account}:control/${CIS_120}/${s.cisRule}`,
      'aws/securityhub/ProductName': 'Security Hub',
      'aws/securityhub/CompanyName': 'AWS',
      'aws/securityhub/FindingId': `${common.ProductArn}/${id}`,
    },
    Compliance: { Status: 'FAILED' },
    FindingProviderFields: { Severity: { Label: severity, Original: severity }, Types: TYPES_CIS },
  };
}

export interface SecurityHubEvent {
  version: string;
  id: string;
  'detail-type': 'Security Hub Findings - Imported' | 'Security Hub Findings - Custom Action';
  source: 'aws.securityhub';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { findings: Record<string, unknown>[]; actionName?: string; actionDescription?: string };
}

/**
 * The "Findings - Imported" event EventBridge delivers in the administrator account for one
 * finding (one finding per event, as Security Hub sends them in practice).
 */
export function importedEvent(finding: Record<string, unknown>, adminAccount: string, time: string): SecurityHubEvent {
  const id = String(finding.Id);
  return {
    version: '0',
    id: stableUuid('event', id, time, JSON.stringify(finding.Workflow ?? ''), JSON.stringify(finding.Note ?? '')),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: adminAccount,
    time,
    region: String(finding.Region ?? ''),
    resources: [id],
    detail: { findings: [finding] },
  };
}

/** The "Custom Action" event for an analyst's action on findings. */
export function customActionEvent(
  findings: Record<string, unknown>[],
  actionArn: string,
  actionName: string,
  adminAccount: string,
  region: string,
  time: string,
): SecurityHubEvent {
  return {
    version: '0',
    id: stableUuid('action', actionArn, time, ...findings.map((f) => String(f.Id))),
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: adminAccount,
    time,
    region,
    resources: [actionArn],
    detail: { actionName, actionDescription: `hubfix ${actionName}`, findings },
  };
}
