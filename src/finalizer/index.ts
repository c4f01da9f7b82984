/** The finalizer: the step every runbook ends with, the notify-only path and hubfix's custom actions. */
export { FINALIZE_STEP, type FinalizeInput, type FinalizeOutput, OUTCOME_STATUSES, type OutcomeStatus } from './contract';
export { finalize, finalizeHandler } from './handler';
export { type NotifyOnlyConfig, type NotifyOnlyFinding, type NotifyOnlyResult, notifyOnly } from './notify-only';
export { type RecordResult, workflowFor } from './record';
export {
  ACTION_TARGETS,
  actionIdOfArn,
  DRY_RUN_ACTION_ID,
  ensureActionTargets,
  hubfixActionOfArn,
  listActionTargets,
  REMEDIATE_ACTION_ID,
} from './actions';
