/**
 * The orchestrator's vocabulary: what a decision is, the reason codes, and the part of the AWS
 * Security Finding Format (ASFF) it reads. Types only.
 */

export type DecisionKind = 'start' | 'notify' | 'skip';

/** Why a finding is skipped or notified. */
export const SKIP_REASONS = [
  'MALFORMED',
  'NOT_SECURITY_HUB_CONTROL',
  'ACCOUNT_MISMATCH',
  'NO_RUNBOOK',
  'NOT_FAILED',
  'ARCHIVED',
  'SUPPRESSED',
  'NOT_NEW',
  'OWN_UPDATE',
  'MODE_DISABLED',
  'MODE_NOTIFY_ONLY',
  'EXCLUDED_ACCOUNT',
  'EXCLUDED_REGION',
  'EXCLUDED_TAG',
  'ATTEMPTS_EXHAUSTED',
  'DUPLICATE',
  /** A run hubfix started for the finding is still within its in-flight time. */
  'IN_PROGRESS',
  /** A custom action hubfix does not know (not the remediate nor the dry-run action id). */
  'UNKNOWN_ACTION',
  /** The custom action is known but switched off in the configuration. */
  'ACTION_DISABLED',
  /** An organization trail seen from a member account: notified, to be fixed from the management account. */
  'ORGANIZATION_TRAIL',
] as const;

/** Why a finding is started. */
export const START_REASONS = ['MODE_AUTO', 'MODE_DRY_RUN', 'ACTION_REMEDIATE', 'ACTION_DRY_RUN'] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];
export type StartReason = (typeof START_REASONS)[number];
export type ReasonCode = SkipReason | StartReason;

/**
 * What started the decision: Security Hub's import of a finding, an analyst's custom action, or an
 * operator working through the backlog (`hubfix remediate --filters`: findings that existed before).
 */
export type Trigger = { kind: 'imported' } | { kind: 'custom-action'; actionId: string } | { kind: 'backlog' };

export type ParameterValue = string | number | boolean;

/** Everything the start path needs for one finding decided `start` (or `notify`). */
export interface StartTarget {
  findingId: string;
  productArn: string;
  partition: string;
  /** The finding's home Region: where BatchUpdateFindings is called. */
  findingRegion: string;
  account: string;
  /** The resource's Region: where the automation runs. */
  region: string;
  control: string;
  document: string;
  scope: 'account' | 'resource';
  /** An account-level run every control of the runbook shares: at most one in flight per account and Region. */
  oneRunPerAccount?: boolean;
  resourceType: string;
  resourceId: string;
  dryRun: boolean;
  /** 1 for the first run hubfix starts for this finding. */
  attempt: number;
  clientToken: string;
  /** The member-account role the orchestrator assumes to start the automation. */
  memberRoleArn: string;
  /** Every parameter StartAutomationExecution gets (AutomationAssumeRole, FindingId, DryRun, ...). */
  parameters: Record<string, ParameterValue>;
  /** The finding's UserDefinedFields and note as the event carried them (for the merge). */
  fields: Record<string, string>;
  note?: string;
  guidance: string;
  title: string;
}

export interface Decision {
  /** The finding's Id as given ('' when it has none); at most 512 characters. */
  findingId: string;
  decision: DecisionKind;
  reason: ReasonCode;
  /** One line for a person: what was wrong, or what will happen. */
  detail: string;
  control?: string;
  document?: string;
  account?: string;
  region?: string;
  parameters?: Record<string, ParameterValue>;
  /** Present for `start` and `notify` (and for a skip that rests on a claim, to check it). */
  target?: StartTarget;
  /**
   * The skip or notify rests on what the finding's fields claim (a run in progress, the attempts
   * used up), which anyone who may update the finding can write: the start path checks the claim
   * against the automation executions before honouring it, and starts when they refute it.
   */
  claim?: { kind: 'in-progress' | 'attempts'; reason: StartReason; detail: string; limit?: number; windowMs?: number };
  /** hubfix fields ignored because their times lie in the future (someone else wrote them). */
  distrusted?: string[];
  /**
   * An account-level finding whose run another finding of the same batch starts (its Id): the
   * finding is noted as covered by that run, or shares its failure when that start fails.
   */
  coveredBy?: string;
}

/** The ASFF fields the orchestrator reads (after schema validation). */
export interface AsffResource {
  Type: string;
  Id: string;
  Partition?: string;
  Region?: string;
  Tags?: Record<string, string>;
  Details?: Record<string, unknown>;
}

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  CreatedAt: string;
  UpdatedAt: string;
  Title: string;
  Description: string;
  Region?: string;
  Resources: AsffResource[];
  Compliance?: {
    Status?: string;
    SecurityControlId?: string;
    /** The control's parameters as configured in Security Hub (values are strings). */
    SecurityControlParameters?: Array<{ Name?: string; Value?: string[] }>;
  };
  Workflow?: { Status?: string };
  WorkflowState?: string;
  RecordState?: string;
  ProductFields?: Record<string, string>;
  UserDefinedFields?: Record<string, string>;
  Note?: { Text?: string; UpdatedBy?: string; UpdatedAt?: string };
}
