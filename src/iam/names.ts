/** Names of the principals and functions the templates create (one place, no cycles). */
export const ORCHESTRATOR_FUNCTION = 'hubfix-orchestrator';
export const STEP_RUNNER_ROLE_NAME = 'hubfix-step-runner';
