/** Names of the principals and functions the templates create (one place, no cycles). */
export const ORCHESTRATOR_FUNCTION = 'hubfix-orchestrator';
export const STEP_RUNNER_ROLE_NAME = 'hubfix-step-runner';
/** The managed policy (member-account template) every role a runbook creates at run time must carry as its boundary. */
export const RUNTIME_ROLE_BOUNDARY = 'hubfix-runtime-role-boundary';
