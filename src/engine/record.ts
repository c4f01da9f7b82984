/**
 * The execution record: shaped like SSM's GetAutomationExecution (AutomationExecution and its
 * StepExecutions), plus `Calls` (every AWS call a step made) and `ChildExecutions` (the records of
 * aws:executeAutomation children). Values follow the API: Parameters and Outputs are maps of
 * string lists, step Inputs a map of strings, times ISO 8601.
 */

export type ExecutionStatus =
  | 'Pending'
  | 'InProgress'
  | 'Waiting'
  | 'Success'
  | 'TimedOut'
  | 'Cancelling'
  | 'Cancelled'
  | 'Failed'
  | 'Exited';

export interface CallRecord {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  account: string;
  region: string;
  /** The step that made the call; absent for the automation's own AssumeRole. */
  step?: string;
  stepExecutionId?: string;
  outcome: 'ok' | 'error';
  /** The AWS error code when outcome is error (AccessDenied for a local policy denial). */
  errorCode?: string;
  errorMessage?: string;
  /** Answered by the engine itself (its own GetAutomationExecution, the in-process step runner). */
  answeredBy?: 'engine' | 'step-runner';
  /** Made by the step runner itself, before the handler (its execution check, its role assumption). */
  madeBy?: 'step-runner';
}

export interface ParentStepDetails {
  StepExecutionId: string;
  StepName: string;
  Action: string;
  Iteration: number;
  IteratorValue?: string;
}

export interface StepExecutionRecord {
  StepName: string;
  Action: string;
  StepExecutionId: string;
  StepStatus: ExecutionStatus;
  Inputs: Record<string, string>;
  Outputs?: Record<string, string[]>;
  FailureMessage?: string;
  Attempts: number;
  MaxAttempts: number;
  TimeoutSeconds?: number;
  OnFailure: string;
  IsCritical: boolean;
  IsEnd: boolean;
  NextStep?: string;
  ExecutionStartTime: string;
  ExecutionEndTime?: string;
  ParentStepDetails?: ParentStepDetails;
}

export interface ExecutionRecord {
  AutomationExecutionId: string;
  DocumentName: string;
  AutomationExecutionStatus: ExecutionStatus;
  ExecutionStartTime: string;
  ExecutionEndTime?: string;
  Mode: 'Auto';
  ParentAutomationExecutionId?: string;
  /** The role the automation ran as (its assumeRole), when it has one. */
  AssumeRole?: string;
  Account: string;
  Region: string;
  Parameters: Record<string, string[]>;
  Outputs: Record<string, string[]>;
  FailureMessage?: string;
  StepExecutions: StepExecutionRecord[];
  Calls: CallRecord[];
  ChildExecutions: ExecutionRecord[];
}

/** Every call in a record and its children, depth first. */
export function allCalls(record: ExecutionRecord): CallRecord[] {
  return [...record.Calls, ...record.ChildExecutions.flatMap(allCalls)];
}

/** The step executions named `name` (a step in a loop has one per iteration). */
export function stepsNamed(record: ExecutionRecord, name: string): StepExecutionRecord[] {
  return record.StepExecutions.filter((s) => s.StepName === name);
}
