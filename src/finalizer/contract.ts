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
  facts: FinalizeFacts;
}

export interface FinalizeOutput extends Record<string, unknown> {
  /** SUCCEEDED, FAILED, DRY_RUN, NOT_VERIFIED, NOTIFY_ONLY */
  Status: string;
  Verified: boolean;
  Workflow: string;
  Summary: string;
}

export const FINALIZE_STEP = 'Finalize';
