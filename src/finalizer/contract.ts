/**
 * What the compiler passes to the finalizer step of every runbook. The finalizer reads the facts
 * (before-state, verdict, ...) from its own execution record by output name, so it works whichever
 * steps ran: a step that failed or was skipped simply has no outputs there.
 */
export interface FinalizeFacts {
  /** `Step.Output` names in the execution record. */
  decision: string;
  before: string;
  summary: string;
  changed?: string;
  after: string;
  verified: string;
  /** Optional: why verify said false (a String output of the verify phase, e.g. `Verify.Unmet`). */
  reason?: string;
}

export interface FinalizeInput {
  document: string;
  executionId: string;
  findingId: string;
  productArn: string;
  topicArn: string;
  dryRun: boolean;
  /** The consolidated control ids the runbook serves, and their aliases (`cis-1.2.0:1.5`). */
  controls: string[];
  aliases: string[];
  /** The resource parameters of this run (`{ GroupId: 'sg-…' }`), for the message and note. */
  resource: Record<string, unknown>;
  /** Optional: the ASFF resource type the runbook acts on (`AwsAccount`), for the message. */
  resourceType?: string;
  facts: FinalizeFacts;
}

/** The outcome of a run (or of a finding decided `notify`), as recorded and notified. */
export type OutcomeStatus = 'SUCCEEDED' | 'FAILED' | 'DRY_RUN' | 'NOT_VERIFIED' | 'NOTIFY_ONLY';
export const OUTCOME_STATUSES: readonly OutcomeStatus[] = ['SUCCEEDED', 'FAILED', 'DRY_RUN', 'NOT_VERIFIED', 'NOTIFY_ONLY'];

export interface FinalizeOutput extends Record<string, unknown> {
  /** SUCCEEDED, FAILED, DRY_RUN, NOT_VERIFIED, NOTIFY_ONLY */
  Status: string;
  Verified: boolean;
  Workflow: string;
  Summary: string;
  /** What happened to the finding: `updated`, `skipped: …`, `unprocessed: …`, `failed: …`. */
  FindingUpdate: string;
  /** What happened to the notification: `published …`, `skipped: …`, `failed: …`. */
  Notification: string;
}

export const FINALIZE_STEP = 'Finalize';
